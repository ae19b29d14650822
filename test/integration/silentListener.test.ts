/**
 * Issue 14, point 5: a replica whose LISTEN connection goes silent without closing (a half-open TCP connection, a
 * frozen proxy) must not trust what it knows of a tenant's connection for longer than CONNECTION_RECHECK_MS, as
 * README "Running several replicas" promises for changes not heard.
 *
 * Replica R reaches PostgreSQL through a TCP proxy (test/support/postgresProxy.ts) that freezes only its LISTEN
 * connection: the pool's connections keep working. Another replica, on the database directly, disconnects the
 * tenant; R must stop serving the tenant's cached contact within the recheck bound (plus a margin for a liveness
 * check well inside it), and then never ask Salesforce for it.
 */
import type { GraphQLResponse } from '../../demo/gateway';
import { postGraphQL } from '../../demo/gateway';
import { adminToken, memberToken } from '../support/jwt';
import { createScratchDatabase, testDatabaseUrl, withClient } from '../support/postgres';
import { PostgresProxy } from '../support/postgresProxy';
import { type Stack, startStack } from '../support/stack';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph';
import { contactId, matchingPeopleAndContacts } from './fixtures';

const TENANT = 'silent-listener';
const RECHECK_MS = 500;
/** The fix bounds trust by the recheck interval, with a liveness check well inside it. */
const MARGIN_MS = 400;
const BOUND_MS = RECHECK_MS + MARGIN_MS;
/** Past this the test gives up polling (fails fast instead of waiting out the 30 s trust). */
const POLL_CAP_MS = 5_000;
const POLL_EVERY_MS = 20;

const fixture = matchingPeopleAndContacts(2, 'silent');
const PERSON = fixture.people[0]!;
const CONTACT_ID = contactId(0);

const PERSON_QUERY = 'query Person($id: ID!) { person(id: $id) { id salesforceContact { id } } }';
const CONNECTION_QUERY = '{ salesforceConnection { status } }';

interface PersonData {
  person: null | { id: string; salesforceContact: null | { id: string } };
}

interface ConnectionData {
  salesforceConnection: null | { status: string };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a replica whose LISTEN connection goes silent without closing', () => {
  let database: { url: string; drop(): Promise<void> } | undefined;
  let proxy: PostgresProxy | undefined;
  /** Replica R: its PostgreSQL (pool and listener) through the proxy, behind a gateway of its own. */
  let stack: Stack | undefined;
  /** Another replica on the same database, reached directly. */
  let peer: TestSubgraph | undefined;

  beforeAll(async () => {
    database = await createScratchDatabase('silent_listener');
    proxy = await PostgresProxy.start(testDatabaseUrl());
    stack = await startStack({
      emulator: { contacts: fixture.contacts },
      people: fixture.people,
      env: { DATABASE_URL: proxy.url(database.url), CONNECTION_RECHECK_MS: String(RECHECK_MS), CONTACT_CACHE_TTL_MS: '600000' },
    });
    peer = await startTestSubgraph({ env: { DATABASE_URL: database.url } });
  }, 60_000);

