/**
 * Scenario added-latency-*: what this subgraph adds to a gateway query over one emulator round trip (p50, p99).
 */
import { personId } from '../fixtures';
import { errorMessage, percentile, ProblemLog, queryPeople, round, salesforceCallsSince, snapshot } from '../harness';
import { record } from '../report';
import type { Scenario } from '../scenario';
import { type Bench, EMULATOR_LATENCY_MS, freshTenant } from '../stack';

const LATENCY_WARMUP = 10;
export const LATENCY_SAMPLES = 200;

/**
 * Sequential 1-person queries, each for a person never looked up before (cold), interleaved with the same query
 * through the bare gateway and a direct GET of the emulator's versions resource (one round trip).
 * added = t(real) − p50(t(bare)) − p50(t(emulator round trip)), per sample.
 */
async function addedLatency(bench: Bench): Promise<void> {
  const total = LATENCY_WARMUP + LATENCY_SAMPLES;
  const { token } = await freshTenant(bench, 'latency', [{ set: 'lat', count: total }]);
  const problems = new ProblemLog();
  const bareProblems = new ProblemLog();
  const real: number[] = [];
  const bare: number[] = [];
  const roundTrip: number[] = [];
  const callsPerSample: number[] = [];
  for (let i = 0; i < total; i++) {
    const ids = [personId('lat', i)];
    const rttStart = performance.now();
    try {
      const response = await fetch(`${bench.emulator.url}/services/data`, { signal: AbortSignal.timeout(10_000) });
      await response.arrayBuffer();
    } catch (error) {
      problems.add(`emulator round trip failed: ${errorMessage(error)}`);
    }
    const rtt = performance.now() - rttStart;
    const bareAnswer = await queryPeople(bench.bareGateway.url, token, ids, 'bare', bareProblems);
    const before = snapshot(bench.emulator);
    const realAnswer = await queryPeople(bench.gateway.url, token, ids, 'salesforce', problems);
    const calls = salesforceCallsSince(bench.emulator, before);
    if (i < LATENCY_WARMUP) continue;
    roundTrip.push(rtt);
    bare.push(bareAnswer.ms);
    real.push(realAnswer.ms);
    callsPerSample.push(calls);
  }
  const baseline = percentile(bare, 50) + percentile(roundTrip, 50);
  const added = real.map((ms) => ms - baseline);
  const p50 = round(percentile(added, 50));
  const p99 = round(percentile(added, 99));
  const sampleCalls = callsPerSample.reduce((a, b) => a + b, 0);
  if (bareProblems.count > 0) problems.add(`bare gateway: ${bareProblems.count} problem(s), e.g. ${bareProblems.samples[0] ?? ''}`);
  const details = {
    definition:
      'per sample: t(gateway query, 1 person, cold, this subgraph) − p50 t(same query, bare subgraph) − p50 t(GET emulator ' +
      `/services/data with ${EMULATOR_LATENCY_MS} ms latency); ${LATENCY_SAMPLES} sequential samples after ${LATENCY_WARMUP} warm-up`,
    samples: LATENCY_SAMPLES,
    realMs: { p50: round(percentile(real, 50)), p99: round(percentile(real, 99)) },
    bareMs: { p50: round(percentile(bare, 50)), p99: round(percentile(bare, 99)) },
    emulatorRoundTripMs: { p50: round(percentile(roundTrip, 50)), p99: round(percentile(roundTrip, 99)) },
    addedMs: { p50, p99 },
    salesforceCallsPerSample: round(sampleCalls / Math.max(1, callsPerSample.length), 3),
  };
  record(
    { id: 'added-latency-p50', metric: 'Added latency over one round trip, p50', value: p50, unit: 'ms', target: '≤ 5', pass: p50 <= 5 && problems.count === 0, details },
    problems,
  );
  record({ id: 'added-latency-p99', metric: 'Added latency over one round trip, p99', value: p99, unit: 'ms', target: '— (reported)', pass: null, details: { addedMs: { p50, p99 } } });
}

export const addedLatencyScenario: Scenario = { id: 'added-latency-p50', name: 'added latency', target: '≤ 5 ms', run: (bench) => addedLatency(bench) };
