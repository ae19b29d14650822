/**
 * What a hostile caller costs (issue 11), measured on the subgraph in a process of its own with ROUTER_SECRET set:
 *   - how fast a 5 MB body with no credentials is refused (unparsed, in milliseconds, and heard: a 401, not a
 *     connection reset under the client — issue 17);
 *   - /health latency (p50/p99) when idle, under ordinary authenticated traffic, and under hostile 5 MB bodies
 *     at the same concurrency: hostile traffic must not stall the process more than ordinary traffic does.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { memberToken } from '../../test/support/jwt';
import { type ForkedSubgraph, startForkedSubgraph } from '../forkedSubgraph';
import { errorMessage, type MeasuredMetric, percentile, ProblemLog, round } from '../harness';
import { record } from '../report';
import type { Scenario } from '../scenario';

const ROUTER_SECRET = 'bench-router-secret-0123456789';
const HOSTILE_BODY = Buffer.alloc(5 * 1024 * 1024, '{');
const REFUSAL_SAMPLES = 30;
const HEALTH_SAMPLES = 300;
const LOAD_CLIENTS = 4;


type Record_ = (metric: MeasuredMetric, problems?: ProblemLog) => void;

async function timed(send: () => Promise<number | null>): Promise<{ ms: number; status: number | null }> {
  const started = performance.now();
  const status = await send();
  return { ms: performance.now() - started, status };
}

/** POST the 5 MB body with no credentials; the status, or null when the connection closed before an answer was read (a failure). */
async function sendHostile(url: string): Promise<number | null> {
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: HOSTILE_BODY, signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return null;
  }
}

/** /health samples taken one after another while a load process runs LOAD_CLIENTS clients (none: idle). */
async function healthUnder(
  healthUrl: string,
  load: Omit<LoadSettings, 'clients'> | null,
  problems: ProblemLog,
): Promise<{ samples: number[]; loadRequests: number; statuses: Record<string, number> }> {
  const generator = load === null ? null : await startLoad({ ...load, clients: LOAD_CLIENTS });
  const samples: number[] = [];
  let done: LoadDone | undefined;
  try {
    for (let i = 0; i < HEALTH_SAMPLES; i++) {
      const { ms, status } = await timed(async () => {
        const response = await fetch(healthUrl, { signal: AbortSignal.timeout(30_000) });
        await response.arrayBuffer();
        return response.status;
      }).catch((error: unknown) => {
        problems.add(`/health failed: ${errorMessage(error)}`);
        return { ms: Number.NaN, status: null };
      });
      if (status !== 200) problems.add(`/health answered ${String(status)}`);
      samples.push(ms);
    }
  } finally {
    done = await generator?.stop();
  }
  return { samples, loadRequests: done?.requests ?? 0, statuses: done?.statuses ?? {} };
}

interface LoadSettings {
  url: string;
  clients: number;
  kind: 'hostile' | 'ordinary';
  headers: Record<string, string>;
}

interface LoadDone {
  requests: number;
  statuses: Record<string, number>;
}

/** Forks loadChild.ts and waits until it runs; `stop` ends it and hands back what it sent. */
async function startLoad(settings: LoadSettings): Promise<{ stop(): Promise<LoadDone> }> {
  const child = fork(path.join(__dirname, '..', 'loadChild.ts'), [], {
    execArgv: ['--require', require.resolve('tsx/cjs')],
    env: { ...process.env, BENCH_LOAD: JSON.stringify(settings) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const message = <T>(type: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load child: no '${type}' within 30 s`)), 30_000);
      child.on('message', (received: { type?: string }) => {
        if (received.type !== type) return;
        clearTimeout(timer);
        resolve(received as T);
      });
      child.once('exit', () => reject(new Error(`load child exited before '${type}'`)));
    });
  await message('started');
  // Let the load reach its pace before sampling.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    async stop() {
      const done = message<LoadDone>('done');
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 35_000);
      try {
        return await done;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export async function hostileRequests(record: Record_): Promise<void> {
  let child: ForkedSubgraph | undefined;
  try {
    child = await startForkedSubgraph({ LOG_LEVEL: 'warn', ROUTER_SECRET });
    const url = child.url;
    const healthUrl = url.replace('/graphql', '/health');
    const token = await memberToken('bench-hostile');
    const problems = new ProblemLog();

    const refusals: number[] = [];
    const refusalStatuses: Record<string, number> = {};
    for (let i = 0; i < REFUSAL_SAMPLES; i++) {
      const { ms, status } = await timed(() => sendHostile(url));
      refusals.push(ms);
      refusalStatuses[String(status)] = (refusalStatuses[String(status)] ?? 0) + 1;
    }
    const refusalP50 = round(percentile(refusals, 50));
    const refusalP99 = round(percentile(refusals, 99));
    const heard = refusalStatuses['401'] ?? 0;
    record(
      {
        id: 'hostile-5mb-refusal',
        metric: '5 MB body without credentials, time to refusal (p50)',
        value: refusalP50,
        unit: `ms (p99 ${refusalP99})`,
        target: '≤ 50 ms, every one a 401',
        pass: refusalP50 <= 50 && heard === REFUSAL_SAMPLES,
        details: {
          how: `${REFUSAL_SAMPLES} sequential POSTs of 5 MB of '{' with no headers to the subgraph (ROUTER_SECRET set); time until the answer (or the close) reached the client`,
          statuses: refusalStatuses,
          ms: { p50: refusalP50, p99: refusalP99 },
        },
      },
      problems,
    );

    const idle = await healthUnder(healthUrl, null, problems);
    const ordinary = await healthUnder(healthUrl, { url, kind: 'ordinary', headers: { authorization: `Bearer ${token}`, 'router-authorization': ROUTER_SECRET } }, problems);
    const hostile = await healthUnder(healthUrl, { url, kind: 'hostile', headers: {} }, problems);
    const figures = (run: { samples: number[] }) => ({ p50: round(percentile(run.samples, 50)), p99: round(percentile(run.samples, 99)) });
    const details = {
      how: `${HEALTH_SAMPLES} sequential GET /health while ${LOAD_CLIENTS} clients in another process loop: nothing (idle), an ordinary authenticated query, or a 5 MB unauthenticated body`,
      idleMs: figures(idle),
      ordinaryMs: figures(ordinary),
      hostileMs: figures(hostile),
      ordinaryRequests: ordinary.loadRequests,
      ordinaryStatuses: ordinary.statuses,
      hostileRequests: hostile.loadRequests,
      hostileStatuses: hostile.statuses,
    };
    const hostileP99 = figures(hostile).p99;
    const ordinaryP99 = figures(ordinary).p99;
    record(
      {
        id: 'hostile-health-p99',
        metric: `/health p99 under hostile 5 MB bodies (ordinary traffic: ${ordinaryP99} ms, idle: ${figures(idle).p99} ms)`,
        value: hostileP99,
        unit: 'ms',
        target: '≤ max(50 ms, 2 × ordinary)',
        pass: hostileP99 <= Math.max(50, 2 * ordinaryP99) && problems.count === 0,
        details,
      },
      problems,
    );
  } finally {
    await child?.stop().catch((error: unknown) => console.error(`bench: stopping the hostile subgraph failed: ${errorMessage(error)}`));
  }
}

export const hostileScenario: Scenario = {
  id: 'hostile',
  name: 'hostile bodies: refusal time and /health latency',
  target: '≤ 50 ms; /health ≤ max(50 ms, 2 × ordinary)',
  run: () => hostileRequests(record),
};
