/** Drives bodySenderChild.ts: clients POSTing large bodies from a process of their own. */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { SentResult } from './bodySenderChild';

export type { SentResult };

export interface BodySender {
  /** `count` POSTs one after another. */
  sequence(count: number): Promise<SentResult[]>;
  /** `clients` clients POSTing in a loop until `stop`, which hands back their outcomes (status or error → count). */
  start(clients: number): Promise<void>;
  stop(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function startBodySender(settings: { url: string; bytes: number; headers?: Record<string, string> }): Promise<BodySender> {
  const child = fork(path.join(__dirname, 'bodySenderChild.ts'), [], {
    execArgv: ['--require', require.resolve('tsx/cjs')],
    env: { ...process.env, BODY_SENDER: JSON.stringify({ headers: {}, ...settings }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await reply(child, 'ready');
  return {
    async sequence(count) {
      const answered = reply<{ results: SentResult[] }>(child, 'sequence');
      child.send({ type: 'sequence', count });
      return (await answered).results;
    },
    async start(clients) {
      const answered = reply(child, 'started');
      child.send({ type: 'start', clients });
      await answered;
    },
    async stop() {
      const answered = reply<{ outcomes: Record<string, number> }>(child, 'stopped');
      child.send({ type: 'stop' });
      return (await answered).outcomes;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function reply<T = unknown>(child: ChildProcess, type: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`body sender: no '${type}' within 60 s`)), 60_000);
    const onMessage = (message: { type?: string }) => {
      if (message.type === type) done(undefined, message as T);
    };
    const onExit = () => done(new Error(`body sender exited before '${type}'`));
    function done(error: Error | undefined, message?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error === undefined) resolve(message as T);
      else reject(error);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
