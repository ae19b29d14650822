/**
 * Issue "resilience": retries with backoff, the per-tenant circuit breaker, the API budget guard, the request
 * deadline and unreadable answers, end to end through a real Apollo Gateway against the Salesforce emulator.
 *
 * Written against the specification. The contact cache is switched off (CONTACT_CACHE_TTL_MS=0) so every
 * lookup reaches Salesforce and the call counts below measure retries alone. Each test that leaves per-tenant
 * state behind (breaker counts, API usage) uses a tenant of its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultProxy } from '../support/faultProxy';
import type { GraphQLResponse } from '../../demo/gateway';
import type { PersonRecord } from '../../demo/peopleSubgraph';
import { type EmulatorFault, SalesforceEmulator } from '../../demo/salesforceEmulator';
import { type Stack, STACK_CONSUMER_KEY, STACK_CONSUMER_SECRET, startStack } from '../support/stack';
import { contactId, matchingPeopleAndContacts } from './fixtures';

const THRESHOLD = 3;
const COOLDOWN_MS = 600;
const REQUEST_TIMEOUT_MS = 400;

const RESILIENCE_ENV = {
  SALESFORCE_RETRY_BASE_MS: '5',
  SALESFORCE_BREAKER_THRESHOLD: String(THRESHOLD),
  SALESFORCE_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
  SALESFORCE_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  CONTACT_CACHE_TTL_MS: '0',
};

const PERSON_QUERY = `
  query Person($id: ID!) { person(id: $id) { id name email salesforceContact { id email lastName } } }`;

const PEOPLE_QUERY = `{ people { id name salesforceContact { id email } } }`;

interface PersonData {
  person: null | {
    id: string;
    name: string;
    email: string | null;
    salesforceContact: null | { id: string; email: string | null; lastName: string | null };
  };
}

interface PeopleData {
  people: Array<{ id: string; name: string; salesforceContact: null | { id: string; email: string | null } }>;
}

const SERVER_UNAVAILABLE = [{ errorCode: 'SERVER_UNAVAILABLE', message: 'The server is temporarily unavailable for maintenance.' }];
const UNAVAILABLE_503: EmulatorFault = { status: 503, body: SERVER_UNAVAILABLE };
const REQUEST_LIMIT: EmulatorFault = { status: 403, body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }] };

const fixture = matchingPeopleAndContacts(40, 'res');

/** Person i of the fixture: its record and the contact id and email that must come back for it. */
function personAt(i: number): { person: PersonRecord; contactId: string; email: string } {
  const person = fixture.people[i];
  if (person === undefined) throw new Error(`no fixture person ${i}`);
  return { person, contactId: contactId(i), email: `res.${i}@example.com` };
}

function codes(response: GraphQLResponse<unknown>): unknown[] {
  return (response.errors ?? []).map((e) => e.extensions?.code);
}

