/**
 * A replica of this subgraph as production runs it: its own Node process started from the real entry point
 * (src/index.ts, the file `npm start` runs once compiled; tsx compiles it on the fly here), configured only
 * through the environment, logging JSON lines to stdout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { TEST_JWT_SECRET } from './jwt';

const ROOT = path.resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface Replica {
  url: string;
  process: ChildProcess;
  /** Every line written to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/** The environment every test replica gets; `env` adds to or overrides it. */
export function replicaEnv(env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    PORT: '0',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    SALESFORCE_ALLOW_LOOPBACK: 'true',
    SALESFORCE_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'info',
    ...env,
  };
}

/** Starts `node src/index.ts` (through tsx) and resolves once it logs that it is ready; rejects if it exits first. */
export function startReplica(env: Record<string, string>): Promise<Replica> {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(ROOT, 'src', 'index.ts')], {
    cwd: ROOT,
    env: replicaEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<Replica>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`replica did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const url = readyUrl(output);
      if (url === null) return;
      clearTimeout(timer);
      resolve({
        url,
        process: child,
        output: () => output,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(killer);
        },
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new ReplicaExited(code, output));
    });
  });
}

/** A replica that stopped before it was ready, with what it said. */
export class ReplicaExited extends Error {
  override readonly name = 'ReplicaExited';

  constructor(
    readonly code: number | null,
    readonly output: string,
  ) {
    super(`replica exited with code ${String(code)} before it was ready:\n${output}`);
  }
}

function readyUrl(output: string): string | null {
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as { msg?: unknown; url?: unknown };
      if (parsed.msg === 'Salesforce subgraph ready' && typeof parsed.url === 'string') return parsed.url;
    } catch {
      // a partial line: the rest comes with the next chunk
    }
  }
  return null;
}
