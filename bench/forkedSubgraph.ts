/**
 * The parent's side of subgraphChild.ts: fork it with --expose-gc (tsx's CommonJS hook loads the TypeScript),
 * wait until it listens, ask it for its memory, stop it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { ChildMemory, ChildReady } from './subgraphChild';

const START_TIMEOUT_MS = 30_000;
const MEASURE_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface ForkedSubgraph {
  url: string;
  /** Whether the child could force garbage collection. */
  gc: boolean;
  measure(): Promise<ChildMemory>;
  stop(): Promise<void>;
}

function nextMessage<T extends { type: string }>(child: ChildProcess, type: T['type'], timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`forked subgraph: no '${type}' message within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: unknown): void => {
      if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type) finish(undefined, message as T);
    };
    const onExit = (code: number | null): void => finish(new Error(`forked subgraph exited (code ${String(code)}) before sending '${type}'`));
    function finish(error: Error | undefined, message?: T): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message as T);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export async function startForkedSubgraph(env: Record<string, string>): Promise<ForkedSubgraph> {
  const child = fork(path.join(__dirname, 'subgraphChild.ts'), [], {
    execArgv: ['--expose-gc', '--require', require.resolve('tsx/cjs')],
    env: { ...process.env, BENCH_SUBGRAPH_ENV: JSON.stringify(env) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let ready: ChildReady;
  try {
    ready = await nextMessage<ChildReady>(child, 'ready', START_TIMEOUT_MS);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url: ready.url,
    gc: ready.gc,
    async measure() {
      const reply = nextMessage<ChildMemory>(child, 'memory', MEASURE_TIMEOUT_MS);
      child.send({ type: 'measure' });
      return reply;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