describe('resilience of Salesforce lookups', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ emulator: { contacts: fixture.contacts }, people: fixture.people, env: RESILIENCE_ENV });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  beforeEach(() => {
    stack.emulator.resetCounters();
    stack.emulator.setLatency(0);
    stack.people.setPeople(fixture.people);
  });

  /** connectSalesforce for a fresh tenant (to the stack's emulator unless told otherwise), then zero the counters. */
  async function connectTenant(tenantId: string, overrides: Record<string, unknown> = {}): Promise<void> {
    const response = await stack.connect(tenantId, overrides);
    expect(response.errors).toBeUndefined();
    expect(response.data?.connectSalesforce.userErrors).toEqual([]);
    stack.emulator.resetCounters();
  }

  async function lookup(tenantId: string, i: number): Promise<{ response: GraphQLResponse<PersonData>; ms: number }> {
    const started = Date.now();
    const response = await stack.asMember<PersonData>(tenantId, PERSON_QUERY, { id: personAt(i).person.id });
    return { response, ms: Date.now() - started };
  }

  function expectContact(response: GraphQLResponse<PersonData>, i: number): void {
    const { person, contactId: id, email } = personAt(i);
    expect(response.errors).toBeUndefined();
    expect(response.data?.person).toEqual({
      id: person.id,
      name: person.name,
      email: person.email,
      salesforceContact: { id, email, lastName: `Last${i}` },
    });
  }

  /** The person resolves; salesforceContact is null with exactly one error of the given code on it. */
  function expectLookupError(response: GraphQLResponse<PersonData>, i: number, code?: string): void {
    const { person } = personAt(i);
    expect(response.data?.person).toEqual({ id: person.id, name: person.name, email: person.email, salesforceContact: null });
    expect(response.errors).toHaveLength(1);
    expect(response.errors?.[0]?.path).toEqual(['person', 'salesforceContact']);
    if (code !== undefined) expect(codes(response)).toEqual([code]);
  }

  describe('retries', () => {
    it('retries a query answered 503 twice and returns the contact from the third attempt', async () => {
      await connectTenant('res-retry-2x503');
      stack.emulator.queueFault('query', UNAVAILABLE_503);
      stack.emulator.queueFault('query', UNAVAILABLE_503);
      const { response } = await lookup('res-retry-2x503', 1);
      expectContact(response, 1);
      expect(stack.emulator.counters.query).toBe(3);
    });

    it('gives up after three attempts (two retries) with SALESFORCE_UNAVAILABLE', async () => {
      await connectTenant('res-retry-3x503');
      for (let n = 0; n < 3; n++) stack.emulator.queueFault('query', UNAVAILABLE_503);
      const { response } = await lookup('res-retry-3x503', 2);
      expectLookupError(response, 2, 'SALESFORCE_UNAVAILABLE');
      await sleep(100);
      expect(stack.emulator.counters.query).toBe(3);
    });

    it.each([500, 502, 504, 429])('retries a query answered %i once and succeeds', async (status) => {
      const tenantId = `res-retry-${status}`;
      await connectTenant(tenantId);
      stack.emulator.queueFault('query', { status, body: [{ errorCode: 'UNKNOWN_EXCEPTION', message: `transient ${status}` }] });
      const { response } = await lookup(tenantId, 3);
      expectContact(response, 3);
      expect(stack.emulator.counters.query).toBe(2);
    });

    it('retries after the connection is destroyed mid-request', async () => {
      await connectTenant('res-retry-socket');
      stack.emulator.queueFault('query', { status: 200, destroySocket: true });
      const { response } = await lookup('res-retry-socket', 4);
      expectContact(response, 4);
      expect(stack.emulator.counters.query).toBe(2);
      expect(stack.emulator.requests.filter((r) => r.status === 0)).toHaveLength(1);
    });

    it('retries a query that exceeded the per-request timeout (SALESFORCE_TIMEOUT_MS)', async () => {
      await connectTenant('res-retry-timeout');
      stack.emulator.queueFault('query', { status: 200, body: { totalSize: 0, done: true, records: [] }, delayMs: 3000 });
      const { response, ms } = await lookup('res-retry-timeout', 5);
      expectContact(response, 5);
      expect(stack.emulator.counters.query).toBe(2);
      expect(ms).toBeLessThan(2500);
    });

    it('retries a failed queryMore page alone and still returns every contact', async () => {
      const proxy = await FaultProxy.start(stack.emulator.url);
      stack.emulator.setPageSize(2);
      try {
        await connectTenant('res-retry-page', { instanceUrl: proxy.url });
        stack.people.setPeople(fixture.people.slice(0, 5));
        proxy.reset();
        proxy.failNext(/\/query\/01g/, { status: 503, body: SERVER_UNAVAILABLE });
        const response = await stack.asMember<PeopleData>('res-retry-page', PEOPLE_QUERY);
        expect(response.errors).toBeUndefined();
        expect(response.data?.people.map((p) => p.salesforceContact?.id ?? null)).toEqual([0, 1, 2, 3, 4].map(contactId));
        const pages = proxy.requests.filter((r) => r.path.includes('/query/01g'));
        expect(pages.map((r) => r.status)).toEqual([503, 200, 200]);
        expect(stack.emulator.counters.query).toBe(1);
        expect(stack.emulator.counters.queryMore).toBe(2);
      } finally {
        stack.emulator.setPageSize(2000);
        await proxy.close();
      }
    });

    it.each([
      ['503', { status: 503, body: 'Service Unavailable' } as EmulatorFault],
      ['a destroyed connection', { status: 200, destroySocket: true } as EmulatorFault],
    ])('retries the token request after %s and the lookup succeeds with 2 token calls', async (_label, fault) => {
      const tenantId = `res-token-${fault.destroySocket ? 'socket' : 'status'}`;
      await connectTenant(tenantId);
      stack.emulator.expireAllTokens();
      stack.emulator.queueFault('token', fault);
      const { response } = await lookup(tenantId, 6);
      expectContact(response, 6);
      expect(stack.emulator.counters.token).toBe(2);
      expect(stack.emulator.counters.tokenFailures).toBe(1);
      expect(stack.emulator.counters.query).toBe(2); // the 401, then the query with the new token
    });

    it('does not retry a token request refused with 400', async () => {
      await connectTenant('res-token-400');
      stack.emulator.expireAllTokens();
      stack.emulator.queueFault('token', { status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } });
      const { response } = await lookup('res-token-400', 7);
      expectLookupError(response, 7, 'SALESFORCE_AUTH_FAILED');
      await sleep(100);
      expect(stack.emulator.counters.token).toBe(1);
    });

    it.each(['versions', 'describe'] as const)('retries a %s GET answered 503 while connecting', async (kind) => {
      // A fresh org of its own: the stack's org already told this process its versions, which are kept a while.
      const org = await SalesforceEmulator.start({ apps: [{ consumerKey: STACK_CONSUMER_KEY, consumerSecret: STACK_CONSUMER_SECRET }] });
      try {
        org.queueFault(kind, UNAVAILABLE_503);
        const response = await stack.connect(`res-connect-${kind}`, { instanceUrl: org.url });
        expect(response.data?.connectSalesforce.userErrors).toEqual([]);
        expect(response.data?.connectSalesforce.connection).toMatchObject({ status: 'CONNECTED' });
        expect(org.counters[kind]).toBe(2);
      } finally {
        await org.close();
      }
    });

    it('retries the describe GET answered 503 in setSalesforceContactFields', async () => {
      await connectTenant('res-set-fields');
      stack.emulator.queueFault('describe', UNAVAILABLE_503);
      const response = await stack.asAdmin<{ setSalesforceContactFields: { userErrors: unknown[] } }>(
        'res-set-fields',
        'mutation { setSalesforceContactFields(fields: []) { userErrors { code message } } }',
      );
      expect(response.errors).toBeUndefined();
      expect(response.data?.setSalesforceContactFields.userErrors).toEqual([]);
      expect(stack.emulator.counters.describe).toBe(2);
    });
  });

  describe('what is never retried', () => {
    it('answers one 403 REQUEST_LIMIT_EXCEEDED with SALESFORCE_RATE_LIMITED after exactly one call', async () => {
      await connectTenant('res-no-retry-limit');
      stack.emulator.queueFault('query', REQUEST_LIMIT);
      const { response } = await lookup('res-no-retry-limit', 8);
      expectLookupError(response, 8, 'SALESFORCE_RATE_LIMITED');
      await sleep(100);
      expect(stack.emulator.counters.query).toBe(1);
    });

    it.each([
      ['400 MALFORMED_QUERY', 'res-no-retry-400', { status: 400, body: [{ errorCode: 'MALFORMED_QUERY', message: 'unexpected token' }] }],
      ['403 API_DISABLED_FOR_ORG', 'res-no-retry-403', { status: 403, body: [{ errorCode: 'API_DISABLED_FOR_ORG', message: 'API is not enabled for this Organization or Partner' }] }],
      ['404 NOT_FOUND', 'res-no-retry-404', { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] }],
      ['414 URI too long', 'res-no-retry-414', { status: 414, body: '<html><head><title>414 Request-URI Too Long</title></head><body></body></html>', headers: { 'Content-Type': 'text/html;charset=UTF-8' } }],
    ] as Array<[string, string, EmulatorFault]>)('does not retry %s: one call, the contact null with an error', async (_label, tenantId, fault) => {
      await connectTenant(tenantId);
      stack.emulator.queueFault('query', fault);
      const { response } = await lookup(tenantId, 9);
      expectLookupError(response, 9);
      await sleep(100);
      expect(stack.emulator.counters.query).toBe(1);
    });

    it.each([
      ['truncated JSON', 'res-malformed-truncated', '{"totalSize":1,"done":true,"records":[{"attributes":{"type":"Contact"},"Id":"003'],
      ['text that is not JSON', 'res-malformed-text', 'Service temporarily unavailable, please try again'],
      ['an empty body', 'res-malformed-empty', ''],
    ])('answers a 200 carrying %s with SALESFORCE_UNAVAILABLE after exactly one call, and recovers', async (_label, tenantId, body) => {
      await connectTenant(tenantId);
      stack.emulator.queueFault('query', { status: 200, body, headers: { 'Content-Type': 'application/json;charset=UTF-8' } });
      const { response } = await lookup(tenantId, 10);
      expectLookupError(response, 10, 'SALESFORCE_UNAVAILABLE');
      await sleep(100);
      expect(stack.emulator.counters.query).toBe(1);

      const next = await lookup(tenantId, 10);
      expectContact(next.response, 10);
    });
  });

  describe('per-tenant circuit breaker', () => {
    const proxies: FaultProxy[] = [];

    afterAll(async () => {
      await Promise.all(proxies.map((proxy) => proxy.close()));
    });

    /** A tenant whose org sits behind its own proxy, so its outage is its own. */
    async function tenantBehindProxy(tenantId: string): Promise<FaultProxy> {
      const proxy = await FaultProxy.start(stack.emulator.url);
      proxies.push(proxy);
      await connectTenant(tenantId, { instanceUrl: proxy.url });
      const warm = await lookup(tenantId, 11);
      expectContact(warm.response, 11);
      proxy.reset();
      return proxy;
    }

    /** One lookup while the org is down: it must reach the org (circuit closed) and fail as unavailable. */
    async function failingLookupThatReachesSalesforce(tenantId: string, proxy: FaultProxy, i: number): Promise<void> {
      proxy.reset();
      const { response } = await lookup(tenantId, i);
      expectLookupError(response, i, 'SALESFORCE_UNAVAILABLE');
      expect(proxy.requests.length).toBeGreaterThan(0);
    }

    /** One lookup while the circuit is open: refused at once, nothing sent. */
    async function refusedLookup(tenantId: string, proxy: FaultProxy, i: number): Promise<void> {
      proxy.reset();
      const { response, ms } = await lookup(tenantId, i);
      expectLookupError(response, i, 'SALESFORCE_UNAVAILABLE');
      expect(proxy.requests).toEqual([]);
      expect(ms).toBeLessThan(COOLDOWN_MS);
    }

    async function openCircuit(tenantId: string, proxy: FaultProxy): Promise<void> {
      proxy.mode = 'unavailable';
      for (let n = 0; n < THRESHOLD; n++) await failingLookupThatReachesSalesforce(tenantId, proxy, 12 + n);
    }

    it(`opens after ${THRESHOLD} consecutive failed lookups and then fails fast without calling Salesforce`, async () => {
      const proxy = await tenantBehindProxy('res-breaker-open');
      await openCircuit('res-breaker-open', proxy);
      await refusedLookup('res-breaker-open', proxy, 15);
      await refusedLookup('res-breaker-open', proxy, 16);
    });

    it('never affects another tenant while one tenant’s circuit is open', async () => {
      const proxy = await tenantBehindProxy('res-breaker-a');
      await connectTenant('res-breaker-b');
      await openCircuit('res-breaker-a', proxy);
      stack.emulator.resetCounters();
      const other = await lookup('res-breaker-b', 17);
      expectContact(other.response, 17);
      expect(stack.emulator.counters.query).toBe(1);
      await refusedLookup('res-breaker-a', proxy, 18);
    });

    it('lets one probe through after the cooldown; its success closes the circuit', async () => {
      const proxy = await tenantBehindProxy('res-breaker-probe-ok');
      await openCircuit('res-breaker-probe-ok', proxy);
      await refusedLookup('res-breaker-probe-ok', proxy, 19);
      proxy.mode = 'pass';
      await sleep(COOLDOWN_MS + 200);

      proxy.reset();
      const probe = await lookup('res-breaker-probe-ok', 20);
      expectContact(probe.response, 20);
      expect(proxy.requests.length).toBeGreaterThan(0);

      for (const i of [21, 22, 23]) {
        proxy.reset();
        const served = await lookup('res-breaker-probe-ok', i);
        expectContact(served.response, i);
        expect(proxy.requests.length).toBeGreaterThan(0);
      }
    });

    it('reopens at once when the probe fails, and probes again after another cooldown', async () => {
      const proxy = await tenantBehindProxy('res-breaker-probe-fail');
      await openCircuit('res-breaker-probe-fail', proxy);
      await sleep(COOLDOWN_MS + 200);

      await failingLookupThatReachesSalesforce('res-breaker-probe-fail', proxy, 24);
      await refusedLookup('res-breaker-probe-fail', proxy, 25);

      proxy.mode = 'pass';
      await sleep(COOLDOWN_MS + 200);
      proxy.reset();
      const probe = await lookup('res-breaker-probe-fail', 26);
      expectContact(probe.response, 26);
    });

    it('counts only consecutive failures: a success in between starts the count again', async () => {
      const proxy = await tenantBehindProxy('res-breaker-reset');
      proxy.mode = 'unavailable';
      for (let n = 0; n < THRESHOLD - 1; n++) await failingLookupThatReachesSalesforce('res-breaker-reset', proxy, 27 + n);
      proxy.mode = 'pass';
      expectContact((await lookup('res-breaker-reset', 30)).response, 30);
      proxy.mode = 'unavailable';
      for (let n = 0; n < THRESHOLD - 1; n++) await failingLookupThatReachesSalesforce('res-breaker-reset', proxy, 31 + n);
      // THRESHOLD - 1 failures since the success: still closed, so this one is sent (and is the THRESHOLD-th).
      await failingLookupThatReachesSalesforce('res-breaker-reset', proxy, 34);
      await refusedLookup('res-breaker-reset', proxy, 35);
    });

    it('shows the open circuit in salesforce_circuits_open', async () => {
      const proxy = await tenantBehindProxy('res-breaker-metric');
      await openCircuit('res-breaker-metric', proxy);
      const response = await fetch(`${new URL(stack.subgraph.url).origin}/metrics`);
      expect(response.status).toBe(200);
      const gauge = /^salesforce_circuits_open(?:\{\})? (\d+(?:\.\d+)?)$/m.exec(await response.text());
      expect(Number(gauge?.[1])).toBeGreaterThanOrEqual(1);
    });
  });

  describe('API budget guard', () => {
    const BUDGET_MAX = 1000;
    let org: SalesforceEmulator;

    beforeAll(async () => {
      org = await SalesforceEmulator.start({
        apps: [{ consumerKey: STACK_CONSUMER_KEY, consumerSecret: STACK_CONSUMER_SECRET }],
        contacts: fixture.contacts,
        apiUsageMax: BUDGET_MAX,
      });
    });

    afterAll(async () => {
      await org?.close();
    });

    it('serves below 90 % of the quota, refuses with SALESFORCE_RATE_LIMITED and no call once it is reached', async () => {
      await connectTenant('res-budget', { instanceUrl: org.url });
      org.setApiUsage(800); // the next call reports 801/1000
      org.resetCounters();
      expectContact((await lookup('res-budget', 1)).response, 1);
      expectContact((await lookup('res-budget', 2)).response, 2);
      expect(org.counters.query).toBe(2);

      org.setApiUsage(899); // the next call reports 900/1000 = 90 %: answered, but the last one allowed
      expectContact((await lookup('res-budget', 3)).response, 3);

      org.resetCounters();
      const refused = await lookup('res-budget', 4);
      expectLookupError(refused.response, 4, 'SALESFORCE_RATE_LIMITED');
      expect(org.requests).toEqual([]);

      // Another tenant, on another org, is served as usual.
      await connectTenant('res-budget-other');
      expectContact((await lookup('res-budget-other', 4)).response, 4);
      expect(stack.emulator.counters.query).toBe(1);

      org.resetCounters();
      expectLookupError((await lookup('res-budget', 5)).response, 5, 'SALESFORCE_RATE_LIMITED');
      expect(org.requests).toEqual([]);
    });
  });
});

