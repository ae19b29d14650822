/**
 * End to end: a real Apollo Gateway composing this subgraph with a people subgraph, the Salesforce emulator
 * behind it, and tenants connecting and querying as they would in production.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SQLITE_FILE_NAME } from '../../src/connections/openStore';
import { typeDefs } from '../../src/server';
import { type RunningGateway, postGraphQL, startGateway } from '../../demo/gateway';
import { adminToken, memberToken, signTestToken, TEST_JWT_SECRET } from '../support/jwt';
import { type PersonRecord, peopleTypeDefs, type RunningPeopleSubgraph, startPeopleSubgraph } from '../../demo/peopleSubgraph';
import { SalesforceEmulator } from '../../demo/salesforceEmulator';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph';
import { contactId, matchingPeopleAndContacts, TRICKY_EMAILS } from './fixtures';

const CONSUMER_KEY = '3MVG9acmeConsumerKeyForTests5678';
const CONSUMER_SECRET = 'S3cr3t-acme-consumer-secret-0D7F2C1B9E';

const PEOPLE_QUERY = `
  query People { people { id name email salesforceContact {
    id email firstName lastName name title phone mobilePhone department accountId accountName lastModifiedAt recordUrl
    customFields { name value } } } }`;

const CONNECT = `
  mutation Connect($input: ConnectSalesforceInput!) {
    connectSalesforce(input: $input) {
      connection { status instanceUrl apiVersion consumerKeyHint contactFields connectedAt lastValidatedAt lastError }
      userErrors { code field message }
    }
  }`;

const CONNECTION = `{ salesforceConnection { status instanceUrl apiVersion consumerKeyHint lastError } }`;

interface PeopleData {
  people: Array<{
    id: string;
    name: string;
    email: string | null;
    salesforceContact: null | { id: string; email: string | null; firstName: string | null; accountName: string | null; recordUrl: string; lastModifiedAt: string | null; customFields: unknown[] };
  }>;
}

interface ConnectData {
  connectSalesforce: {
    connection: null | { status: string; instanceUrl: string; apiVersion: string; consumerKeyHint: string; contactFields: string[] };
    userErrors: Array<{ code: string; field: string[] | null; message: string }>;
  };
}

describe('through a real gateway', () => {
  let emulator: SalesforceEmulator;
  let people: RunningPeopleSubgraph;
  let subgraph: TestSubgraph;
  let gateway: RunningGateway;
  let subgraphPort: number | undefined;
  /** Logs of every subgraph process this suite started, restarts included. */
  const earlierLogs: string[] = [];
  const fixture = matchingPeopleAndContacts(300);

  async function startStack(dataDir?: string): Promise<void> {
    // The cross-request cache is off here: these tests count the Salesforce calls each query makes.
    subgraph = await startTestSubgraph({ ...(dataDir ? { dataDir } : {}), env: { PORT: String(subgraphPort ?? 0), CONTACT_CACHE_TTL_MS: '0', SALESFORCE_RETRY_BASE_MS: '5' } });
    subgraphPort = subgraph.app.port;
  }

  beforeAll(async () => {
    emulator = await SalesforceEmulator.start({
      apps: [{ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET }],
      contacts: fixture.contacts,
    });
    people = await startPeopleSubgraph(fixture.people);
    await startStack();
    gateway = await startGateway([
      { name: 'people', url: people.url, typeDefs: peopleTypeDefs },
      { name: 'salesforce', url: subgraph.url, typeDefs },
    ]);
  });

  afterAll(async () => {
    await gateway?.stop();
    await subgraph?.stop();
    await people?.stop();
    await emulator?.close();
  });

  beforeEach(() => {
    emulator.resetCounters();
    people.setPeople(fixture.people);
  });

  const connectInput = (overrides: Record<string, unknown> = {}) => ({
    consumerKey: CONSUMER_KEY,
    consumerSecret: CONSUMER_SECRET,
    instanceUrl: emulator.url,
    ...overrides,
  });

  async function connect(tenantId: string, overrides: Record<string, unknown> = {}) {
    return gateway.query<ConnectData>(CONNECT, { token: await adminToken(tenantId), variables: { input: connectInput(overrides) } });
  }

  describe('authentication and authorisation', () => {
    it('answers the federation _service query without a token', async () => {
      const response = await postGraphQL<{ _service: { sdl: string } }>(subgraph.url, '{ _service { sdl } }');
      expect(response.data?._service.sdl).toContain('salesforceContact');
    });

    it.each([
      ['no token', undefined],
      ['a garbage token', 'not-a-jwt'],
    ])('refuses %s with UNAUTHENTICATED and no data', async (_label, token) => {
      const response = await postGraphQL<unknown>(subgraph.url, CONNECTION, token ? { token } : {});
      expect(response.data ?? null).toBeNull();
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('refuses a token signed with another secret, an expired token and one without org_id', async () => {
      const tokens = [
        await signTestToken({ tenantId: 'acme', secret: 'another-secret-that-is-long-enough-0123456789' }),
        await signTestToken({ tenantId: 'acme', expiresIn: '-1m' }),
        await signTestToken({}),
      ];
      for (const token of tokens) {
        const response = await postGraphQL<unknown>(subgraph.url, CONNECTION, { token });
        expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(response.data ?? null).toBeNull();
      }
    });

    it('refuses a token without an expiry', async () => {
      const { SignJWT } = await import('jose');
      const forever = await new SignJWT({ org_id: 'acme', roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u')
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
      const response = await postGraphQL<unknown>(subgraph.url, CONNECTION, { token: forever });
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('with ROUTER_SECRET set, serves nothing, not even _service, without router-authorization', async () => {
      const guarded = await startTestSubgraph({ env: { ROUTER_SECRET: 'the-router-secret' } });
      try {
        const sdl = '{ _service { sdl } }';
        const refused = await postGraphQL<unknown>(guarded.url, sdl);
        expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        const wrong = await fetch(guarded.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'router-authorization': 'nope' },
          body: JSON.stringify({ query: sdl }),
        });
        expect(wrong.status).toBe(401);
        const served = await fetch(guarded.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'router-authorization': 'the-router-secret' },
          body: JSON.stringify({ query: sdl }),
        });
        expect(((await served.json()) as { data: { _service: { sdl: string } } }).data._service.sdl).toContain('Person');
      } finally {
        await guarded.stop();
      }
    });

    it('refuses an unauthenticated query through the gateway with UNAUTHENTICATED', async () => {
      const response = await gateway.query(CONNECTION);
      expect(response.errors?.map((e) => e.extensions?.code)).toContain('UNAUTHENTICATED');
      expect((response.data as { salesforceConnection?: unknown } | null)?.salesforceConnection ?? null).toBeNull();
    });

    it('refuses connectSalesforce from a non-admin with FORBIDDEN and calls nothing', async () => {
      const response = await gateway.query<ConnectData>(CONNECT, { token: await memberToken('acme'), variables: { input: connectInput() } });
      expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(emulator.counters.token).toBe(0);
    });

    it('refuses disconnectSalesforce from a non-admin with FORBIDDEN', async () => {
      const response = await gateway.query('mutation { disconnectSalesforce { disconnected } }', { token: await memberToken('acme') });
      expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });

  describe('connectSalesforce', () => {
    it.each([
      ['a Lightning URL', { instanceUrl: 'https://acme.lightning.force.com' }, 'INVALID_INSTANCE_URL', ['input', 'instanceUrl'], /My Domain/],
      ['login.salesforce.com', { instanceUrl: 'https://login.salesforce.com' }, 'INVALID_INSTANCE_URL', ['input', 'instanceUrl'], /My Domain/],
      ['a non-Salesforce host', { instanceUrl: 'https://evil.example.com' }, 'INVALID_INSTANCE_URL', ['input', 'instanceUrl'], /My Domain/],
      ['a one-digit version', { apiVersion: 'v6.0' }, 'INVALID_API_VERSION', ['input', 'apiVersion'], /vNN\.N/],
      ['a word for a version', { apiVersion: 'latest' }, 'INVALID_API_VERSION', ['input', 'apiVersion'], /vNN\.N/],
      ['a version with a patch part', { apiVersion: 'v60.0.1' }, 'INVALID_API_VERSION', ['input', 'apiVersion'], /vNN\.N/],
      ['a four-digit version', { apiVersion: 'v1000.0' }, 'INVALID_API_VERSION', ['input', 'apiVersion'], /vNN\.N/],
      ['an empty key', { consumerKey: '   ' }, 'INVALID_INPUT', ['input', 'consumerKey'], /empty/],
      ['an empty secret', { consumerSecret: '' }, 'INVALID_INPUT', ['input', 'consumerSecret'], /empty/],
    ])('rejects %s without calling Salesforce or saving', async (_label, overrides, code, field, message) => {
      const response = await connect('invalid-input', overrides);
      const payload = response.data?.connectSalesforce;
      expect(payload?.connection).toBeNull();
      expect(payload?.userErrors).toEqual([expect.objectContaining({ code, field, message: expect.stringMatching(message) })]);
      expect(emulator.requests).toHaveLength(0);
      const read = await gateway.query<{ salesforceConnection: unknown }>(CONNECTION, { token: await adminToken('invalid-input') });
      expect(read.data?.salesforceConnection).toBeNull();
    });

    it('reports every input problem at once', async () => {
      const response = await connect('invalid-input', { consumerKey: '', consumerSecret: '', instanceUrl: 'ftp://x', apiVersion: 'latest' });
      expect(response.data?.connectSalesforce.userErrors.map((e) => e.code).sort()).toEqual(
        ['INVALID_API_VERSION', 'INVALID_INPUT', 'INVALID_INPUT', 'INVALID_INSTANCE_URL'],
      );
    });

    it.each([
      ['an unknown consumer key', { consumerKey: '3MVG9unknownKey' }, 'INVALID_CLIENT_CREDENTIALS', /propagate/],
      ['a wrong secret', { consumerSecret: 'wrong-secret' }, 'INVALID_CLIENT_CREDENTIALS', /Consumer Secret/],
    ])('maps %s to %s with an actionable message, saving nothing', async (_label, overrides, code, message) => {
      const response = await connect('bad-credentials', overrides);
      expect(response.data?.connectSalesforce.userErrors).toEqual([expect.objectContaining({ code, message: expect.stringMatching(message) })]);
      expect(JSON.stringify(response)).not.toContain(CONSUMER_SECRET);
      const read = await gateway.query<{ salesforceConnection: unknown }>(CONNECTION, { token: await adminToken('bad-credentials') });
      expect(read.data?.salesforceConnection).toBeNull();
    });

    it('tells the admin to set a Run-As user when the flow has none', async () => {
      emulator.addApp({ consumerKey: 'no-run-as-key-0001', consumerSecret: 'no-run-as-secret', runAsUserEnabled: false });
      const response = await connect('no-run-as', { consumerKey: 'no-run-as-key-0001', consumerSecret: 'no-run-as-secret' });
      expect(response.data?.connectSalesforce.userErrors).toEqual([
        expect.objectContaining({ code: 'CLIENT_CREDENTIALS_FLOW_NOT_ENABLED', message: expect.stringMatching(/Run-As/) }),
      ]);
    });

    it.each(['v20.0', 'v999.0', 'v100.0'])('refuses the well-formed %s that the org does not serve, naming the newest it does', async (apiVersion) => {
      const response = await connect(`unserved-${apiVersion}`, { apiVersion });
      expect(response.data?.connectSalesforce.connection).toBeNull();
      expect(response.data?.connectSalesforce.userErrors).toEqual([
        expect.objectContaining({
          code: 'API_VERSION_NOT_SUPPORTED',
          field: ['input', 'apiVersion'],
          message: expect.stringContaining(`does not serve API version ${apiVersion}. The newest version it serves is v62.0`),
        }),
      ]);
      const read = await gateway.query<{ salesforceConnection: unknown }>(CONNECTION, { token: await adminToken(`unserved-${apiVersion}`) });
      expect(read.data?.salesforceConnection).toBeNull();
    });

    it.each(['60', '60.0', 'V60.0', ' v60.0 ', 'v60'])('reads %j as v60.0, stores that and looks up with it', async (apiVersion) => {
      const tenantId = `typed-version-${apiVersion.trim()}`;
      const response = await connect(tenantId, { apiVersion });
      expect(response.data?.connectSalesforce.userErrors).toEqual([]);
      expect(response.data?.connectSalesforce.connection?.apiVersion).toBe('v60.0');
      const read = await gateway.query<{ salesforceConnection: { apiVersion: string } }>(CONNECTION, { token: await adminToken(tenantId) });
      expect(read.data?.salesforceConnection.apiVersion).toBe('v60.0');
      emulator.resetCounters();
      const looked = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken(tenantId) });
      expect(looked.errors).toBeUndefined();
      expect(looked.data?.people.filter((p) => p.salesforceContact !== null).length).toBeGreaterThan(0);
      expect(emulator.requests.filter((r) => r.path.startsWith('/services/data/v')).map((r) => r.path.split('/')[3])).toEqual(
        expect.arrayContaining(['v60.0']),
      );
      expect(emulator.requests.every((r) => !r.path.startsWith('/services/data/v') || r.path.startsWith('/services/data/v60.0/'))).toBe(true);
    });

    it('connects with a three-digit version the org serves', async () => {
      const org = await SalesforceEmulator.start({ apps: [{ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET }], versions: ['62.0', '100.0'] });
      try {
        const response = await connect('three-digit-version', { instanceUrl: org.url, apiVersion: 'v100.0' });
        expect(response.data?.connectSalesforce.userErrors).toEqual([]);
        expect(response.data?.connectSalesforce.connection?.apiVersion).toBe('v100.0');
        expect(org.requests.some((r) => r.path.startsWith('/services/data/v100.0/'))).toBe(true);
      } finally {
        await org.close();
      }
    });

    it("asks an org for its versions once, however often admins connect to it", async () => {
      const org = await SalesforceEmulator.start({ apps: [{ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET }] });
      try {
        const first = await connect('versions-once', { instanceUrl: org.url, apiVersion: 'v99.0' });
        expect(first.data?.connectSalesforce.userErrors).toEqual([expect.objectContaining({ code: 'API_VERSION_NOT_SUPPORTED' })]);
        const second = await connect('versions-once', { instanceUrl: org.url, apiVersion: 'v61.0' });
        expect(second.data?.connectSalesforce.userErrors).toEqual([]);
        await connect('versions-once-too', { instanceUrl: org.url });
        expect(org.counters.versions).toBe(1);
        expect(org.counters.token).toBe(3);
      } finally {
        await org.close();
      }
    });

    it('reports an unreachable org as SALESFORCE_UNREACHABLE', async () => {
      const closed = await SalesforceEmulator.start();
      const url = closed.url;
      await closed.close();
      const response = await connect('unreachable', { instanceUrl: url });
      expect(response.data?.connectSalesforce.userErrors).toEqual([expect.objectContaining({ code: 'SALESFORCE_UNREACHABLE' })]);
    });

    it.each([
      ['the token endpoint in maintenance (503)', 'token', { status: 503, body: { error: 'server_error' } }, 'SALESFORCE_UNREACHABLE', /temporarily unavailable/],
      ['the daily API quota spent', 'describe', { status: 403, body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }] }, 'SALESFORCE_RATE_LIMITED', /daily API request limit.*24-hour/],
      [
        'a token not valid for the REST API',
        'describe',
        { status: 401, body: [{ errorCode: 'INVALID_SESSION_ID', message: 'This session is not valid for use with the REST API' }] },
        'SALESFORCE_ERROR',
        /Manage user data via APIs \(api\)/,
      ],
    ] as const)('tells the admin what %s means, pointing at no field and saving nothing', async (_label, kind, fault, code, message) => {
      const org = await SalesforceEmulator.start({ apps: [{ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET }] });
      try {
        for (let n = 0; n < 5; n++) org.queueFault(kind, fault);
        const tenantId = `refused-${kind}-${fault.status}`;
        const response = await connect(tenantId, { instanceUrl: org.url });
        expect(response.data?.connectSalesforce.userErrors).toEqual([{ code, field: null, message: expect.stringMatching(message) }]);
        const read = await gateway.query<{ salesforceConnection: unknown }>(CONNECTION, { token: await adminToken(tenantId) });
        expect(read.data?.salesforceConnection).toBeNull();
      } finally {
        await org.close();
      }
    });

    it('saves a validated connection without ever returning the secret', async () => {
      const response = await connect('acme', { instanceUrl: ` ${emulator.url}/ ` });
      const payload = response.data?.connectSalesforce;
      expect(payload?.userErrors).toEqual([]);
      expect(payload?.connection).toMatchObject({
        status: 'CONNECTED',
        instanceUrl: emulator.url,
        apiVersion: 'v60.0',
        consumerKeyHint: '••••5678',
        lastError: null,
      });
      expect(payload?.connection?.contactFields).toContain('Email');
      expect(JSON.stringify(response)).not.toContain(CONSUMER_SECRET);
      expect(JSON.stringify(response)).not.toContain(CONSUMER_KEY);
      expect(emulator.counters.token).toBe(1);

      const read = await gateway.query<{ salesforceConnection: unknown }>(CONNECTION, { token: await memberToken('acme') });
      expect(read.data?.salesforceConnection).toMatchObject({ status: 'CONNECTED', consumerKeyHint: '••••5678' });
    });
  });

  describe('Person.salesforceContact', () => {
    beforeAll(async () => {
      const response = await connect('acme');
      expect(response.data?.connectSalesforce.userErrors).toEqual([]);
    });

    it('enriches 300 people with their contacts in at most 3 SOQL calls and no new token', async () => {
      const response = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(response.errors).toBeUndefined();
      const result = response.data?.people ?? [];
      expect(result).toHaveLength(300);
      result.forEach((person, i) => {
        expect(person.salesforceContact).toMatchObject({
          id: contactId(i),
          email: `person.${i}@example.com`,
          firstName: `First${i}`,
          accountName: `Account ${i % 10}`,
          lastModifiedAt: '2024-05-01T10:00:00.000Z',
          recordUrl: `${emulator.url}/lightning/r/Contact/${contactId(i)}/view`,
          customFields: [],
        });
      });
      expect(emulator.counters.query + emulator.counters.queryMore).toBeLessThanOrEqual(3);
      expect(emulator.counters.token).toBe(0);
    });

    it('follows nextRecordsUrl when Salesforce pages the answer', async () => {
      emulator.setPageSize(50);
      try {
        const response = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
        expect(response.data?.people.filter((p) => p.salesforceContact !== null)).toHaveLength(300);
        expect(emulator.counters.queryMore).toBeGreaterThanOrEqual(5);
      } finally {
        emulator.setPageSize(2000);
      }
    });

    it('finds contacts for emails that need escaping or case folding', async () => {
      const tricky: PersonRecord[] = TRICKY_EMAILS.map((email, i) => ({ id: `tricky-${i}`, email: i % 2 ? email.toUpperCase() : email, name: email }));
      emulator.addContacts(TRICKY_EMAILS.map((email, i) => ({ Id: contactId(9000 + i), Email: email, LastName: `Tricky${i}` })));
      people.setPeople(tricky);
      const response = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(response.errors).toBeUndefined();
      expect(response.data?.people.map((p) => p.salesforceContact?.id ?? null)).toEqual(TRICKY_EMAILS.map((_e, i) => contactId(9000 + i)));
      expect(emulator.counters.query).toBe(1);
    });

    it('splits thousands of long, escape-heavy emails into as few queries as fit the URI limit, never a 414', async () => {
      const many = Array.from({ length: 2000 }, (_unused, i) => `${"o'connor-ü".repeat(4)}.${i}@example-company-domain.com`);
      emulator.addContacts(many.map((email, i) => ({ Id: contactId(20000 + i), Email: email, LastName: `Many${i}` })));
      people.setPeople(many.map((email, i) => ({ id: `many-${i}`, email, name: `Many ${i}` })));
      const response = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(response.errors).toBeUndefined();
      expect(response.data?.people.map((p) => p.salesforceContact?.id)).toEqual(many.map((_e, i) => contactId(20000 + i)));
      expect(emulator.requests.filter((r) => r.status === 414 || r.status === 431)).toEqual([]);
      // The best any client could do: every encoded literal has to travel in some request of ≤ 16,384 bytes.
      const literalBytes = many.reduce((sum, email) => sum + new URLSearchParams({ q: `'${email.replace(/'/g, "\\'")}', ` }).toString().length - 2, 0);
      const lowerBound = Math.ceil(literalBytes / 16_384);
      expect(emulator.counters.query).toBeGreaterThanOrEqual(lowerBound);
      expect(emulator.counters.query).toBeLessThanOrEqual(Math.ceil(lowerBound * 1.1));
    });

    it('answers null without a lookup for missing, empty or impossible emails', async () => {
      people.setPeople([
        { id: 'n1', email: null, name: 'no email' },
        { id: 'n2', email: '   ', name: 'blank' },
        { id: 'n3', email: 'not-an-email', name: 'impossible' },
        { id: 'n4', email: 'two words@example.com', name: 'impossible' },
      ]);
      const response = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(response.errors).toBeUndefined();
      expect(response.data?.people.map((p) => p.salesforceContact)).toEqual([null, null, null, null]);
      expect(emulator.requests).toHaveLength(0);
    });

    it('answers null when no contact has the email', async () => {
      people.setPeople([{ id: 'x', email: 'nobody@example.com', name: 'Nobody' }]);
      const response = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(response.errors).toBeUndefined();
      expect(response.data?.people[0]?.salesforceContact).toBeNull();
      expect(emulator.counters.query).toBe(1);
    });

    it('picks the most recently modified contact when several share an email', async () => {
      emulator.addContacts([
        { Id: contactId(8001), Email: 'shared@example.com', LastName: 'Old', LastModifiedDate: '2023-01-01T00:00:00.000+0000' },
        { Id: contactId(8002), Email: 'SHARED@example.com', LastName: 'Newest', LastModifiedDate: '2024-06-01T00:00:00.000+0000' },
        { Id: contactId(8003), Email: 'shared@example.com', LastName: 'Middle', LastModifiedDate: '2024-01-01T00:00:00.000+0000' },
      ]);
      people.setPeople([{ id: 's', email: 'Shared@Example.com', name: 'Shared' }]);
      const response = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(response.data?.people[0]?.salesforceContact?.id).toBe(contactId(8002));
    });

    it('answers null with no error and no Salesforce call for a tenant that has not connected', async () => {
      const response = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('not-connected') });
      expect(response.errors).toBeUndefined();
      expect(response.data?.people.every((p) => p.salesforceContact === null)).toBe(true);
      expect(emulator.requests).toHaveLength(0);
    });

    it('gets one new token and retries once when the session has expired', async () => {
      emulator.expireAllTokens();
      const response = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(response.errors).toBeUndefined();
      expect(response.data?.people.filter((p) => p.salesforceContact !== null)).toHaveLength(300);
      expect(emulator.counters.token).toBe(1);
      expect(emulator.counters.query).toBe(2);
    });

    it('keeps the person and reports SALESFORCE_UNAVAILABLE when Salesforce keeps failing, then recovers', async () => {
      const maintenance = { status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'maintenance' }] };
      for (let attempt = 0; attempt < 3; attempt++) emulator.queueFault('query', maintenance);
      people.setPeople(fixture.people.slice(0, 3));
      const failed = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(failed.data?.people.map((p) => p.name)).toEqual(['Person 0', 'Person 1', 'Person 2']);
      expect(failed.data?.people.map((p) => p.salesforceContact)).toEqual([null, null, null]);
      expect(failed.errors?.map((e) => e.extensions?.code)).toEqual(Array(3).fill('SALESFORCE_UNAVAILABLE'));
      expect(failed.errors?.[0]?.path).toEqual(['people', 0, 'salesforceContact']);
      expect(emulator.counters.query).toBe(3);

      const broken = await gateway.query<{ salesforceConnection: { status: string; lastError: string } }>(CONNECTION, { token: await memberToken('acme') });
      expect(broken.data?.salesforceConnection).toMatchObject({ status: 'ERROR', lastError: expect.stringContaining('503') });

      const recovered = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(recovered.errors).toBeUndefined();
      const healed = await gateway.query<{ salesforceConnection: { status: string; lastError: string | null } }>(CONNECTION, { token: await memberToken('acme') });
      expect(healed.data?.salesforceConnection).toMatchObject({ status: 'CONNECTED', lastError: null });
    });

    it('keeps the person when salesforceContacts fails too: both fields null with their own error', async () => {
      const maintenance = { status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'maintenance' }] };
      for (let attempt = 0; attempt < 3; attempt++) emulator.queueFault('query', maintenance);
      people.setPeople(fixture.people.slice(0, 1));
      const response = await gateway.query<{ people: Array<{ name: string; salesforceContact: unknown; salesforceContacts: unknown }> }>(
        '{ people { name salesforceContact { id } salesforceContacts { id } } }',
        { token: await memberToken('acme') },
      );
      expect(response.data?.people).toEqual([{ name: 'Person 0', salesforceContact: null, salesforceContacts: null }]);
      expect(response.errors?.map((e) => [e.path?.slice(-1)[0], e.extensions?.code])).toEqual([
        ['salesforceContact', 'SALESFORCE_UNAVAILABLE'],
        ['salesforceContacts', 'SALESFORCE_UNAVAILABLE'],
      ]);
    });

    it('reports SALESFORCE_RATE_LIMITED on REQUEST_LIMIT_EXCEEDED without retrying', async () => {
      emulator.queueFault('query', { status: 403, body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }] });
      people.setPeople(fixture.people.slice(0, 1));
      const response = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['SALESFORCE_RATE_LIMITED']);
      expect(response.errors?.[0]?.message).toBe("The tenant's Salesforce org has used its daily API request limit");
      expect(response.data?.people[0]?.name).toBe('Person 0');
      expect(emulator.counters.query).toBe(1);
      const broken = await gateway.query<{ salesforceConnection: { status: string; lastError: string } }>(CONNECTION, { token: await memberToken('acme') });
      expect(broken.data?.salesforceConnection).toMatchObject({ status: 'ERROR', lastError: expect.stringMatching(/daily API request limit \(a rolling 24-hour quota/) });
    });

    it('reports SALESFORCE_AUTH_FAILED when no token can be had, without looping', async () => {
      emulator.expireAllTokens();
      emulator.queueFault('token', { status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } });
      people.setPeople(fixture.people.slice(0, 2));
      const response = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['SALESFORCE_AUTH_FAILED', 'SALESFORCE_AUTH_FAILED']);
      expect(emulator.counters.query).toBe(1);
      expect(emulator.counters.token).toBe(1);
      // The admin is told what connect would have told them: which credential to copy again.
      const broken = await gateway.query<{ salesforceConnection: { status: string; lastError: string } }>(CONNECTION, { token: await memberToken('acme') });
      expect(broken.data?.salesforceConnection).toMatchObject({ status: 'ERROR', lastError: expect.stringMatching(/Copy the Consumer Secret again.*invalid_client/) });

      // The refusal is remembered: the next request fails at once instead of asking for a token again…
      const again = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(again.errors?.map((e) => e.extensions?.code)).toEqual(['SALESFORCE_AUTH_FAILED', 'SALESFORCE_AUTH_FAILED']);
      expect(emulator.counters.token).toBe(1);
      expect(emulator.counters.query).toBe(1);

      // …until an admin re-tests the connection, which proves the credentials again.
      const tested = await gateway.query<{ testSalesforceConnection: { userErrors: unknown[] } }>(
        'mutation { testSalesforceConnection { userErrors { code } } }',
        { token: await adminToken('acme') },
      );
      expect(tested.data?.testSalesforceConnection.userErrors).toEqual([]);
      const healed = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(healed.errors).toBeUndefined();
    });

    it('treats a second 401 as an auth failure: two queries, one token request', async () => {
      people.setPeople(fixture.people.slice(0, 1));
      expect((await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') })).errors).toBeUndefined();
      emulator.resetCounters();
      emulator.queueFault('query', { status: 401, body: [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }] });
      emulator.queueFault('query', { status: 401, body: [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }] });
      people.setPeople(fixture.people.slice(0, 1));
      const response = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['SALESFORCE_AUTH_FAILED']);
      expect(emulator.counters.query).toBe(2);
      expect(emulator.counters.token).toBe(1);
    });

    it('does not mix tenants: another tenant connected to the same org gets its own token', async () => {
      expect((await connect('globex')).data?.connectSalesforce.userErrors).toEqual([]);
      people.setPeople(fixture.people.slice(0, 5));
      const response = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('globex') });
      expect(response.data?.people.every((p) => p.salesforceContact !== null)).toBe(true);
      expect(emulator.counters.token).toBe(1);
    });

    it('keeps the connection across a restart', async () => {
      const dataDir = subgraph.dataDir;
      await subgraph.stop();
      earlierLogs.push(subgraph.logs());
      await startStack(dataDir);
      people.setPeople(fixture.people.slice(0, 10));
      const response = await gateway.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken('acme') });
      expect(response.errors).toBeUndefined();
      expect(response.data?.people.every((p) => p.salesforceContact !== null)).toBe(true);
      expect(emulator.counters.token).toBe(1);
    });

    it('never writes the secret to responses, logs or the database file', async () => {
      const logs = [...earlierLogs, subgraph.logs()].join('');
      expect(logs).not.toContain(CONSUMER_SECRET);
      for (const token of emulator.issuedTokens()) expect(logs).not.toContain(token);
      const dbFiles = fs.readdirSync(subgraph.dataDir).filter((f) => f.startsWith(SQLITE_FILE_NAME));
      expect(dbFiles.length).toBeGreaterThan(0);
      for (const file of dbFiles) {
        const bytes = fs.readFileSync(path.join(subgraph.dataDir, file));
        expect(bytes.includes(Buffer.from(CONSUMER_SECRET))).toBe(false);
        expect(bytes.includes(Buffer.from(CONSUMER_KEY))).toBe(false);
      }
    });

    it('disconnects: deletes the connection, revokes the cached token, and stops looking up', async () => {
      const token = await adminToken('globex');
      people.setPeople(fixture.people.slice(0, 1));
      expect((await gateway.query<PeopleData>(PEOPLE_QUERY, { token })).errors).toBeUndefined();
      const [issued] = emulator.issuedTokens().slice(-1);
      const response = await gateway.query<{ disconnectSalesforce: { disconnected: boolean; userErrors: unknown[] } }>(
        'mutation { disconnectSalesforce { disconnected userErrors { code } } }',
        { token },
      );
      expect(response.data?.disconnectSalesforce).toEqual({ disconnected: true, userErrors: [] });
      expect(emulator.counters.revoke).toBe(1);
      expect(emulator.revokedTokens()).toContain(issued);
      expect((await gateway.query<{ salesforceConnection: unknown }>(CONNECTION, { token })).data?.salesforceConnection).toBeNull();

      emulator.resetCounters();
      const lookup = await gateway.query<PeopleData>(PEOPLE_QUERY, { token });
      expect(lookup.errors).toBeUndefined();
      expect(lookup.data?.people.every((p) => p.salesforceContact === null)).toBe(true);
      expect(emulator.requests).toHaveLength(0);

      const again = await gateway.query<{ disconnectSalesforce: { disconnected: boolean } }>('mutation { disconnectSalesforce { disconnected userErrors { code } } }', { token });
      expect(again.data?.disconnectSalesforce.disconnected).toBe(false);
    });
  });
});
