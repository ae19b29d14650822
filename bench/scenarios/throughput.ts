/**
 * Scenarios throughput-ratio and throughput-added-p50: requests a second, and the median request time, through the
 * gateway with this subgraph (warm) against the same with a
 * bare subgraph whose resolver is a constant.
 */
import { personIds } from '../fixtures';
import { abbaOrder, concurrently, percentile, ProblemLog, queryPeople, round, salesforceCallsSince, snapshot } from '../harness';
import { record } from '../report';
import type { Scenario } from '../scenario';
import { type Bench, freshTenant } from '../stack';

const THROUGHPUT_PEOPLE = 50;
export const THROUGHPUT_CLIENTS = 16;
/** Pairs of A B B A: each side gets 2 × THROUGHPUT_ROUNDS windows. */
export const THROUGHPUT_ROUNDS = 2;
export const THROUGHPUT_WARMUP_MS = 1_000;
export const THROUGHPUT_MEASURE_MS = 5_000;
/** A B B A groups for the added latency: 2 × LATENCY_PAIRS requests each side. */
const LATENCY_PAIRS = 100;

interface Window {
  rps: number;
  latencies: number[];
  failed: number;
}

/**
 * 16 clients looping one fixed 50-person page (cache warm) through the gateway, this subgraph against the bare one,
 * in windows ordered A B B A so that the machine's drift weighs on both alike. Throughput is the median of each
 * side's windows; the added latency is the difference of the two sides' median request times.
 */
async function throughput(bench: Bench): Promise<void> {
  const { token } = await freshTenant(bench, 'tput', [{ set: 'tp', count: THROUGHPUT_PEOPLE }]);
  const ids = personIds('tp', THROUGHPUT_PEOPLE);
  const problems = new ProblemLog();
  const bareProblems = new ProblemLog();
  /** Failures while warming up (after the other side left this stack idle) are reported, not counted. */
  const warmupProblems = new ProblemLog();
  await queryPeople(bench.gateway.url, token, ids, 'salesforce', problems); // warms the contact cache

  async function load(url: string, check: 'salesforce' | 'bare', log: ProblemLog, durationMs: number): Promise<Window> {
    let ok = 0;
    let failed = 0;
    const latencies: number[] = [];
    const start = performance.now();
    const end = start + durationMs;
    await concurrently(THROUGHPUT_CLIENTS, async () => {
      while (performance.now() < end) {
        const answer = await queryPeople(url, token, ids, check, log);
        if (!answer.ok) {
          failed += 1;
          continue;
        }
        ok += 1;
        latencies.push(answer.ms);
      }
    });
    return { rps: ok / ((performance.now() - start) / 1000), latencies, failed };
  }

  const windows: Record<'bare' | 'real', Window[]> = { bare: [], real: [] };
  const before = snapshot(bench.emulator);
  let measuredCalls = 0;
  const order = abbaOrder(THROUGHPUT_ROUNDS, 'bare', 'real');
  for (const which of order) {
    const url = which === 'bare' ? bench.bareGateway.url : bench.gateway.url;
    const check = which === 'bare' ? 'bare' : 'salesforce';
    await load(url, check, warmupProblems, THROUGHPUT_WARMUP_MS);
    const callsBefore = snapshot(bench.emulator);
    windows[which].push(await load(url, check, which === 'bare' ? bareProblems : problems, THROUGHPUT_MEASURE_MS));
    if (which === 'real') measuredCalls += salesforceCallsSince(bench.emulator, callsBefore);
  }
  if (warmupProblems.count > 0) {
    console.log(`  note: ${warmupProblems.count} request(s) failed while warming up (not counted): ${warmupProblems.samples.join(' | ')}`);
  }
  const realRps = percentile(windows.real.map((w) => w.rps), 50);
  const bareRps = percentile(windows.bare.map((w) => w.rps), 50);
  const ratio = round(realRps / bareRps, 3);
  const loadedP50 = { real: percentile(windows.real.flatMap((w) => w.latencies), 50), bare: percentile(windows.bare.flatMap((w) => w.latencies), 50) };
  // Latency added, one request at a time (at saturation a request's time is only the inverse of throughput): the
  // same warm page through each gateway, alternately A B B A, medians.
  const alone: Record<'bare' | 'real', number[]> = { bare: [], real: [] };
  for (const which of abbaOrder(LATENCY_PAIRS, 'bare', 'real')) {
    const answer = await queryPeople(which === 'bare' ? bench.bareGateway.url : bench.gateway.url, token, ids, which === 'bare' ? 'bare' : 'salesforce', which === 'bare' ? bareProblems : problems);
    if (answer.ok) alone[which].push(answer.ms);
  }
  const realP50 = percentile(alone.real, 50);
  const bareP50 = percentile(alone.bare, 50);
  const addedP50 = round(realP50 - bareP50, 2);
  if (bareProblems.count > 0) problems.add(`bare gateway: ${bareProblems.count} problem(s), e.g. ${bareProblems.samples[0] ?? ''}`);
  const details = {
    how: `windows ${order.join(' ')}, each ${THROUGHPUT_WARMUP_MS} ms warm-up + ${THROUGHPUT_MEASURE_MS} ms measured, ${THROUGHPUT_CLIENTS} clients; medians`,
    windowsRps: { real: windows.real.map((w) => round(w.rps, 1)), bare: windows.bare.map((w) => round(w.rps, 1)) },
    p50MsAlone: { real: round(realP50, 2), bare: round(bareP50, 2) },
    p50MsUnderLoad: { real: round(loadedP50.real, 2), bare: round(loadedP50.bare, 2) },
    salesforceCallsWhileMeasured: measuredCalls,
    salesforceCallsIncludingWarmup: salesforceCallsSince(bench.emulator, before),
    warmupProblems: warmupProblems.toJSON(),
  };
  record(
    {
      id: 'throughput-ratio',
      metric: `Throughput vs bare subgraph (${THROUGHPUT_PEOPLE} people warm, ${THROUGHPUT_CLIENTS} clients, A B B A)`,
      value: ratio,
      unit: `× (${round(realRps, 1)} vs ${round(bareRps, 1)} req/s)`,
      target: '≥ 0.85',
      pass: ratio >= 0.85 && problems.count === 0,
      details,
    },
    problems,
  );
  record({
    id: 'throughput-added-p50',
    metric: `Added p50 latency, ${THROUGHPUT_PEOPLE} people warm, one request at a time (${LATENCY_PAIRS * 2} each, A B B A)`,
    value: addedP50,
    unit: `ms (${round(realP50, 2)} vs ${round(bareP50, 2)})`,
    target: '< 3',
    pass: addedP50 < 3,
    details,
  });
}

export const throughputScenario: Scenario = { id: 'throughput', name: 'throughput vs bare subgraph', target: '≥ 0.85; added p50 < 3 ms', run: (bench) => throughput(bench) };
