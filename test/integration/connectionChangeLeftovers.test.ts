/**
 * Issue "A connection change must leave nothing behind", points 1–3, end to end through a real Apollo Gateway:
 * a call still on the wire when the admin disconnects or reconnects must not act for the tenant afterwards.
 *
 * 1. A token that arrives after disconnectSalesforce is revoked and no SOQL query is sent with it.
 * 2. Failures of the old org's calls that end after a reconnect do not count against the new org's circuit.
 * 3. The old org's API usage, read from an answer that ends after a reconnect, does not pause the new org.
 *
 * Each sequence is driven with the emulator's holds (holdNext), never with sleeps: the call is held at the
 * emulator, the connection is changed while it waits, then its answer is released. Every test starts a stack (and
 * the second org) of its own, so no hold, fault or usage reading leaks from one test into another.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GraphQLResponse } from '../../demo/gateway';
import { type EmulatorContact, type EmulatorFault, SalesforceEmulator } from '../../demo/salesforceEmulator';
import { type Stack, startStack } from '../support/stack';

const PERSON = { id: 'p-ada', email: 'ada@leftovers.example', name: 'Ada' };

const CONTACT_IN_A: EmulatorContact = { Id: '003A00000000001AAA', Email: 'ada@leftovers.example', LastName: 'Ada-in-A' };
const CONTACT_IN_B: EmulatorContact = { Id: '003B00000000001AAA', Email: 'ada@leftovers.example', LastName: 'Ada-in-B' };

/** Org B: another org with an app of its own. */
const ORG_B_APP = { consumerKey: 'leftovers-org-b-consumer-key', consumerSecret: 'leftovers-org-b-consumer-secret' };

const PERSON_QUERY = `
  query Person($id: ID!) { person(id: $id) { id salesforceContact { id lastName } } }`;

const DISCONNECT_MUTATION = 'mutation { disconnectSalesforce { disconnected } }';

const CONNECTION_QUERY = '{ salesforceConnection { status lastError apiUsage { used max } } }';

const UNAVAILABLE_503: EmulatorFault = {
  status: 503,
  body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'The server is temporarily unavailable for maintenance.' }],
};

interface PersonData {
  person: null | { id: string; salesforceContact: null | { id: string; lastName: string | null } };
}

interface DisconnectData {
  disconnectSalesforce: { disconnected: boolean };
}

interface ConnectionData {
  salesforceConnection: null | {
    status: string;
    lastError: string | null;
    apiUsage: { used: number; max: number } | null;
  };
}

/** Error codes and messages of a response, so a failed expectation says what the subgraph answered. */
function problems(response: GraphQLResponse<unknown>): string[] {
  return (response.errors ?? []).map((e) => `${String(e.extensions?.code)}: ${e.message}`);
}

/** A SOQL query or one of its further pages (pathname only; the SOQL is in the query string). */
function isQueryRequest(path: string): boolean {
  return /^\/services\/data\/[^/]+\/query(\/|$)/.test(path);
}

/** Polls a condition that settles asynchronously (a best-effort revocation), briefly. */
async function eventually(condition: () => boolean, timeoutMs = 2_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= until) return false;
    await sleep(10);
  }
  return true;
}

