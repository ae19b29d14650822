/**
 * What the shared contact tier and the answer windows buy (issue "Salesforce is slow, scarce and sometimes down"),
 * each beside the same measurement as before they existed (`CONTACT_SHARED_CACHE=false`,
 * `CONTACT_STALE_WHILE_REVALIDATE_MS=0`), in one run:
 *   - Salesforce calls for the same 1,000 people read through three replicas on one PostgreSQL database (goal: those
 *     of one replica);
 *   - latency of a 1,000-person page answered from the shared tier by a replica whose own cache cannot hold it, next
 *     to a warm page (goal: within 1.5×), interleaved A B B A, medians;
 *   - latency of a read past the TTL with Salesforce answering in 300 ms, next to a warm read (goal: within 1.2×),
 *     interleaved A B B A, medians.
 * Needs a PostgreSQL server: BENCH_DATABASE_URL, else the local one (postgres://postgres@127.0.0.1:5432/test); a
 * database of its own is created and dropped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { typeDefs } from '../../src/server';
import { type RunningGateway, startGateway } from '../../demo/gateway';
import type { SalesforceEmulator } from '../../demo/salesforceEmulator';
import { adminToken, memberToken } from '../../test/support/jwt';
import { createScratchDatabase } from '../../test/support/postgres';
import { CONNECT_MUTATION, STACK_CONSUMER_KEY, STACK_CONSUMER_SECRET } from '../../test/support/stack';
import { startTestSubgraph, type TestSubgraph } from '../../test/support/subgraph';
import { contactsFor, personIds } from '../fixtures';
import { type MeasuredMetric, percentile, postGraphQL, ProblemLog, queryPeople, round, salesforceCallsSince, snapshot } from '../harness';
import { benchPeopleTypeDefs, type RunningBenchPeople } from '../peopleSubgraph';
import { record } from '../report';
import type { Scenario } from '../scenario';
import { EMULATOR_LATENCY_MS } from '../stack';

type Record_ = (metric: MeasuredMetric, problems?: ProblemLog) => void;

const PAGE_PEOPLE = 1_000;
/** Sample pairs for the latency scenarios (each pair is A B B A: two of each). */
const LATENCY_PAIRS = 10;
const SLOW_SALESFORCE_MS = 300;
/** The TTL of the replica read past it: short, so that every sample is past it. */
const SHORT_TTL_MS = 100;
const SWR_PAGE_PEOPLE = 50;

interface Replica {
  subgraph: TestSubgraph;
  gateway: RunningGateway;
}

async function startReplica(databaseUrl: string, people: RunningBenchPeople, env: Record<string, string>): Promise<Replica> {
  const subgraph = await startTestSubgraph({ env: { LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl, SALESFORCE_TENANT_CALLS_PER_SECOND: '1000', SALESFORCE_TENANT_CALLS_BURST: '1000', ...env } });
  const gateway = await startGateway([
    { name: 'people', url: people.url, typeDefs: benchPeopleTypeDefs },
    { name: 'salesforce', url: subgraph.url, typeDefs },
  ]);
  return { subgraph, gateway };
}

async function stopAll(replicas: Replica[]): Promise<void> {
  for (const replica of replicas) {
    await replica.gateway.stop();
    await replica.subgraph.stop();
  }
}

async function connect(gatewayUrl: string, emulator: SalesforceEmulator, tenantId: string): Promise<void> {
  const result = await postGraphQL<{ connectSalesforce: { userErrors: unknown[] } }>(
    gatewayUrl,
    CONNECT_MUTATION,
    { input: { consumerKey: STACK_CONSUMER_KEY, consumerSecret: STACK_CONSUMER_SECRET, instanceUrl: emulator.url } },
    await adminToken(tenantId),
  );
  if (result.data?.connectSalesforce.userErrors.length !== 0) throw new Error(`connectSalesforce for ${tenantId} failed: ${JSON.stringify(result)}`);
}

/** Medians of two measurements taken A B B A, so that drift of the machine weighs on both alike. */
async function interleaved(pairs: number, a: () => Promise<number>, b: () => Promise<number>): Promise<{ a: number; b: number }> {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < pairs; i++) {
    as.push(await a());
    bs.push(await b());
    bs.push(await b());
    as.push(await a());
  }
  return { a: percentile(as, 50), b: percentile(bs, 50) };
}

