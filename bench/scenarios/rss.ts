/**
 * Scenario rss-growth-1e5-emails: RSS growth of the subgraph's own process after 1e5 distinct emails.
 */
import { typeDefs } from '../../src/server';
import { type RunningGateway, startGateway } from '../../demo/gateway';
import type { SalesforceEmulator } from '../../demo/salesforceEmulator';
import { contactsFor, personIds } from '../fixtures';
import { type ForkedSubgraph, startForkedSubgraph } from '../forkedSubgraph';
import { concurrently, errorMessage, ProblemLog, queryPeople, round } from '../harness';
import { benchPeopleTypeDefs, type RunningBenchPeople } from '../peopleSubgraph';
import { record } from '../report';
import type { Scenario } from '../scenario';
import { connectTenant, memberTokenFor, SUBGRAPH_ENV } from '../stack';

/** The RSS scenario looks up 1e5 emails for one tenant as fast as it can: its call rate must not be what limits it. */
const RSS_ENV: Record<string, string> = { ...SUBGRAPH_ENV, SALESFORCE_TENANT_CALLS_PER_SECOND: '1000', SALESFORCE_TENANT_CALLS_BURST: '1000' };
export const RSS_EMAILS = 100_000;
export const RSS_PEOPLE_PER_QUERY = 1_000;
export const RSS_CONCURRENT_QUERIES = 2;
const RSS_DEADLINE_MS = 100_000;

/**
 * The subgraph in its own process (--expose-gc); 100 gateway queries of 1000 distinct people (half with a contact)
 * on one tenant with the cache on. RSS growth = RSS after − RSS before, each read after forced GC.
 */
async function rssGrowth(emulator: SalesforceEmulator, people: RunningBenchPeople): Promise<void> {
  let child: ForkedSubgraph | undefined;
  let gateway: RunningGateway | undefined;
  try {
    child = await startForkedSubgraph(RSS_ENV);
    gateway = await startGateway([
      { name: 'people', url: people.url, typeDefs: benchPeopleTypeDefs },
      { name: 'salesforce', url: child.url, typeDefs },
    ]);
    emulator.setContacts(contactsFor('rsw', 10));
    await connectTenant(gateway.url, emulator, 'rss');
    const token = await memberTokenFor('rss');
    const problems = new ProblemLog();
    await queryPeople(gateway.url, token, personIds('rsw', 10), 'salesforce', problems); // warm-up
    emulator.resetCounters();
    const before = await child.measure();
    const deadline = performance.now() + RSS_DEADLINE_MS;
    const batches = Math.ceil(RSS_EMAILS / RSS_PEOPLE_PER_QUERY);
    let queried = 0;
    let timedOut = false;
    const started = performance.now();
    for (let first = 0; first < batches; first += RSS_CONCURRENT_QUERIES) {
      if (performance.now() > deadline) {
        timedOut = true;
        break;
      }
      const inRound = Math.min(RSS_CONCURRENT_QUERIES, batches - first);
      const start = first * RSS_PEOPLE_PER_QUERY;
      emulator.setContacts(contactsFor('rss', inRound * RSS_PEOPLE_PER_QUERY, start));
      await concurrently(inRound, (j) =>
        queryPeople(gateway!.url, token, personIds('rss', RSS_PEOPLE_PER_QUERY, start + j * RSS_PEOPLE_PER_QUERY), 'salesforce', problems),
      );
      queried += inRound * RSS_PEOPLE_PER_QUERY;
      emulator.resetCounters(); // keeps the emulator's request log (and its SOQL text) small
    }
    const wallMs = performance.now() - started;
    const after = await child.measure();
    const mb = (bytes: number): number => round(bytes / (1024 * 1024), 1);
    const growth = mb(after.rss - before.rss);
    if (timedOut) problems.add(`stopped at the ${RSS_DEADLINE_MS} ms deadline after ${queried} emails`);
    if (!after.gc) problems.add('the child could not force GC (--expose-gc missing)');
    record(
      {
        id: 'rss-growth-1e5-emails',
        metric: `RSS growth after ${queried.toLocaleString('en-US')} distinct emails`,
        value: growth,
        unit: 'MB',
        target: '≤ 100',
        pass: growth <= 100 && problems.count === 0,
        details: {
          how: `subgraph in a child process; ${batches} gateway queries × ${RSS_PEOPLE_PER_QUERY} people, ${RSS_CONCURRENT_QUERIES} at a time; RSS read after forced GC`,
          emailsQueried: queried,
          beforeMB: { rss: mb(before.rss), heapUsed: mb(before.heapUsed), external: mb(before.external) },
          afterMB: { rss: mb(after.rss), heapUsed: mb(after.heapUsed), external: mb(after.external) },
          heapUsedGrowthMB: mb(after.heapUsed - before.heapUsed),
          gcForced: after.gc,
          wallMs: round(wallMs),
        },
      },
      problems,
    );
  } finally {
    await gateway?.stop().catch((error: unknown) => console.error(`bench: stopping the RSS gateway failed: ${errorMessage(error)}`));
    await child?.stop().catch((error: unknown) => console.error(`bench: stopping the forked subgraph failed: ${errorMessage(error)}`));
  }
}

export const rssGrowthScenario: Scenario = {
  id: 'rss-growth-1e5-emails',
  name: 'RSS after 1e5 distinct emails',
  target: '≤ 100 MB',
  run: (bench) => rssGrowth(bench.emulator, bench.people),
};
