/**
 * Scenario repeat-query-calls: Salesforce calls for a repeated query within the cache TTL.
 */
import { personIds } from '../fixtures';
import { ProblemLog, queryPeople, round, salesforceCallsSince, snapshot } from '../harness';
import { record } from '../report';
import type { Scenario } from '../scenario';
import { type Bench, freshTenant } from '../stack';

const REPEAT_PEOPLE = 100;

/** The same 100 people twice on a tenant with the cache on: calls on the second query. */
async function repeatQuery(bench: Bench): Promise<void> {
  const { token } = await freshTenant(bench, 'repeat', [{ set: 'rep', count: REPEAT_PEOPLE }]);
  const ids = personIds('rep', REPEAT_PEOPLE);
  const problems = new ProblemLog();
  const first = snapshot(bench.emulator);
  await queryPeople(bench.gateway.url, token, ids, 'salesforce', problems);
  const firstCalls = salesforceCallsSince(bench.emulator, first);
  const second = snapshot(bench.emulator);
  const answer = await queryPeople(bench.gateway.url, token, ids, 'salesforce', problems);
  const calls = salesforceCallsSince(bench.emulator, second);
  record(
    {
      id: 'repeat-query-calls',
      metric: `Salesforce calls, repeat of a ${REPEAT_PEOPLE}-people query within the TTL`,
      value: calls,
      unit: 'calls',
      target: '0',
      pass: calls === 0 && problems.count === 0,
      details: { people: REPEAT_PEOPLE, firstQueryCalls: firstCalls, repeatCalls: calls, repeatMs: round(answer.ms) },
    },
    problems,
  );
}

export const repeatQueryScenario: Scenario = { id: 'repeat-query-calls', name: 'repeat query within the TTL', target: '0', run: (bench) => repeatQuery(bench) };