describe('a connection change leaves nothing behind', () => {
  let stack: Stack | undefined;
  let orgB: SalesforceEmulator | undefined;

  afterEach(async () => {
    await stack?.stop();
    await orgB?.close();
    stack = undefined;
    orgB = undefined;
  });

  /** A stack whose own emulator is org A, plus org B. */
  async function start(env: Record<string, string>): Promise<{ stack: Stack; orgA: SalesforceEmulator; orgB: SalesforceEmulator }> {
    stack = await startStack({ emulator: { contacts: [CONTACT_IN_A] }, people: [PERSON], env });
    orgB = await SalesforceEmulator.start({ apps: [ORG_B_APP], contacts: [CONTACT_IN_B], orgId: '00D5e000000BbBbEAF' });
    return { stack, orgA: stack.emulator, orgB };
  }

  async function connectToA(s: Stack, tenantId: string): Promise<void> {
    const response = await s.connect(tenantId);
    expect(problems(response)).toEqual([]);
    expect(response.data?.connectSalesforce.userErrors).toEqual([]);
    s.emulator.resetCounters();
  }

  async function reconnectToB(s: Stack, b: SalesforceEmulator, tenantId: string): Promise<void> {
    const response = await s.connect(tenantId, { instanceUrl: b.url, ...ORG_B_APP });
    expect(problems(response)).toEqual([]);
    expect(response.data?.connectSalesforce.userErrors).toEqual([]);
    expect(response.data?.connectSalesforce.connection).toMatchObject({ status: 'CONNECTED' });
  }

  const lookup = (s: Stack, tenantId: string) => s.asMember<PersonData>(tenantId, PERSON_QUERY, { id: PERSON.id });

  it('1. sends no query with a token that arrives after disconnectSalesforce returned, and revokes that token', async () => {
    const tenantId = 'leftovers-disconnect';
    const { stack: s, orgA } = await start({ CONTACT_CACHE_TTL_MS: '0' });
    await connectToA(s, tenantId);

    // The cached token is refused (401 INVALID_SESSION_ID) on the next query, so the lookup asks for a new one:
    // that token request is held at the emulator while the admin disconnects.
    orgA.expireAllTokens();
    const tokenHold = orgA.holdNext('token');
    const pending = lookup(s, tenantId);
    await tokenHold.arrived;
    expect(orgA.counters.query).toBe(1); // the 401: the lookup now waits for the held token
    const issued = orgA.issuedTokens();
    const lateToken = issued[issued.length - 1] ?? '';
    expect(lateToken).not.toBe('');

    const disconnected = await s.asAdmin<DisconnectData>(tenantId, DISCONNECT_MUTATION);
    expect(problems(disconnected)).toEqual([]);
    expect(disconnected.data?.disconnectSalesforce.disconnected).toBe(true);
    const afterMutation = orgA.requests.length;

    tokenHold.release();
    const response = await pending;

    const lateQueries = orgA.requests.slice(afterMutation).filter((r) => isQueryRequest(r.path));
    expect(lateQueries).toEqual([]);
    // The token that arrived late is not left live.
    expect(await eventually(() => orgA.revokedTokens().includes(lateToken))).toBe(true);
    // Whatever the person's answer says, it carries no contact.
    expect(response.data?.person?.salesforceContact ?? null).toBeNull();
  });

  it("2. does not count the old org's failures, ending after a reconnect, against the new org's circuit", async () => {
    const tenantId = 'leftovers-breaker';
    const { stack: s, orgA, orgB: b } = await start({
      SALESFORCE_BREAKER_THRESHOLD: '1',
      SALESFORCE_RETRY_BASE_MS: '5',
      CONTACT_CACHE_TTL_MS: '0',
    });
    await connectToA(s, tenantId);

    // Org A fails every attempt of the lookup (the first and both retries); its first query is held.
    for (let n = 0; n < 3; n++) orgA.queueFault('query', UNAVAILABLE_503);
    const queryHold = orgA.holdNext('query');
    const first = lookup(s, tenantId);
    await queryHold.arrived;

    await reconnectToB(s, b, tenantId);
    b.resetCounters();

    queryHold.release();
    await first;

    const response = await lookup(s, tenantId);
    // Together, so a failure shows both: the error, and whether org B was asked at all (an open circuit asks not).
    expect({ errors: problems(response), queriedOrgB: b.counters.query > 0 }).toEqual({ errors: [], queriedOrgB: true });
    expect(response.data?.person).toEqual({ id: PERSON.id, salesforceContact: { id: CONTACT_IN_B.Id, lastName: 'Ada-in-B' } });
  });

  it("3. does not let the old org's API usage, read after a reconnect, pause the new org's lookups", async () => {
    const tenantId = 'leftovers-usage';
    const { stack: s, orgA, orgB: b } = await start({ CONTACT_CACHE_TTL_MS: '0' });
    await connectToA(s, tenantId);

    // Org A's next call reports 90,000 of 100,000 daily calls: over the default 90 % budget. That answer is held
    // until the tenant has moved to org B.
    orgA.setApiUsage(89_999);
    const queryHold = orgA.holdNext('query');
    const first = lookup(s, tenantId);
    await queryHold.arrived;

    await reconnectToB(s, b, tenantId);

    queryHold.release();
    await first;

    const response = await lookup(s, tenantId);
    expect(problems(response)).toEqual([]);
    expect(response.data?.person).toEqual({ id: PERSON.id, salesforceContact: { id: CONTACT_IN_B.Id, lastName: 'Ada-in-B' } });
    expect(b.counters.query).toBeGreaterThan(0);

    const connection = await s.asMember<ConnectionData>(tenantId, CONNECTION_QUERY);
    expect(problems(connection)).toEqual([]);
    expect(connection.data?.salesforceConnection).toMatchObject({ status: 'CONNECTED' });
    // B's own usage: B started at 0 and counts one per authenticated REST call it answered.
    const usage = connection.data?.salesforceConnection?.apiUsage;
    expect(usage?.max).toBe(100_000);
    expect(usage?.used).toBeGreaterThan(0);
    expect(usage?.used).toBeLessThanOrEqual(b.requests.length);
  });
});