/** The same page through three replicas, one after another: Salesforce calls in all, with and without the tier. */
async function callsThroughThreeReplicas(databaseUrl: string, emulator: SalesforceEmulator, people: RunningBenchPeople, record: Record_): Promise<void> {
  const problems = new ProblemLog();
  const ids = personIds('tier3', PAGE_PEOPLE);
  emulator.setContacts(contactsFor('tier3', PAGE_PEOPLE));
  const calls: Record<string, number[]> = {};
  for (const [label, shared] of [['shared', 'true'], ['asBefore', 'false']] as const) {
    const replicas: Replica[] = [];
    try {
      for (let i = 0; i < 3; i++) replicas.push(await startReplica(databaseUrl, people, { CONTACT_SHARED_CACHE: shared }));
      const tenant = `tier3-${label}`;
      await connect(replicas[0]!.gateway.url, emulator, tenant);
      const token = await memberToken(tenant);
      calls[label] = [];
      for (const replica of replicas) {
        const before = snapshot(emulator);
        await queryPeople(replica.gateway.url, token, ids, 'salesforce', problems);
        calls[label].push(salesforceCallsSince(emulator, before));
      }
    } finally {
      await stopAll(replicas);
    }
  }
  const total = (label: string) => (calls[label] ?? []).reduce((sum, n) => sum + n, 0);
  const one = calls.shared?.[0] ?? 0;
  record(
    {
      id: 'shared-tier-calls-3-replicas',
      metric: `Salesforce calls, the same ${PAGE_PEOPLE} people through three replicas`,
      value: total('shared'),
      unit: 'calls',
      target: `= one replica's (${one})`,
      pass: total('shared') === one && problems.count === 0,
      details: { perReplica: calls.shared, asBefore: { perReplica: calls.asBefore, total: total('asBefore') } },
    },
    problems,
  );
}

/**
 * A page answered from the shared tier by a replica whose own cache holds one email (so every read goes to the
 * tier), against a warm page on a replica with its cache.
 */
async function sharedTierPageLatency(databaseUrl: string, emulator: SalesforceEmulator, people: RunningBenchPeople, record: Record_): Promise<void> {
  const problems = new ProblemLog();
  const ids = personIds('tierpage', PAGE_PEOPLE);
  emulator.setContacts(contactsFor('tierpage', PAGE_PEOPLE));
  const warm = await startReplica(databaseUrl, people, {});
  const fromTier = await startReplica(databaseUrl, people, { CONTACT_CACHE_MAX_ENTRIES: '1' });
  const asBefore = await startReplica(databaseUrl, people, { CONTACT_CACHE_MAX_ENTRIES: '1', CONTACT_SHARED_CACHE: 'false' });
  try {
    await connect(warm.gateway.url, emulator, 'tierpage');
    const token = await memberToken('tierpage');
    await queryPeople(warm.gateway.url, token, ids, 'salesforce', problems);
    const before = snapshot(emulator);
    const page = (replica: Replica) => async () => (await queryPeople(replica.gateway.url, token, ids, 'salesforce', problems)).ms;
    const measured = await interleaved(LATENCY_PAIRS, page(warm), page(fromTier));
    const tierCalls = salesforceCallsSince(emulator, before);
    const reference = await interleaved(Math.max(2, LATENCY_PAIRS / 2), page(warm), page(asBefore));
    const ratio = round(measured.b / measured.a);
    record(
      {
        id: 'shared-tier-page-latency',
        metric: `${PAGE_PEOPLE}-person page from the shared tier (own cache cold) vs warm, medians`,
        value: ratio,
        unit: '×',
        target: '≤ 1.5',
        pass: ratio <= 1.5 && tierCalls === 0 && problems.count === 0,
        details: {
          warmMs: round(measured.a),
          sharedTierMs: round(measured.b),
          salesforceCallsWhileMeasuring: tierCalls,
          asBefore: { warmMs: round(reference.a), fromSalesforceMs: round(reference.b), ratio: round(reference.b / reference.a) },
          samples: LATENCY_PAIRS * 2,
        },
      },
      problems,
    );
  } finally {
    await stopAll([warm, fromTier, asBefore]);
  }
}

