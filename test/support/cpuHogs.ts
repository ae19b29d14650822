/**
 * Busy processes competing for the CPU (each a `node -e` spinning like `for(;;){}`), to run something on a starved
 * event loop: on a 2-core machine two of them leave this process a fraction of a core, so its timers fire late and
 * its work comes in clumps. Stopped by their own ids, never by name; each also stops by itself once its parent is
 * gone or after `maxMs`, so a crashed test cannot leave them spinning on a shared machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface CpuHogs {
  /** Ends every hog and waits until each has exited. */
  stop(): Promise<void>;
}

/** Spins, checking now and then whether its parent is still this process and its time is up. */
function hogScript(maxMs: number): string {
  return `const end = Date.now() + ${maxMs}; for (let i = 1; ; i++) if (i % 1e6 === 0 && (Date.now() > end || process.ppid !== ${process.pid})) break;`;
}

/** `count` busy processes, each running once this resolves. */
export async function startCpuHogs(count: number, maxMs = 120_000): Promise<CpuHogs> {
  const hogs: ChildProcess[] = [];
  const stop = () => Promise.all(hogs.map(stopHog)).then(() => undefined);
  try {
    for (let i = 0; i < count; i++) {
      const hog = spawn(process.execPath, ['-e', hogScript(maxMs)], { stdio: 'ignore' });
      hogs.push(hog);
      await new Promise<void>((resolve, reject) => {
        hog.once('spawn', resolve);
        hog.once('error', reject);
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

function stopHog(hog: ChildProcess): Promise<void> {
  if (hog.exitCode !== null || hog.signalCode !== null || hog.pid === undefined) return Promise.resolve();
  return new Promise<void>((resolve) => {
    hog.once('exit', () => resolve());
    hog.kill('SIGKILL');
  });
}
