/**
 * Issue "operations": the cross-request contact cache and burst coalescing, /health, /ready and /metrics, structured
 * logs with request ids and redaction, and graceful shutdown of the real process on SIGTERM.
 *
 * Written against the specification. Every tenant id here starts with TENANT_MARK so /metrics can be
 * checked for any tenant id at all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GraphQLResponse } from '../../demo/gateway';
import { adminToken, memberToken, TEST_JWT_SECRET } from '../support/jwt';
import type { PersonRecord } from '../../demo/peopleSubgraph';
import { SalesforceEmulator } from '../../demo/salesforceEmulator';
import { CONNECT_MUTATION, type Stack, STACK_CONSUMER_KEY, STACK_CONSUMER_SECRET, startStack } from '../support/stack';
import { makeDataDir, startTestSubgraph, TEST_ENCRYPTION_KEY, type TestSubgraph } from '../support/subgraph';
import { contactId, matchingPeopleAndContacts } from './fixtures';

const TENANT_MARK = 'tnt-q7x';
const tenant = (name: string): string => `${TENANT_MARK}-${name}`;

const REPO_ROOT = path.resolve(__dirname, '..', '..');

const PEOPLE_QUERY = `{ people { id name salesforceContact { id email } } }`;
const PERSON_QUERY = `query Person($id: ID!) { person(id: $id) { id name salesforceContact { id email } } }`;
const ENTITIES_QUERY = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Person { id salesforceContact { id email lastName } } } }`;

interface PeopleData {
  people: Array<{ id: string; name: string; salesforceContact: null | { id: string; email: string | null } }>;
}

interface PersonData {
  person: null | { id: string; name: string; salesforceContact: null | { id: string; email: string | null } };
}

interface EntitiesData {
  _entities: Array<null | { id: string; salesforceContact: null | { id: string; email: string | null; lastName: string | null } }>;
}

interface LogLine {
  level?: number;
  msg?: string;
  requestId?: unknown;
  tenantId?: unknown;
  [key: string]: unknown;
}

const fixture = matchingPeopleAndContacts(250, 'ops');
const NOBODY: PersonRecord = { id: 'p-nobody', email: 'nobody@example.com', name: 'Nobody' };
const SERVER_UNAVAILABLE = [{ errorCode: 'SERVER_UNAVAILABLE', message: 'The server is temporarily unavailable for maintenance.' }];

function people(from: number, to: number): PersonRecord[] {
  return fixture.people.slice(from, to);
}

/** What a person of the fixture (or NOBODY) must resolve to. */
function expectedContact(person: PersonRecord): null | { id: string; email: string } {
  const match = /^p-ops-(\d+)$/.exec(person.id);
  if (match === null) return null;
  const i = Number(match[1]);
  return { id: contactId(i), email: `ops.${i}@example.com` };
}

function expectPeople(response: GraphQLResponse<PeopleData>, expected: PersonRecord[]): void {
  expect(response.errors).toBeUndefined();
  expect(response.data?.people).toEqual(
    expected.map((p) => ({ id: p.id, name: p.name, salesforceContact: expectedContact(p) })),
  );
}

