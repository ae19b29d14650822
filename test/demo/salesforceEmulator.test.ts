import { connect } from 'node:net';

import { SalesforceEmulator, type EmulatorContact } from '../../demo/salesforceEmulator';

const APP = { consumerKey: '3MVG9key', consumerSecret: 'sekret' };
const V = 'v60.0';

const CONTACTS: EmulatorContact[] = [
  {
    Id: '003000000000001AAA',
    Email: 'Ada@Example.com',
    FirstName: 'Ada',
    LastName: 'Lovelace',
    AccountId: '001000000000001AAA',
    AccountName: 'Analytical Engines',
    LastModifiedDate: '2024-05-01T10:00:00.000+0000',
  },
  { Id: '003000000000002AAA', Email: 'grace@example.com', FirstName: 'Grace', LastName: 'Hopper', AccountId: null },
  { Id: '003000000000003AAA', Email: "o'brien@example.com", LastName: "O'Brien" },
  { Id: '003000000000004AAA', Email: 'back\\slash@example.com', LastName: 'Slash' },
  { Id: '003000000000005AAA', Email: 'line\nbreak@example.com', LastName: 'Break' },
  { Id: '003000000000006AAA', Email: 'rené@example.com', LastName: 'Accent' },
  { Id: '003000000000007AAA', Email: null, LastName: 'NoEmail' },
];

let emulator: SalesforceEmulator;

beforeEach(async () => {
  emulator = await SalesforceEmulator.start({ apps: [APP], contacts: CONTACTS });
});

afterEach(async () => {
  await emulator.close();
});

function form(fields: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

function requestToken(fields: Record<string, string> = {}): Promise<Response> {
  const body = { grant_type: 'client_credentials', client_id: APP.consumerKey, client_secret: APP.consumerSecret, ...fields };
  return fetch(`${emulator.url}/services/oauth2/token`, form(body));
}

async function accessToken(): Promise<string> {
  const response = await requestToken();
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

function get(path: string, token?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${emulator.url}${path}`, { headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers } });
}

async function query(soql: string, token?: string): Promise<Response> {
  return get(`/services/data/${V}/query?q=${encodeURIComponent(soql)}`, token ?? (await accessToken()));
}

interface QueryBody {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Array<Record<string, unknown>>;
}

async function queryRecords(soql: string): Promise<QueryBody> {
  const response = await query(soql);
  expect(response.status).toBe(200);
  return (await response.json()) as QueryBody;
}

async function queryError(soql: string): Promise<{ status: number; errorCode: string; message: string }> {
  const response = await query(soql);
  const body = (await response.json()) as Array<{ errorCode: string; message: string }>;
  expect(body).toHaveLength(1);
  return { status: response.status, errorCode: body[0]?.errorCode ?? '', message: body[0]?.message ?? '' };
}

describe('token endpoint', () => {
  it('issues an opaque token shaped like Salesforce, without expires_in or refresh_token', async () => {
    const response = await requestToken();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, string>;
    expect(body.access_token).toMatch(/^00D[A-Za-z0-9]{12}!AQ[A-Za-z0-9_-]+$/);
    expect(body).toMatchObject({
      token_format: 'opaque',
      instance_url: emulator.url,
      id: 'https://login.salesforce.com/id/00D5e000000AbCdEAF/0055e000001XyZwAAK',
      token_type: 'Bearer',
      scope: 'api',
    });
    expect(body.issued_at).toMatch(/^\d{13}$/);
    expect(body.signature).toEqual(expect.any(String));
    expect(body).not.toHaveProperty('expires_in');
    expect(body).not.toHaveProperty('refresh_token');
    expect(await accessToken()).not.toBe(body.access_token);
    expect(emulator.issuedTokens()).toHaveLength(2);
  });

  it.each([
    ['an unknown consumer key', { client_id: 'nope' }, 'invalid_client_id', 'client identifier invalid'],
    ['a wrong secret', { client_secret: 'wrong' }, 'invalid_client', 'invalid client credentials'],
    ['another grant type', { grant_type: 'password' }, 'unsupported_grant_type', 'grant type not supported'],
  ])('refuses %s', async (_case, fields, error, description) => {
    const response = await requestToken(fields);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error, error_description: description });
  });

  it('answers invalid_client_id while the app is still propagating', async () => {
    emulator.addApp({ ...APP, propagating: true });
    const response = await requestToken();
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_client_id', error_description: 'client identifier invalid' });
  });

  it('answers invalid_grant when no run-as user is enabled', async () => {
    emulator.addApp({ ...APP, runAsUserEnabled: false });
    const response = await requestToken();
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_grant', error_description: 'no client credentials user enabled' });
  });

  it('refuses a JSON body', async () => {
    const response = await fetch(`${emulator.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: APP.consumerKey, client_secret: APP.consumerSecret }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });
  });

  it('refuses the flow when acting as login.salesforce.com', async () => {
    await emulator.close();
    emulator = await SalesforceEmulator.start({ apps: [APP], loginHost: true });
    const response = await requestToken();
    expect(await response.json()).toEqual({ error: 'invalid_grant', error_description: 'request not supported on this domain' });
  });

  it('answers 405 to GET and counts it as other', async () => {
    const response = await fetch(`${emulator.url}/services/oauth2/token`);
    expect(response.status).toBe(405);
    expect(emulator.counters).toMatchObject({ token: 0, other: 1 });
  });

  it('counts successes and failures', async () => {
    await requestToken();
    await requestToken({ client_secret: 'wrong' });
    expect(emulator.counters).toMatchObject({ token: 2, tokenFailures: 1 });
  });
});