/** A read past the TTL, Salesforce at 300 ms: answered from the revalidate window, against a warm read. */
async function pastTtlLatency(databaseUrl: string, emulator: SalesforceEmulator, people: RunningBenchPeople, record: Record_): Promise<void> {
  const problems = new ProblemLog();
  const ids = personIds('swr', SWR_PAGE_PEOPLE);
  emulator.setContacts(contactsFor('swr', SWR_PAGE_PEOPLE));
  const warm = await startReplica(databaseUrl, people, {});
  const pastTtl = await startReplica(databaseUrl, people, { CONTACT_CACHE_TTL_MS: String(SHORT_TTL_MS), CONTACT_SHARED_CACHE: 'false' });
  const asBefore = await startReplica(databaseUrl, people, { CONTACT_CACHE_TTL_MS: String(SHORT_TTL_MS), CONTACT_SHARED_CACHE: 'false', CONTACT_STALE_WHILE_REVALIDATE_MS: '0' });
  try {
    for (const replica of [warm, pastTtl, asBefore]) await connect(replica.gateway.url, emulator, `swr-${replica.subgraph.url}`);
    const tokens = new Map<Replica, string>();
    for (const replica of [warm, pastTtl, asBefore]) tokens.set(replica, await memberToken(`swr-${replica.subgraph.url}`));
    for (const replica of [warm, pastTtl, asBefore]) await queryPeople(replica.gateway.url, tokens.get(replica)!, ids, 'salesforce', problems);
    emulator.setLatency(SLOW_SALESFORCE_MS);
    // Every read, warm or not, comes after the same pause: past the short TTL (and after the refresh of the previous
    // read landed), so the only difference is where the answer comes from.
    const read = (replica: Replica) => async () => {
      await sleep(SHORT_TTL_MS + SLOW_SALESFORCE_MS + 50);
      return (await queryPeople(replica.gateway.url, tokens.get(replica)!, ids, 'salesforce', problems)).ms;
    };
    const measured = await interleaved(LATENCY_PAIRS, read(warm), read(pastTtl));
    const reference = await interleaved(Math.max(2, LATENCY_PAIRS / 2), read(warm), read(asBefore));
    const ratio = round(measured.b / measured.a);
    record(
      {
        id: 'past-ttl-latency',
        metric: `read past the TTL (${SWR_PAGE_PEOPLE} people), Salesforce at ${SLOW_SALESFORCE_MS} ms, vs warm, medians`,
        value: ratio,
        unit: '×',
        target: '≤ 1.2',
        pass: ratio <= 1.2 && problems.count === 0,
        details: {
          warmMs: round(measured.a),
          pastTtlMs: round(measured.b),
          asBefore: { warmMs: round(reference.a), pastTtlMs: round(reference.b), ratio: round(reference.b / reference.a) },
          samples: LATENCY_PAIRS * 2,
        },
      },
      problems,
    );
  } finally {
    await stopAll([warm, pastTtl, asBefore]);
  }
}

/** Runs the three scenarios on a database of their own; the emulator's latency is set back to `latencyMs` after. */
export async function sharedTierScenarios(emulator: SalesforceEmulator, people: RunningBenchPeople, record: Record_, latencyMs: number): Promise<void> {
  process.env.TEST_DATABASE_URL ??= process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const database = await createScratchDatabase('bench_tier');
  try {
    await callsThroughThreeReplicas(database.url, emulator, people, record);
    await sharedTierPageLatency(database.url, emulator, people, record);
    await pastTtlLatency(database.url, emulator, people, record);
  } finally {
    emulator.setLatency(latencyMs);
    await database.drop();
  }
}

export const sharedTierScenario: Scenario = {
  id: 'shared-tier',
  name: 'shared contact tier and answer windows (three replicas on PostgreSQL)',
  target: 'calls = one replica; ≤ 1.5×; ≤ 1.2×',
  run: (bench) => sharedTierScenarios(bench.emulator, bench.people, record, EMULATOR_LATENCY_MS),
};