  afterAll(async () => {
    // Thawed first, so R's listener can end normally (a frozen one never answers its Terminate).
    proxy?.thaw();
    await peer?.stop();
    await stack?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('stops serving a tenant disconnected elsewhere within CONNECTION_RECHECK_MS, and asks Salesforce nothing after', async () => {
    const s = stack!;
    const p = proxy!;
    const member = await memberToken(TENANT);
    const admin = await adminToken(TENANT);
    const personOnR = (): Promise<GraphQLResponse<PersonData>> => s.gateway.query<PersonData>(PERSON_QUERY, { token: member, variables: { id: PERSON.id } });

    // Connected through R, and the contact cached by R.
    const connected = await s.connect(TENANT);
    expect(connected.errors).toBeUndefined();
    expect(connected.data?.connectSalesforce.userErrors).toEqual([]);
    const first = await personOnR();
    expect(first.errors).toBeUndefined();
    expect(first.data?.person?.salesforceContact).toEqual({ id: CONTACT_ID });
    s.emulator.resetCounters();
    const cached = await personOnR();
    expect(cached.data?.person?.salesforceContact).toEqual({ id: CONTACT_ID });
    expect(s.emulator.counters.query).toBe(0); // from R's contact cache

    // Warm the peer (its first request) so its disconnect below is quick.
    const peerView = await postGraphQL<ConnectionData>(peer!.url, CONNECTION_QUERY, { token: admin });
    expect(peerView.data?.salesforceConnection).not.toBeNull();

    // Exactly one connection through the proxy LISTENs (R's listener); freeze it, and only it.
    const listeners = p.listeners();
    expect(listeners.map((c) => ({ listenSql: c.listenSql?.replace(/"[^"]*"/, '"…"'), closed: c.closed }))).toEqual([
      { listenSql: 'LISTEN "…"', closed: false },
    ]);
    expect(p.freezeListener()).toBe(1);
    const listener = listeners[0]!;
    expect(p.connections.filter((c) => c.frozen)).toEqual([listener]);
    expect(p.connections.filter((c) => !c.listener).length).toBeGreaterThan(0); // R's pool

    // While it is frozen, R's pool (store reads) and a new connection through the proxy still work.
    const poolBefore = await s.asMember<ConnectionData>(TENANT, CONNECTION_QUERY);
    expect(poolBefore.errors).toBeUndefined();
    expect(poolBefore.data?.salesforceConnection).not.toBeNull();
    const throughProxy = await withClient(p.url(database!.url), (client) => client.query<{ one: number }>('SELECT 1 AS one'));
    expect(throughProxy.rows).toEqual([{ one: 1 }]);

    // R answers the contact right before the change (so the poll measures the change, not a cold state).
    const before = await personOnR();
    expect(before.errors).toBeUndefined();
    expect(before.data?.person?.salesforceContact).toEqual({ id: CONTACT_ID });

    // The peer disconnects the tenant; its answer comes once the delete has committed.
    const sentAt = performance.now();
    const disconnected = await postGraphQL<{ disconnectSalesforce: { disconnected: boolean } }>(peer!.url, 'mutation { disconnectSalesforce { disconnected } }', { token: admin });
    const committedAt = performance.now();
    expect(disconnected.errors).toBeUndefined();
    expect(disconnected.data?.disconnectSalesforce.disconnected).toBe(true);

    // Poll R until the contact is gone, at most POLL_CAP_MS.
    let elapsed = 0;
    let seenNull = false;
    let polls = 0;
    let last: GraphQLResponse<PersonData> | undefined;
    const errored: unknown[] = [];
    const requestsBeforeNull = s.emulator.requests.length;
    for (;;) {
      // Timed from when the answer was asked for: on a loaded machine the gateway's own time is not R's trust.
      const askedAt = performance.now();
      last = await personOnR();
      polls += 1;
      elapsed = askedAt - committedAt;
      if (last.errors !== undefined) errored.push(last.errors);
      else if (last.data?.person?.salesforceContact === null) {
        seenNull = true;
        break;
      }
      if (performance.now() - committedAt > POLL_CAP_MS) break;
      await sleep(POLL_EVERY_MS);
    }
    const salesforceCallsWhilePolling = s.emulator.requests.slice(requestsBeforeNull);

    // The NOTIFY of the delete reached the proxy and was withheld from R's listener; R's pool already reads the change.
    const poolAfter = await s.asMember<ConnectionData>(TENANT, CONNECTION_QUERY);
    const evidence = {
      polls,
      mutationMs: Math.round(committedAt - sentAt),
      lastAnswer: last?.data?.person?.salesforceContact ?? null,
      erroredAnswers: errored.length,
      rPoolSaysConnection: poolAfter.data?.salesforceConnection ?? null,
      listenerBytesWithheldFromR: listener.held.toClient,
      frozenConnections: p.connections.filter((c) => c.frozen).length,
      salesforceCallsWhilePolling: salesforceCallsWhilePolling.map((r) => `${r.method} ${r.path}`),
    };
    expect(listener.held.toClient).toBeGreaterThan(0);
    expect(poolAfter.data?.salesforceConnection).toBeNull();

    if (!seenNull) {
      throw new Error(
        `R still serves the disconnected tenant's contact ${JSON.stringify(evidence.lastAnswer)} ${Math.round(elapsed)} ms after the ` +
          `disconnect committed elsewhere (gave up at the ${POLL_CAP_MS} ms cap; the bound is ${RECHECK_MS} + ${MARGIN_MS} ms). ` +
          `Evidence: ${JSON.stringify(evidence)}`,
      );
    }
    if (elapsed > BOUND_MS) {
      throw new Error(
        `R served the disconnected tenant's contact for ${Math.round(elapsed)} ms after the disconnect committed elsewhere ` +
          `(bound ${RECHECK_MS} + ${MARGIN_MS} ms). Evidence: ${JSON.stringify(evidence)}`,
      );
    }
    expect(elapsed).toBeLessThanOrEqual(BOUND_MS);

    // Once null, it stays null, and no Salesforce query is made for the tenant.
    const requestsAtNull = s.emulator.requests.length;
    for (let i = 0; i < 5; i++) {
      const again = await personOnR();
      expect(again.errors).toBeUndefined();
      expect(again.data?.person?.salesforceContact).toBeNull();
      await sleep(POLL_EVERY_MS);
    }
    expect(s.emulator.requests.slice(requestsAtNull).filter((r) => r.path.includes('/query'))).toEqual([]);
  });
});