/** A POST to a subgraph's /graphql (no gateway), with extra headers and the response headers kept. */
async function postDirect<T>(
  url: string,
  query: string,
  { token, variables, headers = {} }: { token?: string; variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: GraphQLResponse<T> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<T>;
  return { status: response.status, headers: response.headers, body };
}

function representation(person: PersonRecord): Record<string, unknown> {
  return { __typename: 'Person', id: person.id, email: person.email };
}

function originOf(graphqlUrl: string): string {
  return new URL(graphqlUrl).origin;
}

/** The promise's value, or undefined when it takes longer than `ms` (the timer never outlives the wait). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function parseLogs(raw: string): LogLine[] {
  return raw
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

describe('operations', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      emulator: { contacts: fixture.contacts },
      people: people(0, 3),
      env: { SALESFORCE_RETRY_BASE_MS: '5' },
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  beforeEach(() => {
    stack.emulator.resetCounters();
    stack.emulator.setLatency(0);
  });

  async function connectTenant(tenantId: string, target: { stack?: Stack; subgraph?: TestSubgraph } = {}): Promise<void> {
    if (target.subgraph !== undefined) {
      const response = await postDirect<{ connectSalesforce: { userErrors: unknown[] } }>(target.subgraph.url, CONNECT_MUTATION, {
        token: await adminToken(tenantId),
        variables: { input: { consumerKey: STACK_CONSUMER_KEY, consumerSecret: STACK_CONSUMER_SECRET, instanceUrl: stack.emulator.url } },
      });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data?.connectSalesforce.userErrors).toEqual([]);
    } else {
      const response = await stack.connect(tenantId);
      expect(response.errors).toBeUndefined();
      expect(response.data?.connectSalesforce.userErrors).toEqual([]);
    }
    stack.emulator.resetCounters();
  }

  const queryCalls = (): number => stack.emulator.counters.query + stack.emulator.counters.queryMore;

  describe('cross-request contact cache', () => {
    const asked = [...people(0, 2), NOBODY, people(2, 3)[0] as PersonRecord];

    beforeEach(() => stack.people.setPeople(asked));

    it('answers the same people again within the TTL without calling Salesforce, people without a contact included', async () => {
      await connectTenant(tenant('cache-repeat'));
      const first = await stack.asMember<PeopleData>(tenant('cache-repeat'), PEOPLE_QUERY);
      expectPeople(first, asked);
      expect(queryCalls()).toBeGreaterThanOrEqual(1);

      stack.emulator.resetCounters();
      const second = await stack.asMember<PeopleData>(tenant('cache-repeat'), PEOPLE_QUERY);
      expectPeople(second, asked);
      expect(stack.emulator.requests).toEqual([]);

      stack.people.setPeople([NOBODY]);
      const third = await stack.asMember<PeopleData>(tenant('cache-repeat'), PEOPLE_QUERY);
      expectPeople(third, [NOBODY]);
      expect(stack.emulator.requests).toEqual([]);
    });

    it('never shares a cache across tenants, even on the same org', async () => {
      await connectTenant(tenant('cache-a'));
      await connectTenant(tenant('cache-b'));
      expectPeople(await stack.asMember<PeopleData>(tenant('cache-a'), PEOPLE_QUERY), asked);
      stack.emulator.resetCounters();

      expectPeople(await stack.asMember<PeopleData>(tenant('cache-b'), PEOPLE_QUERY), asked);
      expect(stack.emulator.counters.query).toBeGreaterThanOrEqual(1);

      stack.emulator.resetCounters();
      expectPeople(await stack.asMember<PeopleData>(tenant('cache-b'), PEOPLE_QUERY), asked);
      expect(stack.emulator.requests).toEqual([]);
    });

    it('is cleared for the tenant by connectSalesforce', async () => {
      await connectTenant(tenant('cache-reconnect'));
      expectPeople(await stack.asMember<PeopleData>(tenant('cache-reconnect'), PEOPLE_QUERY), asked);
      stack.emulator.resetCounters();
      expectPeople(await stack.asMember<PeopleData>(tenant('cache-reconnect'), PEOPLE_QUERY), asked);
      expect(stack.emulator.requests).toEqual([]);

      await connectTenant(tenant('cache-reconnect'));
      expectPeople(await stack.asMember<PeopleData>(tenant('cache-reconnect'), PEOPLE_QUERY), asked);
      expect(stack.emulator.counters.query).toBeGreaterThanOrEqual(1);
    });

    it('is not used across a change of synced fields (setSalesforceContactFields)', async () => {
      await connectTenant(tenant('cache-fields'));
      expectPeople(await stack.asMember<PeopleData>(tenant('cache-fields'), PEOPLE_QUERY), asked);
      stack.emulator.resetCounters();
      expectPeople(await stack.asMember<PeopleData>(tenant('cache-fields'), PEOPLE_QUERY), asked);
      expect(stack.emulator.requests).toEqual([]);

      const set = await stack.asAdmin<{ setSalesforceContactFields: { userErrors: unknown[] } }>(
        tenant('cache-fields'),
        'mutation { setSalesforceContactFields(fields: ["MailingCity"]) { userErrors { code message } } }',
      );
      expect(set.data?.setSalesforceContactFields.userErrors).toEqual([]);
      stack.emulator.resetCounters();
      expectPeople(await stack.asMember<PeopleData>(tenant('cache-fields'), PEOPLE_QUERY), asked);
      expect(stack.emulator.counters.query).toBeGreaterThanOrEqual(1);
      expect(stack.emulator.requests.find((r) => r.soql !== undefined)?.soql).toContain('MailingCity');
    });

    it('is cleared for the tenant by disconnectSalesforce: no cached contact is served afterwards', async () => {
      await connectTenant(tenant('cache-disconnect'));
      expectPeople(await stack.asMember<PeopleData>(tenant('cache-disconnect'), PEOPLE_QUERY), asked);
      const disconnected = await stack.asAdmin<{ disconnectSalesforce: { disconnected: boolean } }>(
        tenant('cache-disconnect'),
        'mutation { disconnectSalesforce { disconnected userErrors { code } } }',
      );
      expect(disconnected.data?.disconnectSalesforce.disconnected).toBe(true);

      stack.emulator.resetCounters();
      const after = await stack.asMember<PeopleData>(tenant('cache-disconnect'), PEOPLE_QUERY);
      expect(after.errors).toBeUndefined();
      expect(after.data?.people.map((p) => p.salesforceContact)).toEqual(asked.map(() => null));
      expect(stack.emulator.requests).toEqual([]);

      await connectTenant(tenant('cache-disconnect'));
      expectPeople(await stack.asMember<PeopleData>(tenant('cache-disconnect'), PEOPLE_QUERY), asked);
      expect(stack.emulator.counters.query).toBeGreaterThanOrEqual(1);
    });

    it('does not keep a failed lookup: the next query asks Salesforce again', async () => {
      await connectTenant(tenant('cache-failure'));
      for (let n = 0; n < 3; n++) stack.emulator.queueFault('query', { status: 503, body: SERVER_UNAVAILABLE });
      const failed = await stack.asMember<PeopleData>(tenant('cache-failure'), PEOPLE_QUERY);
      expect(failed.errors?.map((e) => e.extensions?.code)).toContain('SALESFORCE_UNAVAILABLE');

      stack.emulator.resetCounters();
      expectPeople(await stack.asMember<PeopleData>(tenant('cache-failure'), PEOPLE_QUERY), asked);
      expect(stack.emulator.counters.query).toBeGreaterThanOrEqual(1);
    });

    describe('with CONTACT_CACHE_TTL_MS=0 and METRICS_TENANT_LABEL=true', () => {
      let uncached: TestSubgraph;

      beforeAll(async () => {
        uncached = await startTestSubgraph({ env: { CONTACT_CACHE_TTL_MS: '0', METRICS_TENANT_LABEL: 'true', SALESFORCE_RETRY_BASE_MS: '5' } });
      });

      afterAll(async () => {
        await uncached?.stop();
      });

      it('calls Salesforce for every query', async () => {
        await connectTenant(tenant('nocache'), { subgraph: uncached });
        const token = await memberToken(tenant('nocache'));
        const reps = [...people(0, 2), NOBODY].map(representation);
        for (let n = 0; n < 3; n++) {
          stack.emulator.resetCounters();
          const response = await postDirect<EntitiesData>(uncached.url, ENTITIES_QUERY, { token, variables: { reps } });
          expect(response.body.errors).toBeUndefined();
          expect(response.body.data?._entities.map((e) => e?.salesforceContact?.id ?? null)).toEqual([contactId(0), contactId(1), null]);
          expect(stack.emulator.counters.query).toBeGreaterThanOrEqual(1);
        }
      });

      it('labels salesforce_api_usage_ratio with the tenant id', async () => {
        const token = await memberToken(tenant('labelled'));
        await connectTenant(tenant('labelled'), { subgraph: uncached });
        const response = await postDirect<EntitiesData>(uncached.url, ENTITIES_QUERY, { token, variables: { reps: [representation(people(0, 1)[0] as PersonRecord)] } });
        expect(response.body.errors).toBeUndefined();
        const metrics = await fetch(`${originOf(uncached.url)}/metrics`);
        expect(metrics.status).toBe(200);
        const text = await metrics.text();
        expect(text).toMatch(new RegExp(`^salesforce_api_usage_ratio\\{[^}]*tenant="${tenant('labelled')}"[^}]*\\} [0-9.e+-]+$`, 'm'));
      });
    });

    describe('with a short CONTACT_CACHE_TTL_MS and no revalidate window', () => {
      let shortLived: TestSubgraph;

      beforeAll(async () => {
        shortLived = await startTestSubgraph({ env: { CONTACT_CACHE_TTL_MS: '400', CONTACT_STALE_WHILE_REVALIDATE_MS: '0' } });
      });

      afterAll(async () => {
        await shortLived?.stop();
      });

      it('asks Salesforce again once the TTL has passed', async () => {
        await connectTenant(tenant('ttl'), { subgraph: shortLived });
        const token = await memberToken(tenant('ttl'));
        const reps = [...people(0, 2), NOBODY].map(representation);
        const ask = () => postDirect<EntitiesData>(shortLived.url, ENTITIES_QUERY, { token, variables: { reps } });

        expect((await ask()).body.errors).toBeUndefined();
        expect(stack.emulator.counters.query).toBeGreaterThanOrEqual(1);
        stack.emulator.resetCounters();
        expect((await ask()).body.data?._entities.map((e) => e?.salesforceContact?.id ?? null)).toEqual([contactId(0), contactId(1), null]);
        expect(stack.emulator.requests).toEqual([]);

        await sleep(700);
        stack.emulator.resetCounters();
        expect((await ask()).body.data?._entities.map((e) => e?.salesforceContact?.id ?? null)).toEqual([contactId(0), contactId(1), null]);
        expect(stack.emulator.counters.query).toBeGreaterThanOrEqual(1);
      });
    });
  });

  describe('bursts of concurrent requests (cold cache)', () => {
    // A Salesforce round trip is never free; 20 ms is the low end (and what `npm run bench` uses).
    beforeEach(() => stack.emulator.setLatency(20));
    afterEach(() => stack.emulator.setLatency(0));

    it('answers 200 concurrent gateway queries for the same 50 people with at most 2 Salesforce queries', async () => {
      const fifty = people(0, 50);
      stack.people.setPeople(fifty);
      await connectTenant(tenant('burst-same'));
      const token = await memberToken(tenant('burst-same'));
      const responses = await Promise.all(Array.from({ length: 200 }, () => stack.gateway.query<PeopleData>(PEOPLE_QUERY, { token })));
      for (const response of responses) expectPeople(response, fifty);
      expect(queryCalls()).toBeLessThanOrEqual(2);
    });

    it('answers 200 concurrent one-person gateway queries for 200 different people with at most 10 Salesforce queries', async () => {
      const many = people(0, 200);
      stack.people.setPeople(many);
      await connectTenant(tenant('burst-distinct'));
      const token = await memberToken(tenant('burst-distinct'));
      const responses = await Promise.all(many.map((p) => stack.gateway.query<PersonData>(PERSON_QUERY, { token, variables: { id: p.id } })));
      responses.forEach((response, i) => {
        const person = many[i] as PersonRecord;
        expect(response.errors).toBeUndefined();
        expect(response.data?.person).toEqual({ id: person.id, name: person.name, salesforceContact: expectedContact(person) });
      });
      expect(queryCalls()).toBeLessThanOrEqual(10);
    });
  });

  describe('operational endpoints', () => {
    it('GET /health answers 200 {"status":"ok"}', async () => {
      const response = await fetch(`${originOf(stack.subgraph.url)}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    });

    it('GET /ready answers 200 {"status":"ready"} while serving', async () => {
      const response = await fetch(`${originOf(stack.subgraph.url)}/ready`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ready' });
    });

    it('GET /metrics answers Prometheus text with the lookup, cache, token and circuit series', async () => {
      stack.people.setPeople(people(0, 3));
      await connectTenant(tenant('metrics'));
      expectPeople(await stack.asMember<PeopleData>(tenant('metrics'), PEOPLE_QUERY), people(0, 3));
      expectPeople(await stack.asMember<PeopleData>(tenant('metrics'), PEOPLE_QUERY), people(0, 3));

      const response = await fetch(`${originOf(stack.subgraph.url)}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await response.text();
      for (const name of [
        'salesforce_requests_total',
        'salesforce_token_requests_total',
        'contact_cache_lookups_total',
        'contact_lookup_duration_seconds',
        'salesforce_circuits_open',
      ]) {
        expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
      }
      expect(text).toMatch(/^salesforce_requests_total\{[^}]*\} [1-9]/m);
      expect(text).toMatch(/^contact_lookup_duration_seconds_count(\{[^}]*\})? [1-9]/m);
    });

    it('puts no tenant id anywhere in /metrics without METRICS_TENANT_LABEL', async () => {
      const response = await fetch(`${originOf(stack.subgraph.url)}/metrics`);
      const text = await response.text();
      expect(text).toContain('salesforce_requests_total');
      expect(text).not.toContain(TENANT_MARK);
      expect(text).not.toMatch(/tenant="/);
    });
  });

  describe('structured logs', () => {
    beforeEach(() => stack.people.setPeople(people(0, 3)));

    it('writes every log line as JSON', () => {
      const lines = stack.subgraph.logs().split('\n').filter((line) => line.trim() !== '');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    });

    it('tags a request’s lines with the incoming x-request-id and the tenant, echoes the id, and logs the Salesforce error code', async () => {
      const tenantId = tenant('log-request-id');
      await connectTenant(tenantId);
      stack.emulator.queueFault('query', { status: 403, body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }] });
      const requestId = `req-${Date.now().toString(36)}-ops-log-check`;
      const response = await postDirect<EntitiesData>(stack.subgraph.url, ENTITIES_QUERY, {
        token: await memberToken(tenantId),
        variables: { reps: [representation(people(1, 2)[0] as PersonRecord)] },
        headers: { 'x-request-id': requestId },
      });
      expect(response.body.errors?.map((e) => e.extensions?.code)).toEqual(['SALESFORCE_RATE_LIMITED']);
      expect(response.headers.get('x-request-id')).toBe(requestId);

      await sleep(50);
      const mine = parseLogs(stack.subgraph.logs()).filter((line) => line.requestId === requestId);
      expect(mine.length).toBeGreaterThan(0);
      for (const line of mine) expect(line.tenantId).toBe(tenantId);
      expect(mine.some((line) => JSON.stringify(line).includes('REQUEST_LIMIT_EXCEEDED'))).toBe(true);
    });

    it('gives every request a request id of its own when none is sent', async () => {
      const tenantId = tenant('log-generated-id');
      await connectTenant(tenantId);
      const token = await memberToken(tenantId);
      const ids: unknown[] = [];
      for (const i of [0, 1]) {
        const before = stack.subgraph.logs().length;
        stack.emulator.queueFault('query', { status: 403, body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }] });
        const response = await postDirect<EntitiesData>(stack.subgraph.url, ENTITIES_QUERY, {
          token,
          variables: { reps: [representation(people(i, i + 1)[0] as PersonRecord)] },
        });
        expect(response.body.errors?.map((e) => e.extensions?.code)).toEqual(['SALESFORCE_RATE_LIMITED']);
        await sleep(50);
        // The request's own line reporting the failure (a lookup shared by several requests may log without one).
        const failure = parseLogs(stack.subgraph.logs().slice(before)).find(
          (line) => typeof line.requestId === 'string' && JSON.stringify(line).includes('REQUEST_LIMIT_EXCEEDED'),
        );
        expect(failure).toBeDefined();
        expect(failure?.tenantId).toBe(tenantId);
        expect(String(failure?.requestId).length).toBeGreaterThan(0);
        expect(response.headers.get('x-request-id')).toBe(failure?.requestId);
        ids.push(failure?.requestId);
      }
      expect(ids[0]).not.toBe(ids[1]);
    });

    it('never logs the consumer secret, an access token or the caller’s JWT, through connect, lookups, a 401 refresh and failures', async () => {
      const tenantId = tenant('log-redaction');
      const admin = await adminToken(tenantId);
      const member = await memberToken(tenantId);
      const connected = await stack.gateway.query<{ connectSalesforce: { userErrors: unknown[] } }>(CONNECT_MUTATION, {
        token: admin,
        variables: { input: { consumerKey: STACK_CONSUMER_KEY, consumerSecret: STACK_CONSUMER_SECRET, instanceUrl: stack.emulator.url } },
      });
      expect(connected.data?.connectSalesforce.userErrors).toEqual([]);

      stack.people.setPeople(people(10, 12));
      expectPeople(await stack.gateway.query<PeopleData>(PEOPLE_QUERY, { token: member }), people(10, 12));

      stack.emulator.expireAllTokens();
      stack.emulator.resetCounters();
      stack.people.setPeople(people(12, 14));
      expectPeople(await stack.gateway.query<PeopleData>(PEOPLE_QUERY, { token: member }), people(12, 14));
      expect(stack.emulator.counters.token).toBeGreaterThanOrEqual(1);

      stack.people.setPeople(people(14, 16));
      for (let n = 0; n < 3; n++) stack.emulator.queueFault('query', { status: 503, body: SERVER_UNAVAILABLE });
      const failed = await stack.gateway.query<PeopleData>(PEOPLE_QUERY, { token: member });
      expect(failed.errors?.map((e) => e.extensions?.code)).toContain('SALESFORCE_UNAVAILABLE');

      stack.people.setPeople(people(16, 18));
      stack.emulator.queueFault('query', { status: 403, body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }] });
      const limited = await stack.gateway.query<PeopleData>(PEOPLE_QUERY, { token: member });
      expect(limited.errors?.map((e) => e.extensions?.code)).toContain('SALESFORCE_RATE_LIMITED');

      await sleep(50);
      const logs = stack.subgraph.logs();
      expect(logs.length).toBeGreaterThan(0);
      expect(logs).not.toContain(STACK_CONSUMER_SECRET);
      const issued = stack.emulator.issuedTokens();
      expect(issued.length).toBeGreaterThan(0);
      for (const token of issued) {
        expect(logs).not.toContain(token);
        expect(logs).not.toContain(token.split('!')[1] ?? token);
      }
      expect(logs).not.toContain(admin);
      expect(logs).not.toContain(member);
      expect(logs).not.toContain('Bearer ey');
      // Any HS256 JWT at all (every caller token this suite sent starts with this header).
      expect(logs).not.toContain('eyJhbGciOiJIUzI1NiJ9.');
      expect(logs).not.toContain(TEST_JWT_SECRET);
    });
  });
});

describe('graceful shutdown of the real process', () => {
  const SHUTDOWN_TIMEOUT_MS = 5000;
  let emulator: SalesforceEmulator;
  let child: ChildProcess | undefined;
  let dataDir: string;
  let output = '';

  beforeAll(async () => {
    emulator = await SalesforceEmulator.start({
      apps: [{ consumerKey: STACK_CONSUMER_KEY, consumerSecret: STACK_CONSUMER_SECRET }],
      contacts: fixture.contacts.slice(0, 5),
    });
    dataDir = makeDataDir();
  });

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child?.once('exit', resolve));
    }
    await emulator?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  }

  async function waitUntilReady(origin: string, deadlineMs: number): Promise<void> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      if (child?.exitCode !== null && child?.exitCode !== undefined) throw new Error(`the server exited with ${child.exitCode}:\n${output}`);
      const status = await fetch(`${origin}/ready`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      if (Date.now() > until) throw new Error(`/ready never answered 200 (last ${status}); output:\n${output}`);
      await sleep(100);
    }
  }

  it('finishes the in-flight lookup on SIGTERM, exits 0 within SHUTDOWN_TIMEOUT_MS and then refuses connections', async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['-r', 'tsx/cjs', 'src/index.ts'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dataDir,
        PORT: String(port),
        DATA_DIR: dataDir,
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        AUTH_JWT_SECRET: TEST_JWT_SECRET,
        SALESFORCE_ALLOW_LOOPBACK: 'true',
        LOG_LEVEL: 'info',
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
      child?.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );

    await waitUntilReady(origin, 20_000);
    const tenantId = tenant('shutdown');
    const connected = await postDirect<{ connectSalesforce: { userErrors: unknown[] } }>(`${origin}/graphql`, CONNECT_MUTATION, {
      token: await adminToken(tenantId),
      variables: { input: { consumerKey: STACK_CONSUMER_KEY, consumerSecret: STACK_CONSUMER_SECRET, instanceUrl: emulator.url } },
    });
    expect(connected.body.data?.connectSalesforce.userErrors).toEqual([]);

    emulator.setLatency(800);
    const person = fixture.people[3] as PersonRecord;
    const token = await memberToken(tenantId);
    const inFlight = postDirect<EntitiesData>(`${origin}/graphql`, ENTITIES_QUERY, { token, variables: { reps: [representation(person)] } });
    await sleep(200);
    const signalledAt = Date.now();
    expect(child.kill('SIGTERM')).toBe(true);

    // While draining, the process is not ready (503, or it no longer accepts connections at all).
    await sleep(50);
    const readyWhileDraining = await fetch(`${origin}/ready`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status,
      () => 0,
    );
    expect(readyWhileDraining).not.toBe(200);

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?._entities[0]?.salesforceContact).toEqual({ id: contactId(3), email: 'ops.3@example.com', lastName: 'Last3' });

    const exit = await within(exited, SHUTDOWN_TIMEOUT_MS + 3000);
    expect(exit).toBeDefined();
    expect(exit?.code).toBe(0);
    expect(exit?.signal).toBeNull();
    expect((exit?.at ?? Infinity) - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 2000);

    await expect(fetch(`${origin}/health`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  }, 60_000);
});
