/**
 * Scenario token-requests-500-cold: token requests under 500 concurrent cold queries, after a restart of the
 * subgraph emptied its token cache.
 */
import { startTestSubgraph } from '../../test/support/subgraph';
import { personId } from '../fixtures';
import { concurrently, countersSince, ProblemLog, queryPeople, round, snapshot } from '../harness';
import { record } from '../report';
import type { Scenario } from '../scenario';
import { type Bench, freshTenant, SUBGRAPH_ENV } from '../stack';

const TOKEN_CONCURRENT_QUERIES = 500;

/**
 * A freshly connected tenant, then the subgraph restarted on the same data directory and port (its token cache,
 * and any contact cache, now empty), then 500 concurrent one-person queries: token requests to the emulator.
 */
async function tokenRequests(bench: Bench): Promise<void> {
  const { token } = await freshTenant(bench, 'token', [{ set: 'tok', count: TOKEN_CONCURRENT_QUERIES }]);
  const previous = bench.subgraph;
  if (previous === null) throw new Error('the subgraph is not running');
  bench.subgraph = null;
  await previous.stop();
  bench.subgraph = await startTestSubgraph({ dataDir: previous.dataDir, env: { ...SUBGRAPH_ENV, PORT: String(previous.app.port) } });
  const problems = new ProblemLog();
  const before = snapshot(bench.emulator);
  const started = performance.now();
  await concurrently(TOKEN_CONCURRENT_QUERIES, (i) => queryPeople(bench.gateway.url, token, [personId('tok', i)], 'salesforce', problems));
  const counters = countersSince(bench.emulator, before);
  record(
    {
      id: 'token-requests-500-cold',
      metric: `Token requests, ${TOKEN_CONCURRENT_QUERIES} concurrent cold queries`,
      value: counters.token,
      unit: 'requests',
      target: '1',
      pass: counters.token === 1 && problems.count === 0,
      details: {
        how: 'connect, restart the subgraph (same data dir and port), then fire the queries at once',
        counters,
        salesforceCalls: counters.query + counters.queryMore,
        wallMs: round(performance.now() - started),
      },
    },
    problems,
  );
}

export const tokenRequestsScenario: Scenario = {
  id: 'token-requests-500-cold',
  name: 'token requests under 500 cold queries',
  target: '1',
  run: (bench) => tokenRequests(bench),
};
