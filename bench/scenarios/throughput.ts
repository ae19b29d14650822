/**
 * Scenario throughput-ratio: requests a second through the gateway with this subgraph against the same with a
 * bare subgraph whose resolver is a constant.
 */
import { personIds } from '../fixtures';
import { concurrently, ProblemLog, queryPeople, round, salesforceCallsSince, snapshot } from '../harness';
import { record } from '../report';
import type { Scenario } from '../scenario';
import { type Bench, freshTenant } from '../stack';

const THROUGHPUT_PEOPLE = 10;
export const THROUGHPUT_CLIENTS = 32;
export const THROUGHPUT_ROUNDS = 2;
export const THROUGHPUT_WARMUP_MS = 1_000;
export const THROUGHPUT_MEASURE_MS = 3_000;
/** Per client and phase, on top of the time limit. */
const THROUGHPUT_MAX_REQUESTS_PER_CLIENT = 100_000;

/** 32 clients looping one fixed 10-people query (cache warm) for a few seconds, this subgraph vs the bare one. */
async function throughput(bench: Bench): Promise<void> {
  const { token } = await freshTenant(bench, 'tput', [{ set: 'tp', count: THROUGHPUT_PEOPLE }]);
  const ids = personIds('tp', THROUGHPUT_PEOPLE);
  const problems = new ProblemLog();
  const bareProblems = new ProblemLog();
  /** Failures while warming up (after the other phase left this stack idle) are reported, not counted. */
  const warmupProblems = new ProblemLog();
  await queryPeople(bench.gateway.url, token, ids, 'salesforce', problems); // warms the contact cache

  async function load(url: string, check: 'salesforce' | 'bare', log: ProblemLog, durationMs: number): Promise<{ ok: number; failed: number; seconds: number }> {
    let ok = 0;
    let failed = 0;
    const start = performance.now();
    const end = start + durationMs;
    await concurrently(THROUGHPUT_CLIENTS, async () => {
      for (let i = 0; i < THROUGHPUT_MAX_REQUESTS_PER_CLIENT && performance.now() < end; i++) {
        const answer = await queryPeople(url, token, ids, check, log);
        if (answer.ok) ok += 1;
        else failed += 1;
      }
    });
    return { ok, failed, seconds: (performance.now() - start) / 1000 };
  }

  const totals = { real: { ok: 0, failed: 0, seconds: 0 }, bare: { ok: 0, failed: 0, seconds: 0 } };
  const phases: Array<{ which: 'bare' | 'real'; rps: number; failed: number }> = [];
  const before = snapshot(bench.emulator);
  let measuredCalls = 0;
  const warmupFailures: string[] = [];
  // ABBA order (bare, real, real, bare, …) so drift and whatever ran before weigh on both alike.
  const order = Array.from({ length: THROUGHPUT_ROUNDS }, (_, i) => (i % 2 === 0 ? (['bare', 'real'] as const) : (['real', 'bare'] as const))).flat();
  for (const which of order) {
    const url = which === 'bare' ? bench.bareGateway.url : bench.gateway.url;
    const check = which === 'bare' ? 'bare' : 'salesforce';
    const log = which === 'bare' ? bareProblems : problems;
    const warmup = await load(url, check, warmupProblems, THROUGHPUT_WARMUP_MS);
    if (warmup.failed > 0) warmupFailures.push(`${which} phase ${phases.length + 1}: ${warmup.failed} failed`);
    const callsBefore = snapshot(bench.emulator);
    const result = await load(url, check, log, THROUGHPUT_MEASURE_MS);
    if (which === 'real') measuredCalls += salesforceCallsSince(bench.emulator, callsBefore);
    totals[which].ok += result.ok;
    totals[which].failed += result.failed;
    totals[which].seconds += result.seconds;
    phases.push({ which, rps: round(result.ok / result.seconds, 1), failed: result.failed });
  }
  if (warmupProblems.count > 0) {
    console.log(`  note: ${warmupProblems.count} request(s) failed while warming up (not counted): ${warmupProblems.samples.join(' | ')}`);
  }
  const realRps = totals.real.ok / totals.real.seconds;
  const bareRps = totals.bare.ok / totals.bare.seconds;
  const ratio = round(realRps / bareRps, 3);
  if (bareProblems.count > 0) problems.add(`bare gateway: ${bareProblems.count} problem(s), e.g. ${bareProblems.samples[0] ?? ''}`);
  record(
    {
      id: 'throughput-ratio',
      metric: `Throughput vs bare subgraph (${THROUGHPUT_PEOPLE} people, ${THROUGHPUT_CLIENTS} clients)`,
      value: ratio,
      unit: `× (${round(realRps, 1)} vs ${round(bareRps, 1)} req/s)`,
      target: '≥ 0.7',
      pass: ratio >= 0.7 && problems.count === 0,
      details: {
        how: `phases ${order.join(', ')}, each ${THROUGHPUT_WARMUP_MS} ms warm-up + ${THROUGHPUT_MEASURE_MS} ms measured; req/s = successful answers / elapsed; ratio = real / bare`,
        phases,
        realRps: round(realRps, 1),
        bareRps: round(bareRps, 1),
        totals,
        warmupFailures,
        warmupProblems: warmupProblems.toJSON(),
        salesforceCallsWhileMeasured: measuredCalls,
        salesforceCallsIncludingWarmup: salesforceCallsSince(bench.emulator, before),
      },
    },
    problems,
  );
}

export const throughputScenario: Scenario = { id: 'throughput-ratio', name: 'throughput vs bare subgraph', target: '≥ 0.7', run: (bench) => throughput(bench) };