describe('sessions', () => {
  it('answers 401 INVALID_SESSION_ID without a token, with an unknown one, and after expireAllTokens', async () => {
    const token = await accessToken();
    const expected = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];
    for (const attempt of [undefined, 'bogus']) {
      const response = await get(`/services/data/${V}/query?q=SELECT+Id+FROM+Contact`, attempt);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(expected);
    }
    expect((await query('SELECT Id FROM Contact', token)).status).toBe(200);
    emulator.expireAllTokens();
    const expired = await query('SELECT Id FROM Contact', token);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual(expected);
    expect((await query('SELECT Id FROM Contact', await accessToken())).status).toBe(200);
  });

  it('revokes a token, and refuses to revoke an unknown one', async () => {
    const token = await accessToken();
    const revoked = await fetch(`${emulator.url}/services/oauth2/revoke`, form({ token }));
    expect(revoked.status).toBe(200);
    expect(emulator.revokedTokens()).toEqual([token]);
    expect((await query('SELECT Id FROM Contact', token)).status).toBe(401);
    const unknown = await fetch(`${emulator.url}/services/oauth2/revoke`, form({ token: 'nope' }));
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ error: 'invalid_token', error_description: 'invalid token' });
    expect(emulator.counters.revoke).toBe(2);
  });

  it('introspects a live token and reports a revoked one inactive', async () => {
    const token = await accessToken();
    const ask = async (): Promise<Record<string, unknown>> => {
      const body = { token, token_type_hint: 'access_token', client_id: APP.consumerKey, client_secret: APP.consumerSecret };
      return (await (await fetch(`${emulator.url}/services/oauth2/introspect`, form(body))).json()) as Record<string, unknown>;
    };
    expect(await ask()).toMatchObject({ active: true, client_id: APP.consumerKey, exp: expect.any(Number) });
    await fetch(`${emulator.url}/services/oauth2/revoke`, form({ token }));
    expect(await ask()).toEqual({ active: false });
  });

  it('carries Sforce-Limit-Info on authenticated calls, one more per call', async () => {
    const token = await accessToken();
    const first = await query('SELECT Id FROM Contact', token);
    const second = await query('SELECT Nope FROM Contact', token);
    expect(first.headers.get('sforce-limit-info')).toBe('api-usage=1/100000');
    expect(second.headers.get('sforce-limit-info')).toBe('api-usage=2/100000');
    expect((await get('/services/data/')).headers.get('sforce-limit-info')).toBeNull();
  });

  it('answers 403 REQUEST_LIMIT_EXCEEDED past the daily quota', async () => {
    emulator.setApiUsage(100_000);
    const response = await query('SELECT Id FROM Contact');
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
  });
});

describe('versions', () => {
  it('lists versions without auth', async () => {
    const response = await get('/services/data/');
    expect(response.status).toBe(200);
    const body = (await response.json()) as Array<Record<string, string>>;
    expect(body.map((entry) => entry.version)).toEqual(['58.0', '59.0', '60.0', '61.0', '62.0']);
    expect(body[1]).toEqual({ label: "Winter '24", url: '/services/data/v59.0', version: '59.0' });
    expect(body[0]?.label).toBe("Summer '23");
    expect(emulator.counters.versions).toBe(1);
  });

  it.each(['v99.0', 'v60', '60.0'])('answers 404 NOT_FOUND for %s', async (version) => {
    const response = await get(`/services/data/${version}/query?q=SELECT+Id+FROM+Contact`, await accessToken());
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  });

  it('answers 410 for a retired version', async () => {
    await emulator.close();
    emulator = await SalesforceEmulator.start({ apps: [APP], retiredVersions: ['30.0'] });
    const response = await get('/services/data/v30.0/query?q=SELECT+Id+FROM+Contact', await accessToken());
    expect(response.status).toBe(410);
  });
});