describe('the request deadline (SALESFORCE_REQUEST_DEADLINE_MS=500)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      emulator: { contacts: fixture.contacts },
      people: fixture.people,
      env: { SALESFORCE_REQUEST_DEADLINE_MS: '500', SALESFORCE_RETRY_BASE_MS: '5', CONTACT_CACHE_TTL_MS: '0' },
    });
    const response = await stack.connect('res-deadline');
    expect(response.data?.connectSalesforce.userErrors).toEqual([]);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  beforeEach(() => stack.emulator.resetCounters());

  const ask = async (i: number) => {
    const started = Date.now();
    const response = await stack.asMember<PersonData>('res-deadline', PERSON_QUERY, { id: personAt(i).person.id });
    return { response, ms: Date.now() - started };
  };

  it('answers within the deadline when Salesforce hangs: the person resolves, the contact is null with SALESFORCE_UNAVAILABLE', async () => {
    stack.emulator.queueFault('query', { status: 503, body: SERVER_UNAVAILABLE, delayMs: 10_000 });
    const { response, ms } = await ask(1);
    expect(ms).toBeLessThan(1500);
    const { person } = personAt(1);
    expect(response.data?.person).toEqual({ id: person.id, name: person.name, email: person.email, salesforceContact: null });
    expect(codes(response)).toEqual(['SALESFORCE_UNAVAILABLE']);
    expect(stack.emulator.counters.query).toBe(1); // no retry is started past the deadline

    const next = await ask(2);
    expect(next.response.errors).toBeUndefined();
    expect(next.response.data?.person?.salesforceContact?.id).toBe(contactId(2));
  });

  it('stops retrying at the deadline: slow failures are not retried past it', async () => {
    for (let n = 0; n < 3; n++) stack.emulator.queueFault('query', { status: 503, body: SERVER_UNAVAILABLE, delayMs: 400 });
    const { response, ms } = await ask(3);
    expect(codes(response)).toEqual(['SALESFORCE_UNAVAILABLE']);
    expect(response.data?.person?.name).toBe(personAt(3).person.name);
    expect(ms).toBeLessThan(1000); // three attempts would take ≥ 1.2 s
    expect(stack.emulator.counters.query).toBeLessThanOrEqual(2);
  });
});
