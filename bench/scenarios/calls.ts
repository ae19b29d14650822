/**
 * Scenario calls-per-query-n*: Salesforce calls for one cold gateway query of N = 1, 10, 100, 1000 people,
 * against the URI-limit lower bound.
 */
import { emailFor, personIds, uriLimitBound, URI_LIMIT_BYTES } from '../fixtures';
import { ProblemLog, queryPeople, round, salesforceCallsSince, snapshot } from '../harness';
import { record } from '../report';
import type { Scenario } from '../scenario';
import { type Bench, freshTenant } from '../stack';

const CALLS_N = [1, 10, 100, 1000] as const;

/** One gateway query for N people on a fresh tenant (cold): Salesforce calls against the URI-limit bound. */
async function callsPerQuery(bench: Bench, n: number): Promise<void> {
  const set = `n${n}`;
  const { token, contactFields } = await freshTenant(bench, `calls-${n}`, [{ set, count: n }]);
  const ids = personIds(set, n);
  const problems = new ProblemLog();
  const before = snapshot(bench.emulator);
  const logStart = bench.emulator.requests.length;
  const answer = await queryPeople(bench.gateway.url, token, ids, 'salesforce', problems);
  const calls = salesforceCallsSince(bench.emulator, before);
  const emails = Array.from({ length: n }, (_, i) => emailFor(set, i));
  const bound = uriLimitBound(emails, contactFields);
  const allowed = Math.max(1, Math.ceil((bound.queries * 11) / 10));
  const emailsPerQuery = bench.emulator.requests
    .slice(logStart)
    .filter((entry) => entry.soql !== undefined)
    .map((entry) => (entry.soql ?? '').split('@').length - 1);
  record(
    {
      id: `calls-per-query-n${n}`,
      metric: `Salesforce calls, 1 query × ${n} people`,
      value: calls,
      unit: `calls (bound ${bound.queries})`,
      target: `1 … ${allowed} (ceil 1.1 × bound)`,
      pass: calls >= 1 && calls <= allowed && answer.ok,
      details: {
        people: n,
        calls,
        allowed,
        bound,
        emailsPerQuery,
        queryMs: round(answer.ms),
        boundDefinition:
          `ceil((Σ literal bytes + N × separator bytes) / (${URI_LIMIT_BYTES} − fixed bytes + separator bytes)): bytes of each ` +
          `SOQL literal and ',' as the WHATWG URL parser sends them in /services/data/v60.0/query?q=…, fixed = the ` +
          `target with an empty IN list and the connection's contact fields`,
      },
    },
    problems,
  );
}

export const callsPerQueryScenarios: Scenario[] = CALLS_N.map((n) => ({
  id: `calls-per-query-n${n}`,
  name: `calls per query, N=${n}`,
  target: '≤ ceil(1.1 × bound)',
  run: (bench) => callsPerQuery(bench, n),
}));
