/**
 * This project's subgraph in a process of its own (forked by forkedSubgraph.ts with --expose-gc, for
 * scenarios/rss.ts and scenarios/hostile.ts), so its RSS can be measured without the gateway, the emulator and the
 * load generator in the same heap.
 *
 * IPC: sends { type: 'ready', url, port, gc } once listening; answers { type: 'measure' } with
 * { type: 'memory', rss, heapUsed, external, arrayBuffers, gc } after forcing garbage collection; { type: 'stop' }
 * stops the subgraph and exits. Exits too when the parent goes away.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestSubgraph, type TestSubgraph } from '../test/support/subgraph';

type ParentMessage = { type: 'measure' } | { type: 'stop' };

export interface ChildMemory {
  type: 'memory';
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  gc: boolean;
}

export interface ChildReady {
  type: 'ready';
  url: string;
  port: number;
  gc: boolean;
}

async function collectGarbage(): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return false;
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(50);
  }
  return true;
}

async function main(): Promise<void> {
  if (process.send === undefined) throw new Error('subgraphChild: expected to be forked with an IPC channel');
  const env = JSON.parse(process.env.BENCH_SUBGRAPH_ENV ?? '{}') as Record<string, string>;
  const subgraph: TestSubgraph = await startTestSubgraph({ env });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await subgraph.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on('disconnect', () => void stop());
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') {
      void stop();
      return;
    }
    void collectGarbage().then((gc) => {
      const usage = process.memoryUsage();
      const reply: ChildMemory = {
        type: 'memory',
        rss: usage.rss,
        heapUsed: usage.heapUsed,
        external: usage.external,
        arrayBuffers: usage.arrayBuffers,
        gc,
      };
      process.send?.(reply);
    });
  });
  const ready: ChildReady = { type: 'ready', url: subgraph.url, port: subgraph.app.port, gc: typeof (globalThis as { gc?: unknown }).gc === 'function' };
  process.send(ready);
}

main().catch((error: unknown) => {
  console.error('subgraphChild failed:', error);
  process.exit(1);
});