describe('query', () => {
  it('matches IN case-insensitively and returns only selected fields, in order', async () => {
    const body = await queryRecords("SELECT Email, Id FROM Contact WHERE Email IN ('ada@example.COM', 'GRACE@example.com', 'x@y.z')");
    expect(body).toMatchObject({ totalSize: 2, done: true });
    expect(body).not.toHaveProperty('nextRecordsUrl');
    expect(body.records[0]).toEqual({
      attributes: { type: 'Contact', url: `/services/data/${V}/sobjects/Contact/003000000000001AAA` },
      Email: 'Ada@Example.com',
      Id: '003000000000001AAA',
    });
    expect(Object.keys(body.records[0] ?? {})).toEqual(['attributes', 'Email', 'Id']);
  });

  it('accepts = with lower-case keywords, field names and arbitrary whitespace', async () => {
    const body = await queryRecords("select   id,\n\temail\nfrom contact\nwhere EMAIL='grace@example.com'");
    expect(body.records).toEqual([expect.objectContaining({ Id: '003000000000002AAA', Email: 'grace@example.com' })]);
  });

  it('nests Account fields, or answers Account: null without an account', async () => {
    const body = await queryRecords("SELECT Id, Account.Name FROM Contact WHERE Email IN ('ada@example.com', 'grace@example.com')");
    expect(body.records[0]?.Account).toEqual({
      attributes: { type: 'Account', url: `/services/data/${V}/sobjects/Account/001000000000001AAA` },
      Name: 'Analytical Engines',
    });
    expect(body.records[1]?.Account).toBeNull();
  });

  it.each([
    ["'o\\'brien@example.com'", '003000000000003AAA'],
    ["'back\\\\slash@example.com'", '003000000000004AAA'],
    ["'line\\nbreak@example.com'", '003000000000005AAA'],
    ["'ren\\u00e9@example.com'", '003000000000006AAA'],
  ])('decodes the escapes in %s', async (literal, id) => {
    const body = await queryRecords(`SELECT Id FROM Contact WHERE Email = ${literal}`);
    expect(body.records.map((record) => record.Id)).toEqual([id]);
  });

  it('refuses an unknown escape with MALFORMED_QUERY', async () => {
    const error = await queryError("SELECT Id FROM Contact WHERE Email = 'a\\x'");
    expect(error).toMatchObject({ status: 400, errorCode: 'MALFORMED_QUERY' });
    expect(error.message).toContain("Invalid string literal 'a\\x'. Illegal character sequence '\\x' in string literal.");
    expect(error.message).toContain('ERROR at Row:1:Column:38');
  });

  it.each([
    ['an unterminated literal', "SELECT Id FROM Contact WHERE Email = 'a"],
    ['a bad unicode escape', "SELECT Id FROM Contact WHERE Email = '\\u00zz'"],
    ['a trailing comma', 'SELECT Id, FROM Contact'],
    ['garbage', 'DELETE FROM Contact'],
    ['double quotes', 'SELECT Id FROM Contact WHERE Email = "a"'],
    ['AND mixed with OR', "SELECT Id FROM Contact WHERE Email = 'a' AND Id = 'b' OR Id = 'c'"],
    ['an empty statement', ' '],
  ])('answers MALFORMED_QUERY for %s', async (_case, soql) => {
    expect(await queryError(soql)).toMatchObject({ status: 400, errorCode: 'MALFORMED_QUERY' });
  });

  it('answers INVALID_FIELD for a field Contact does not have, or that is hidden', async () => {
    const error = await queryError('SELECT Id, Shoe_Size__c FROM Contact');
    expect(error).toMatchObject({ status: 400, errorCode: 'INVALID_FIELD' });
    expect(error.message).toContain("No such column 'Shoe_Size__c' on entity 'Contact'.");
    emulator.setHiddenFields(['Phone']);
    expect(await queryError('SELECT Phone FROM Contact')).toMatchObject({ errorCode: 'INVALID_FIELD' });
  });

  it('knows the custom fields present on stored contacts', async () => {
    emulator.addContacts([{ Id: '003000000000008AAA', Email: 'c@example.com', Tier__c: 'Gold' }]);
    const body = await queryRecords("SELECT Tier__c FROM Contact WHERE Email = 'c@example.com'");
    expect(body.records[0]?.Tier__c).toBe('Gold');
  });

  it('answers INVALID_TYPE for another object', async () => {
    const error = await queryError('SELECT Id FROM Lead');
    expect(error).toMatchObject({ status: 400, errorCode: 'INVALID_TYPE' });
    expect(error.message).toContain("sObject type 'Lead' is not supported.");
  });

  it('supports NOT IN, null, ORDER BY and LIMIT', async () => {
    const body = await queryRecords(
      "SELECT LastName FROM Contact WHERE Email != null AND LastName NOT IN ('slash', 'break') ORDER BY LastName DESC LIMIT 3",
    );
    expect(body.records.map((record) => record.LastName)).toEqual(["O'Brien", 'Lovelace', 'Hopper']);
  });

  it('pages with nextRecordsUrl until done', async () => {
    emulator.setPageSize(3);
    const token = await accessToken();
    const first = (await (await query('SELECT Id FROM Contact', token)).json()) as QueryBody;
    expect(first).toMatchObject({ totalSize: 7, done: false });
    expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v60\.0\/query\/01g[A-Za-z0-9]{15}-3$/);
    const ids = first.records.map((record) => record.Id);
    let next = first.nextRecordsUrl;
    while (next) {
      const page = (await (await get(next, token)).json()) as QueryBody;
      expect(page.totalSize).toBe(7);
      ids.push(...page.records.map((record) => record.Id));
      next = page.done ? undefined : page.nextRecordsUrl;
    }
    expect(ids).toEqual(CONTACTS.map((contact) => contact.Id));
    expect(emulator.counters).toMatchObject({ query: 1, queryMore: 2 });
  });

  it('answers INVALID_QUERY_LOCATOR for an unknown locator', async () => {
    const response = await get(`/services/data/${V}/query/01gAAAAAAAAAAAAAAA-2000`, await accessToken());
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual([{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }]);
  });

  it('logs every request with the decoded SOQL', async () => {
    await query("SELECT Id FROM Contact WHERE Email = 'ren\\u00e9@example.com'");
    await get('/nowhere');
    expect(emulator.requests).toEqual([
      { method: 'POST', path: '/services/oauth2/token', status: 200 },
      { method: 'GET', path: `/services/data/${V}/query`, status: 200, soql: "SELECT Id FROM Contact WHERE Email = 'ren\\u00e9@example.com'" },
      { method: 'GET', path: '/nowhere', status: 404 },
    ]);
    expect(emulator.counters).toMatchObject({ token: 1, query: 1, other: 1 });
    emulator.resetCounters();
    expect(emulator.counters).toMatchObject({ token: 0, query: 0, other: 0 });
    expect(emulator.requests).toEqual([]);
  });

  it('answers 405 METHOD_NOT_ALLOWED to POST on query', async () => {
    const response = await fetch(`${emulator.url}/services/data/${V}/query`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${await accessToken()}` },
      body: 'q=SELECT+Id+FROM+Contact',
    });
    expect(response.status).toBe(405);
    expect(await response.json()).toEqual([{ errorCode: 'METHOD_NOT_ALLOWED', message: "HTTP Method 'POST' not allowed. Allowed are HEAD,GET" }]);
    expect(emulator.counters.other).toBe(1);
  });
});

describe('request size limit', () => {
  /** Sends exactly `GET <target> HTTP/1.1` + one `Host: x` header line (9 bytes), and returns the status code. */
  function rawGetStatus(target: string): Promise<number> {
    const { hostname, port } = new URL(emulator.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`));
      socket.once('data', (chunk) => {
        resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1]));
        socket.destroy();
      });
      socket.once('error', reject);
    });
  }

  function paddedTarget(bytes: number): string {
    const prefix = '/services/data/?pad=';
    return prefix + 'x'.repeat(bytes - prefix.length);
  }

  it('counts URI + headers against the 16,384-byte limit, exactly', async () => {
    const headerBytes = 'Host: x\r\n'.length;
    expect(await rawGetStatus(paddedTarget(16_384 - headerBytes))).toBe(200);
    expect(await rawGetStatus(paddedTarget(16_384 - headerBytes + 1))).toBe(414);
  });

  it('answers 414 with a body to an IN list too long for the URI, without running it', async () => {
    const emails = Array.from({ length: 600 }, (_, i) => `'person${i}@example.com'`).join(',');
    const response = await query(`SELECT Id FROM Contact WHERE Email IN (${emails})`);
    expect(response.status).toBe(414);
    expect(await response.text()).toContain('414');
    expect(emulator.counters).toMatchObject({ query: 0, other: 1 });
  });

  it('answers 431 when the headers alone are too large', async () => {
    const response = await get('/services/data/', undefined, { 'X-Padding': 'x'.repeat(20_000) });
    expect(response.status).toBe(431);
  });
});

