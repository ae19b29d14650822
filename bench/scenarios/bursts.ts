/**
 * Scenario bursts: Salesforce calls for two concurrent bursts (200 × the same 50 people; 200 × one different
 * person each).
 */
import { personId, personIds } from '../fixtures';
import { concurrently, countersSince, ProblemLog, queryPeople, round, salesforceCallsSince, snapshot } from '../harness';
import { record } from '../report';
import type { Scenario } from '../scenario';
import { type Bench, freshTenant } from '../stack';

const BURST_QUERIES = 200;
const BURST_SHARED_PEOPLE = 50;

/** (a) 200 concurrent queries for the same 50 people; (b) 200 concurrent one-person queries for different people. */
async function bursts(bench: Bench): Promise<void> {
  {
    const { token } = await freshTenant(bench, 'burst-a', [{ set: 'ba', count: BURST_SHARED_PEOPLE }]);
    const ids = personIds('ba', BURST_SHARED_PEOPLE);
    const problems = new ProblemLog();
    const before = snapshot(bench.emulator);
    const started = performance.now();
    await concurrently(BURST_QUERIES, () => queryPeople(bench.gateway.url, token, ids, 'salesforce', problems));
    const calls = salesforceCallsSince(bench.emulator, before);
    record(
      {
        id: 'burst-same-50',
        metric: `Salesforce calls, ${BURST_QUERIES} concurrent queries × same ${BURST_SHARED_PEOPLE} people`,
        value: calls,
        unit: 'calls',
        target: '≤ 2',
        pass: calls <= 2 && problems.count === 0,
        details: { queries: BURST_QUERIES, people: BURST_SHARED_PEOPLE, counters: countersSince(bench.emulator, before), wallMs: round(performance.now() - started) },
      },
      problems,
    );
  }
  {
    const { token } = await freshTenant(bench, 'burst-b', [{ set: 'bb', count: BURST_QUERIES }]);
    const problems = new ProblemLog();
    const before = snapshot(bench.emulator);
    const started = performance.now();
    await concurrently(BURST_QUERIES, (i) => queryPeople(bench.gateway.url, token, [personId('bb', i)], 'salesforce', problems));
    const calls = salesforceCallsSince(bench.emulator, before);
    record(
      {
        id: 'burst-200-different',
        metric: `Salesforce calls, ${BURST_QUERIES} concurrent queries × 1 different person`,
        value: calls,
        unit: 'calls',
        target: '≤ 10',
        pass: calls <= 10 && problems.count === 0,
        details: { queries: BURST_QUERIES, counters: countersSince(bench.emulator, before), wallMs: round(performance.now() - started) },
      },
      problems,
    );
  }
}

export const burstsScenario: Scenario = { id: 'bursts', name: 'concurrent bursts', target: '≤ 2 and ≤ 10', run: (bench) => bursts(bench) };
