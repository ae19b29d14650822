/**
 * The stack the scenarios measure: the Salesforce emulator at a fixed latency, a people subgraph, this subgraph and
 * a bare one, each pair behind a real Apollo Gateway; what is running and how it is stopped; fresh, connected tenants.
 */
import { typeDefs } from '../src/server';
import { type RunningGateway, startGateway } from '../demo/gateway';
import { adminToken, memberToken } from '../test/support/jwt';
import { SalesforceEmulator } from '../demo/salesforceEmulator';
import { CONNECT_MUTATION, STACK_CONSUMER_KEY, STACK_CONSUMER_SECRET } from '../test/support/stack';
import { startTestSubgraph, type TestSubgraph } from '../test/support/subgraph';
import { type RunningBareSubgraph, startBareSubgraph } from './bareSubgraph';
import { contactsFor } from './fixtures';
import { errorMessage, postGraphQL } from './harness';
import { benchPeopleTypeDefs, type RunningBenchPeople, startBenchPeopleSubgraph } from './peopleSubgraph';

/** Every emulator answer waits this long, like a Salesforce round trip. */
export const EMULATOR_LATENCY_MS = 20;
/** The subgraph under test runs with its defaults (cache TTL, batch window) except for quieter logs. */
export const SUBGRAPH_ENV: Record<string, string> = { LOG_LEVEL: 'warn' };

export interface Bench {
  emulator: SalesforceEmulator;
  people: RunningBenchPeople;
  /** Null only while the token scenario restarts it. */
  subgraph: TestSubgraph | null;
  gateway: RunningGateway;
  bare: RunningBareSubgraph;
  bareGateway: RunningGateway;
}

/** What is running, stopped once each, last started first; one failing to stop does not keep the others up. */
export class Running {
  private readonly stoppers: Array<{ name: string; stop: () => Promise<void>; done: boolean }> = [];

  add<T>(name: string, thing: T, stop: (thing: T) => Promise<void>): T {
    this.stoppers.push({ name, stop: () => stop(thing), done: false });
    return thing;
  }

  async stop(...names: string[]): Promise<void> {
    const chosen = names.length === 0 ? [...this.stoppers].reverse() : names.flatMap((name) => this.stoppers.filter((s) => s.name === name));
    for (const stopper of chosen) {
      if (stopper.done) continue;
      stopper.done = true;
      await stopper.stop().catch((error: unknown) => console.error(`bench: stopping ${stopper.name} failed: ${errorMessage(error)}`));
    }
  }
}

const memberTokens = new Map<string, string>();

export async function memberTokenFor(tenantId: string): Promise<string> {
  let token = memberTokens.get(tenantId);
  if (token === undefined) {
    token = await memberToken(tenantId);
    memberTokens.set(tenantId, token);
  }
  return token;
}

interface ConnectData {
  connectSalesforce: {
    connection: { status: string; contactFields: string[] } | null;
    userErrors: Array<{ code: string; message: string }>;
  };
}

/** connectSalesforce as the tenant's admin; returns the standard Contact fields the lookups will select. */
export async function connectTenant(gatewayUrl: string, emulator: SalesforceEmulator, tenantId: string): Promise<string[]> {
  const result = await postGraphQL<ConnectData>(
    gatewayUrl,
    CONNECT_MUTATION,
    { input: { consumerKey: STACK_CONSUMER_KEY, consumerSecret: STACK_CONSUMER_SECRET, instanceUrl: emulator.url } },
    await adminToken(tenantId),
  );
  const payload = result.data?.connectSalesforce;
  if (!payload?.connection || payload.userErrors.length > 0 || result.errors?.length) {
    throw new Error(`connectSalesforce for ${tenantId} failed: ${JSON.stringify(result.errors ?? payload?.userErrors ?? result)}`);
  }
  return payload.connection.contactFields;
}

export async function startBench(running: Running): Promise<Bench> {
  const emulator = running.add(
    'emulator',
    await SalesforceEmulator.start({ apps: [{ consumerKey: STACK_CONSUMER_KEY, consumerSecret: STACK_CONSUMER_SECRET }] }),
    (e) => e.close(),
  );
  emulator.setLatency(EMULATOR_LATENCY_MS);
  const people = running.add('people', await startBenchPeopleSubgraph(), (p) => p.stop());
  const bench: Partial<Bench> = { emulator, people };
  bench.subgraph = await startTestSubgraph({ env: SUBGRAPH_ENV });
  // The token scenario replaces the subgraph: stop whichever is current.
  running.add('subgraph', bench, (b) => b.subgraph?.stop() ?? Promise.resolve());
  bench.gateway = running.add('gateway', await benchGateway(people, bench.subgraph.url), (g) => g.stop());
  bench.bare = running.add('bare', await startBareSubgraph(), (b) => b.stop());
  bench.bareGateway = running.add('bareGateway', await benchGateway(people, bench.bare.url), (g) => g.stop());
  return bench as Bench;
}

/** A gateway composing the bench's people subgraph with a Salesforce subgraph (this one, the bare one, a replica). */
export function benchGateway(people: RunningBenchPeople, salesforceUrl: string): Promise<RunningGateway> {
  return startGateway([
    { name: 'people', url: people.url, typeDefs: benchPeopleTypeDefs },
    { name: 'salesforce', url: salesforceUrl, typeDefs },
  ]);
}

/** A fresh tenant: connected (its token cached by connect), with the emulator holding the contacts of `sets`. */
export async function freshTenant(bench: Bench, tenantId: string, sets: Array<{ set: string; count: number }>): Promise<{ token: string; contactFields: string[] }> {
  bench.emulator.setContacts(sets.flatMap(({ set, count }) => contactsFor(set, count)));
  const contactFields = await connectTenant(bench.gateway.url, bench.emulator, tenantId);
  bench.emulator.resetCounters();
  return { token: await memberTokenFor(tenantId), contactFields };
}