describe('faults and latency', () => {
  it('serves a queued fault once, then behaves normally', async () => {
    const token = await accessToken();
    emulator.queueFault('query', { status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'down' }] });
    expect((await query('SELECT Id FROM Contact', token)).status).toBe(503);
    expect((await query('SELECT Id FROM Contact', token)).status).toBe(200);
  });

  it('counts a token fault as a failure', async () => {
    emulator.queueFault('token', { status: 500 });
    expect((await requestToken()).status).toBe(500);
    expect(emulator.counters).toMatchObject({ token: 1, tokenFailures: 1 });
  });

  it('can drop the connection', async () => {
    emulator.queueFault('versions', { status: 0, destroySocket: true });
    await expect(get('/services/data/')).rejects.toThrow();
    expect(emulator.requests[0]?.status).toBe(0);
  });

  it('holds the next answer of a kind until released, then answers as usual', async () => {
    const token = await accessToken();
    const hold = emulator.holdNext('query');
    let answered = false;
    const pending = query('SELECT Id FROM Contact', token).then((response) => {
      answered = true;
      return response;
    });
    await hold.arrived;
    // The answer waits while other kinds (and later queries) are served.
    expect((await get('/services/data/')).status).toBe(200);
    expect((await query('SELECT Id FROM Contact', token)).status).toBe(200);
    expect(answered).toBe(false);
    hold.release();
    expect((await pending).status).toBe(200);
  });

  it('adds latency to every response', async () => {
    emulator.setLatency(150);
    const started = Date.now();
    await get('/services/data/');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

interface DescribeField {
  name: string;
  type: string;
  label: string;
  custom: boolean;
  filterable: boolean;
  nillable: boolean;
  updateable: boolean;
  length: number;
  compoundFieldName: string | null;
  relationshipName: string | null;
  referenceTo: string[];
}

async function describeContact(token?: string): Promise<Response> {
  return get(`/services/data/${V}/sobjects/Contact/describe`, token ?? (await accessToken()));
}

async function describedFields(): Promise<Map<string, DescribeField>> {
  const response = await describeContact();
  expect(response.status).toBe(200);
  const body = (await response.json()) as { name: string; fields: DescribeField[] };
  expect(body.name).toBe('Contact');
  return new Map(body.fields.map((field) => [field.name, field]));
}

describe('query floods', () => {
  it('endless_pages answers full pages with a nextRecordsUrl, then done once maxPages is reached', async () => {
    emulator.setQueryFlood({ kind: 'endless_pages', recordsPerPage: 3, recordBytes: 100, maxPages: 3 });
    const token = await accessToken();
    const first = (await (await query("SELECT Id, Email, Title FROM Contact WHERE Email = 'grace@example.com'", token)).json()) as QueryBody;
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(3);
    expect(first.records[0]).toMatchObject({ Email: 'grace@example.com', Title: 'x'.repeat(100) });
    const second = (await (await get(first.nextRecordsUrl ?? '', token)).json()) as QueryBody;
    expect(second.done).toBe(false);
    const third = (await (await get(second.nextRecordsUrl ?? '', token)).json()) as QueryBody;
    expect(third).toMatchObject({ done: true });
    expect(third.nextRecordsUrl).toBeUndefined();
    expect(emulator.floodCounters.pages).toBe(3);
    emulator.setQueryFlood(null);
    expect((await queryRecords("SELECT Id FROM Contact WHERE Email = 'grace@example.com'")).records).toHaveLength(1);
  });

  it('endless_body writes records for as long as the client reads, up to maxBytes', async () => {
    emulator.setQueryFlood({ kind: 'endless_body', maxBytes: 1024 * 1024 });
    const body = (await (await query('SELECT Id FROM Contact')).json()) as QueryBody;
    expect(body.done).toBe(true);
    expect(body.records.length).toBeGreaterThan(50);
    expect(emulator.floodCounters.bytesWritten).toBeGreaterThanOrEqual(1024 * 1024);
  });
});

describe('describe', () => {
  it('describes the standard fields, lookups with their relationship, and the compound MailingAddress', async () => {
    const fields = await describedFields();
    expect(fields.get('Email')).toMatchObject({ type: 'email', label: 'Email', custom: false, filterable: true });
    expect(fields.get('AccountId')).toMatchObject({ type: 'reference', relationshipName: 'Account', referenceTo: ['Account'] });
    expect(fields.get('OwnerId')).toMatchObject({ type: 'reference', relationshipName: 'Owner', referenceTo: ['User'] });
    expect(fields.get('Email')).toMatchObject({ relationshipName: null, referenceTo: [], compoundFieldName: null });
    expect(fields.get('MailingAddress')).toMatchObject({ type: 'address', label: 'Mailing Address', compoundFieldName: null, filterable: false });
    expect(fields.get('MailingStreet')).toMatchObject({ type: 'string', compoundFieldName: 'MailingAddress' });
    expect(fields.get('MailingCity')).toMatchObject({ type: 'string', compoundFieldName: 'MailingAddress' });
  });

  it('counts each describe call and carries Sforce-Limit-Info, also on 404', async () => {
    const token = await accessToken();
    expect((await describeContact(token)).headers.get('sforce-limit-info')).toBe('api-usage=1/100000');
    const lead = await get(`/services/data/${V}/sobjects/Lead/describe`, token);
    expect(lead.status).toBe(404);
    expect(lead.headers.get('sforce-limit-info')).toBe('api-usage=2/100000');
    expect(emulator.counters).toMatchObject({ describe: 2, query: 0, other: 0 });
    emulator.resetCounters();
    expect(emulator.counters.describe).toBe(0);
  });

  it('serves a queued describe fault once', async () => {
    const token = await accessToken();
    emulator.queueFault('describe', { status: 503 });
    expect((await describeContact(token)).status).toBe(503);
    expect((await describeContact(token)).status).toBe(200);
    expect(emulator.counters.describe).toBe(2);
  });

  it('answers 401 INVALID_SESSION_ID without a valid token', async () => {
    const response = await get(`/services/data/${V}/sobjects/Contact/describe`, 'bogus');
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  });
});

describe('Owner relationship', () => {
  const OWNED: EmulatorContact[] = [
    { Id: '003000000000011AAA', Email: 'a@example.com', OwnerId: '005000000000001AAA', OwnerName: 'Olive Owner', OwnerEmail: 'olive@example.com' },
    { Id: '003000000000012AAA', Email: 'b@example.com', OwnerId: null },
    { Id: '003000000000013AAA', Email: 'c@example.com' },
  ];

  beforeEach(() => emulator.setContacts(OWNED));

  it('nests Owner fields under a User, or answers Owner: null without an owner', async () => {
    const body = await queryRecords('SELECT Id, OwnerId, Owner.Id, Owner.Name, Owner.Email FROM Contact');
    expect(body.records[0]).toEqual({
      attributes: { type: 'Contact', url: `/services/data/${V}/sobjects/Contact/003000000000011AAA` },
      Id: '003000000000011AAA',
      OwnerId: '005000000000001AAA',
      Owner: {
        attributes: { type: 'User', url: `/services/data/${V}/sobjects/User/005000000000001AAA` },
        Id: '005000000000001AAA',
        Name: 'Olive Owner',
        Email: 'olive@example.com',
      },
    });
    expect(body.records[1]).toMatchObject({ OwnerId: null, Owner: null });
    expect(body.records[2]).toMatchObject({ OwnerId: null, Owner: null });
  });

  it('filters on Owner fields case-insensitively', async () => {
    const body = await queryRecords("SELECT Id FROM Contact WHERE owner.email = 'OLIVE@example.com'");
    expect(body.records.map((record) => record.Id)).toEqual(['003000000000011AAA']);
  });

  it('refuses an unknown User field, and the relationship once OwnerId is hidden', async () => {
    const unknown = await queryError('SELECT Owner.Phone FROM Contact');
    expect(unknown).toMatchObject({ status: 400, errorCode: 'INVALID_FIELD' });
    expect(unknown.message).toContain("No such column 'Phone' on entity 'User'.");
    emulator.setHiddenFields(['OwnerId']);
    const hidden = await queryError('SELECT Owner.Name FROM Contact');
    expect(hidden).toMatchObject({ status: 400, errorCode: 'INVALID_FIELD' });
    expect(hidden.message).toContain("Didn't understand relationship 'Owner' in field path.");
  });

  it('does not take OwnerName or OwnerEmail for Contact fields', async () => {
    expect((await describedFields()).has('OwnerName')).toBe(false);
    expect(await queryError('SELECT OwnerEmail FROM Contact')).toMatchObject({ errorCode: 'INVALID_FIELD' });
  });
});

describe('declared fields', () => {
  const TYPED: EmulatorContact = {
    Id: '003000000000021AAA',
    Email: 'typed@example.com',
    is_vip__c: true,
    Score__c: '4.5',
    Revenue__c: 1200.5,
    Seats__c: 12,
    Renewal_Date__c: '2024-05-01',
    Last_Seen__c: '2024-05-01T10:00:00Z',
    Interests__c: ['Chess', 'Go'],
    Region__c: 'EMEA',
    Office__c: { street: '1 Main St', city: 'Springfield' },
  };

  beforeEach(async () => {
    await emulator.close();
    emulator = await SalesforceEmulator.start({
      apps: [APP],
      contacts: [TYPED, { Id: '003000000000022AAA', Email: 'bare@example.com', MailingCity: 'Paris' }],
      fields: [
        { name: 'Is_VIP__c', type: 'boolean' },
        { name: 'Score__c', type: 'double' },
        { name: 'Revenue__c', type: 'currency', label: 'Annual Revenue' },
        { name: 'Seats__c', type: 'int' },
        { name: 'Renewal_Date__c', type: 'date' },
        { name: 'Last_Seen__c', type: 'datetime' },
        { name: 'Interests__c', type: 'multipicklist' },
        { name: 'Office__c', type: 'address' },
      ],
    });
    emulator.defineFields([
      { name: 'Region__c', type: 'picklist', picklistValues: ['EMEA', 'AMER'] },
      { name: 'Department', type: 'picklist', custom: false },
    ]);
  });

  it('lists declared fields in describe with their type, label, custom flag and read-only access', async () => {
    const fields = await describedFields();
    expect(fields.get('Is_VIP__c')).toEqual({
      name: 'Is_VIP__c',
      label: 'Is VIP',
      type: 'boolean',
      custom: true,
      length: 0,
      filterable: true,
      sortable: true,
      nillable: false,
      updateable: false,
      createable: false,
      compoundFieldName: null,
      relationshipName: null,
      referenceTo: [],
      picklistValues: [],
    });
    expect(fields.get('Revenue__c')).toMatchObject({ type: 'currency', label: 'Annual Revenue', custom: true, nillable: true });
    expect(fields.get('Region__c')).toMatchObject({
      type: 'picklist',
      label: 'Region',
      length: 255,
      filterable: true,
      picklistValues: [
        { active: true, defaultValue: true, label: 'EMEA', validFor: null, value: 'EMEA' },
        { active: true, defaultValue: false, label: 'AMER', validFor: null, value: 'AMER' },
      ],
    });
    expect(fields.get('Office__c')).toMatchObject({ type: 'address', filterable: false });
    expect(fields.get('Department')).toMatchObject({ type: 'picklist', custom: false, label: 'Department' });
    expect([...fields.keys()].filter((name) => name.toLowerCase() === 'is_vip__c')).toEqual(['Is_VIP__c']);
  });

  it('renders values as JSON of their type, read case-insensitively, absent as null', async () => {
    const body = await queryRecords(
      'SELECT Is_VIP__c, Score__c, Revenue__c, Seats__c, Renewal_Date__c, Last_Seen__c, Interests__c, Region__c, Office__c FROM Contact ORDER BY Email DESC',
    );
    expect(body.records[0]).toEqual({
      attributes: expect.any(Object),
      Is_VIP__c: true,
      Score__c: 4.5,
      Revenue__c: 1200.5,
      Seats__c: 12,
      Renewal_Date__c: '2024-05-01',
      Last_Seen__c: '2024-05-01T10:00:00.000+0000',
      Interests__c: 'Chess;Go',
      Region__c: 'EMEA',
      Office__c: {
        city: 'Springfield',
        country: null,
        geocodeAccuracy: null,
        latitude: null,
        longitude: null,
        postalCode: null,
        state: null,
        street: '1 Main St',
      },
    });
    expect(body.records[1]).toMatchObject({ Is_VIP__c: null, Score__c: null, Renewal_Date__c: null, Office__c: null });
  });

  it('builds MailingAddress from its components', async () => {
    const body = await queryRecords('SELECT MailingAddress, MailingCity FROM Contact ORDER BY Email');
    expect(body.records[0]).toMatchObject({ MailingAddress: expect.objectContaining({ city: 'Paris', street: null }), MailingCity: 'Paris' });
    expect(body.records[1]).toMatchObject({ MailingAddress: null });
  });

  it('filters with typed literals and refuses mismatched ones', async () => {
    const vip = await queryRecords('SELECT Id FROM Contact WHERE Is_VIP__c = TRUE AND Seats__c = 12 AND Score__c IN (4.5, 7)');
    expect(vip.records.map((record) => record.Id)).toEqual(['003000000000021AAA']);
    const quoted = await queryError("SELECT Id FROM Contact WHERE Is_VIP__c = 'true'");
    expect(quoted).toMatchObject({ status: 400, errorCode: 'INVALID_FIELD' });
    expect(quoted.message).toContain("value of filter criterion for field 'Is_VIP__c' must be of type boolean and should not be enclosed in quotes");
    const unquoted = await queryError('SELECT Id FROM Contact WHERE Email = 5');
    expect(unquoted.message).toContain("value of filter criterion for field 'Email' must be of type string and should be enclosed in quotes");
    expect(await queryError('SELECT Id FROM Contact LIMIT -1')).toMatchObject({ errorCode: 'MALFORMED_QUERY' });
  });

  it('refuses to filter or sort on a compound field', async () => {
    const filtered = await queryError("SELECT Id FROM Contact WHERE MailingAddress = 'x'");
    expect(filtered).toMatchObject({ status: 400, errorCode: 'INVALID_FIELD' });
    expect(filtered.message).toContain("field 'MailingAddress' can not be filtered in a query call");
    const sorted = await queryError('SELECT Id FROM Contact ORDER BY Office__c');
    expect(sorted.message).toContain("field 'Office__c' can not be sorted in a query call");
  });

  it('hides a declared field by field-level security at runtime: gone from describe, INVALID_FIELD in a query', async () => {
    expect((await queryRecords('SELECT Region__c FROM Contact')).totalSize).toBe(2);
    emulator.setHiddenFields(['region__C']);
    expect((await describedFields()).has('Region__c')).toBe(false);
    const error = await queryError('SELECT Id, Region__c FROM Contact');
    expect(error).toMatchObject({ status: 400, errorCode: 'INVALID_FIELD' });
    expect(error.message).toContain("No such column 'Region__c' on entity 'Contact'.");
    expect(error.message).toContain('ERROR at Row:1:Column:12');
    emulator.setHiddenFields([]);
    expect((await describedFields()).get('Region__c')).toMatchObject({ type: 'picklist' });
  });
});

describe('Email hidden by field-level security', () => {
  beforeEach(() => emulator.setHiddenFields(['Email']));

  it('leaves Email out of describe', async () => {
    const fields = await describedFields();
    expect(fields.has('Email')).toBe(false);
    expect(fields.has('Id')).toBe(true);
  });

  it.each([
    ['selecting', 'SELECT Id, Email FROM Contact'],
    ['filtering on', "SELECT Id FROM Contact WHERE Email IN ('ada@example.com')"],
    ['sorting by', 'SELECT Id FROM Contact ORDER BY Email'],
  ])('answers INVALID_FIELD to %s it', async (_case, soql) => {
    const error = await queryError(soql);
    expect(error).toMatchObject({ status: 400, errorCode: 'INVALID_FIELD' });
    expect(error.message).toContain("No such column 'Email' on entity 'Contact'.");
  });
});

describe('object access', () => {
  const NOT_FOUND = [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }];

  it('answers 404 to describe and INVALID_TYPE to a query once Contact is unreadable, until readable again', async () => {
    const token = await accessToken();
    emulator.setContactReadable(false);
    const describeResponse = await describeContact(token);
    expect(describeResponse.status).toBe(404);
    expect(await describeResponse.json()).toEqual(NOT_FOUND);
    expect(describeResponse.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/100000$/);
    const error = await queryError('SELECT Id FROM Contact');
    expect(error).toMatchObject({ status: 400, errorCode: 'INVALID_TYPE' });
    expect(error.message).toContain("sObject type 'Contact' is not supported.");
    emulator.setContactReadable(true);
    expect((await describeContact(token)).status).toBe(200);
    expect((await query('SELECT Id FROM Contact', token)).status).toBe(200);
  });

  it('takes contactReadable as an option', async () => {
    await emulator.close();
    emulator = await SalesforceEmulator.start({ apps: [APP], contactReadable: false });
    expect((await describeContact()).status).toBe(404);
    expect(await queryError('SELECT Id FROM Contact')).toMatchObject({ status: 400, errorCode: 'INVALID_TYPE' });
  });
});
