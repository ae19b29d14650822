/**
 * Authenticated REST calls (notes §2, §4, §5): one retry with a new token on an expired session and never a loop,
 * error kinds, query paging; and the read-only guard of the HTTP layer.
 */
import { SalesforceClient } from '../../src/salesforce/client';
import { assertReadOnlyRequest } from '../../src/salesforce/http';
import { LOOKUP_TOO_LARGE_CODE, QueryBudget } from '../../src/salesforce/lookupLimits';
import { TENANT_RATE_LIMITED_CODE, TenantRateLimiter } from '../../src/salesforce/tenantRateLimiter';
import type { SalesforceToken } from '../../src/salesforce/oauth';
import { RequestSlots } from '../../src/salesforce/requestSlots';
import { TokenManager } from '../../src/salesforce/tokens';
import { FakeHttp, fakeToken, jsonResponse, textResponse, type GetHandler } from './helpers';
import { failureOf } from '../support/promises';

const INSTANCE_URL = 'https://acme.my.salesforce.com';
const SOQL = "SELECT Id FROM Contact WHERE Email IN ('a@x.com')";

const EXPIRED = jsonResponse(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
const NOT_FOR_REST = jsonResponse(401, [{ message: 'This session is not valid for use with the REST API', errorCode: 'INVALID_SESSION_ID' }]);

function page(records: unknown[], nextRecordsUrl?: string) {
  return jsonResponse(200, {
    totalSize: records.length,
    done: nextRecordsUrl === undefined,
    ...(nextRecordsUrl === undefined ? {} : { nextRecordsUrl }),
    records,
  });
}

function contact(id: string) {
  return { attributes: { type: 'Contact', url: `/services/data/v60.0/sobjects/Contact/${id}` }, Id: id };
}

/** A client over a scripted fake http and a real TokenManager; fetchToken hands out tok-1, tok-2, … */
function setUp(script: Array<ReturnType<typeof jsonResponse> | GetHandler> = [], fallback?: GetHandler) {
  const http = new FakeHttp(script, fallback);
  let issued = 0;
  const fetchToken = jest.fn(async (): Promise<SalesforceToken> => fakeToken(`tok-${++issued}`));
  const client = new SalesforceClient(
    { tenantId: 'tenant', credentialsId: 'creds', instanceUrl: INSTANCE_URL, apiVersion: 'v60.0' },
    { http: http.asHttp(), tokens: new TokenManager({ maxTenants: 10, idleTtlMs: 60_000 }).sourceFor('tenant', 'creds', fetchToken) },
  );
  return { http, fetchToken, client };
}

describe('SalesforceClient.query', () => {
  it('GETs /services/data/<version>/query?q=<encoded SOQL> on the instance with a Bearer token', async () => {
    const { http, client } = setUp([page([contact('003A')])]);
    await expect(client.query(SOQL)).resolves.toEqual([contact('003A')]);

    expect(http.gets).toHaveLength(1);
    const sent = new URL(http.gets[0]?.url ?? '');
    expect(sent.origin).toBe(INSTANCE_URL);
    expect(sent.pathname).toBe('/services/data/v60.0/query');
    expect(sent.searchParams.get('q')).toBe(SOQL);
    expect(http.gets[0]?.headers).toMatchObject({ authorization: 'Bearer tok-1' });
  });

  it('on 401 INVALID_SESSION_ID gets exactly one new token and retries exactly once', async () => {
    const { http, fetchToken, client } = setUp([EXPIRED, page([contact('003A')])]);
    await expect(client.query(SOQL)).resolves.toEqual([contact('003A')]);

    expect(fetchToken).toHaveBeenCalledTimes(2); // the first token, then one new one
    expect(http.gets.map((get) => get.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(http.gets[1]?.url).toBe(http.gets[0]?.url);
  });

  it('keeps the new token for later calls', async () => {
    const { http, fetchToken, client } = setUp([EXPIRED, page([]), page([])]);
    await client.query(SOQL);
    await client.query(SOQL);
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(http.gets.at(-1)?.headers.authorization).toBe('Bearer tok-2');
  });

  it('on a second 401 fails with kind auth after exactly 2 GETs and 2 token fetches (never a loop)', async () => {
    const { http, fetchToken, client } = setUp([], () => EXPIRED);
    const error = await failureOf(client.query(SOQL));

    expect(error.kind).toBe('auth');
    expect(http.gets).toHaveLength(2);
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it('does not retry a 401 "not valid for use with the REST API" (a new token cannot fix it)', async () => {
    const { http, fetchToken, client } = setUp([], () => NOT_FOR_REST);
    const error = await failureOf(client.query(SOQL));

    expect(error.kind).toBe('auth');
    expect(http.gets).toHaveLength(1);
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it('shares one new token among 10 concurrent queries that all hit 401 at once', async () => {
    const arrived: Array<() => void> = [];
    let releaseAll!: () => void;
    const allArrived = new Promise<void>((resolve) => (releaseAll = resolve));
    const { http, fetchToken, client } = setUp([], async (_url, headers) => {
      if (headers.authorization === 'Bearer tok-1') {
        // Hold every first attempt until all 10 are in flight, then answer them all 401.
        await new Promise<void>((resolve) => {
          arrived.push(resolve);
          if (arrived.length === 10) releaseAll();
        });
        return EXPIRED;
      }
      return page([contact('003A')]);
    });
    void allArrived.then(() => arrived.forEach((release) => release()));

    const results = await Promise.all(Array.from({ length: 10 }, () => client.query(SOQL)));

    expect(results).toEqual(Array.from({ length: 10 }, () => [contact('003A')]));
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(http.gets).toHaveLength(20);
    expect(http.gets.filter((get) => get.headers.authorization === 'Bearer tok-2')).toHaveLength(10);
  });

  it.each([
    ['403 REQUEST_LIMIT_EXCEEDED', 'rate_limited', jsonResponse(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }])],
    ['400 MALFORMED_QUERY', 'rejected', jsonResponse(400, [{ message: 'unexpected token', errorCode: 'MALFORMED_QUERY' }])],
    ['400 INVALID_FIELD', 'rejected', jsonResponse(400, [{ message: "No such column 'Tier__c' on entity 'Contact'", errorCode: 'INVALID_FIELD' }])],
    ['403 API_DISABLED_FOR_ORG', 'rejected', jsonResponse(403, [{ message: 'The REST API is not enabled for this Organization.', errorCode: 'API_DISABLED_FOR_ORG' }])],
  ])('%s → kind %s, not retried', async (_what, kind, response) => {
    const { http, fetchToken, client } = setUp([], () => response);
    const error = await failureOf(client.query(SOQL));

    expect(error.kind).toBe(kind);
    expect(http.gets).toHaveLength(1);
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['500', jsonResponse(500, [{ message: 'An unexpected error occurred', errorCode: 'UNKNOWN_EXCEPTION' }])],
    ['503 (maintenance, HTML)', textResponse(503, '<html><body>Down for maintenance</body></html>')],
    ['200 with a body that is not JSON', textResponse(200, '<html>Login</html>')],
    ['200 JSON without records', jsonResponse(200, { totalSize: 0, done: true })],
  ])('%s → kind unavailable, without asking for a new token', async (_what, response) => {
    const { fetchToken, client } = setUp([], () => response);
    expect((await failureOf(client.query(SOQL))).kind).toBe('unavailable');
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it('follows nextRecordsUrl through 3 pages and concatenates the records in order', async () => {
    const { http, client } = setUp([
      page([contact('003A'), contact('003B')], '/services/data/v60.0/query/01gxx0000002AbC-2000'),
      page([contact('003C')], '/services/data/v60.0/query/01gxx0000002AbC-4000'),
      page([contact('003D')]),
    ]);

    await expect(client.query(SOQL)).resolves.toEqual(['003A', '003B', '003C', '003D'].map(contact));
    expect(http.gets.map((get) => get.url).slice(1)).toEqual([
      `${INSTANCE_URL}/services/data/v60.0/query/01gxx0000002AbC-2000`,
      `${INSTANCE_URL}/services/data/v60.0/query/01gxx0000002AbC-4000`,
    ]);
    expect(http.gets.every((get) => get.headers.authorization === 'Bearer tok-1')).toBe(true);
  });

  it('retries an expired session on a later page too', async () => {
    const { http, client } = setUp([
      page([contact('003A')], '/services/data/v60.0/query/01gxx0000002AbC-2000'),
      EXPIRED,
      page([contact('003B')]),
    ]);
    await expect(client.query(SOQL)).resolves.toEqual([contact('003A'), contact('003B')]);
    expect(http.gets).toHaveLength(3);
  });

  it('follows a nextRecordsUrl spelled as an absolute URL on the instance itself', async () => {
    const { http, client } = setUp([page([contact('003A')], `${INSTANCE_URL}/services/data/v60.0/query/01g-2000`), page([contact('003B')])]);
    await expect(client.query(SOQL)).resolves.toEqual([contact('003A'), contact('003B')]);
    expect(http.gets[1]?.url).toBe(`${INSTANCE_URL}/services/data/v60.0/query/01g-2000`);
  });

  it('fails with kind unavailable on done:false without nextRecordsUrl', async () => {
    const { client } = setUp([jsonResponse(200, { totalSize: 5000, done: false, records: [contact('003A')] })]);
    expect((await failureOf(client.query(SOQL))).kind).toBe('unavailable');
  });

  it.each([
    ['another host', 'https://evil.example.com/services/data/v60.0/query/01g-2000'],
    ['a protocol-relative URL', '//evil.example.com/services/data/v60.0/query/01g-2000'],
    ['a relative path', 'services/data/v60.0/query/01g-2000'],
    ['another REST area', '/services/apexrest/Exfiltrate'],
    ['the OAuth endpoints', '/services/oauth2/token'],
    ['.. out of /services/data/', '/services/data/../apexrest/Exfiltrate'],
    ['percent-encoded .. out of /services/data/', '/services/data/%2e%2e/apexrest/Exfiltrate'],
    ['upper-case percent-encoded ..', '/services/data/v60.0/%2E%2E/%2E%2E/apexrest/Exfiltrate'],
    ['mixed .%2e', '/services/data/.%2e/apexrest/Exfiltrate'],
  ])('refuses a nextRecordsUrl to %s without sending anything to it (%j)', async (_what, nextRecordsUrl) => {
    const { http, client } = setUp([page([contact('003A')], nextRecordsUrl)], () => page([]));
    const error = await failureOf(client.query(SOQL));

    expect(error.kind).toBe('unavailable');
    expect(http.gets.map((get) => get.url)).toHaveLength(1);
  });
});

describe('SalesforceClient limits', () => {
  /** Endless pages of `perPage` records each (ids numbered on), every one with a nextRecordsUrl. */
  function endless(perPage: number, pad = 0): GetHandler {
    let served = 0;
    return () => {
      const records = Array.from({ length: perPage }, () => ({ ...contact(`003${String(served++).padStart(15, '0')}`), Pad: 'x'.repeat(pad) }));
      return page(records, `/services/data/v60.0/query/01gxx0000002AbC-${served}`);
    };
  }

  it('stops asking for pages once a lookup has read more records than its budget, and fails with LOOKUP_TOO_LARGE', async () => {
    const { http, client } = setUp([], endless(3));
    const exceeded: unknown[] = [];
    const budget = new QueryBudget({ maxRecords: 10, maxBytes: 1e9 }, 0, (...args) => exceeded.push(args));
    const error = await failureOf(client.query(SOQL, { budget }));
    expect(error).toMatchObject({ kind: 'unavailable', errorCode: LOOKUP_TOO_LARGE_CODE });
    expect(http.gets).toHaveLength(4); // 12 records > 10: no fifth page
    expect(exceeded).toEqual([['lookup_records', 12, expect.any(Number)]]);
  });

  it('stops on the bytes read as well', async () => {
    const { http, client } = setUp([], endless(1, 10_000));
    const budget = new QueryBudget({ maxRecords: 1e9, maxBytes: 25_000 }, 0);
    expect((await failureOf(client.query(SOQL, { budget }))).errorCode).toBe(LOOKUP_TOO_LARGE_CODE);
    expect(http.gets).toHaveLength(3);
  });

  it('shares the budget between the queries of one lookup: once spent, no query asks for another page', async () => {
    const { http, client } = setUp([], endless(4));
    const budget = new QueryBudget({ maxRecords: 10, maxBytes: 1e9 }, 0);
    const results = await Promise.allSettled([client.query(SOQL, { budget }), client.query(SOQL, { budget })]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(http.gets.length).toBeLessThanOrEqual(4); // 3 pages of 4 pass 10; at most one more was already under way
    await expect(client.query(SOQL, { budget })).rejects.toMatchObject({ errorCode: LOOKUP_TOO_LARGE_CODE });
    expect(http.gets.length).toBeLessThanOrEqual(4);
  });

  it('reads a lookup of exactly its budget in full, and refuses one record more', async () => {
    const twoPages = () => [page([contact('003A')], '/services/data/v60.0/query/01g-1'), page([contact('003B')])];
    const { client } = setUp(twoPages());
    await expect(client.query(SOQL, { budget: new QueryBudget({ maxRecords: 2, maxBytes: 1e9 }, 0) })).resolves.toHaveLength(2);
    const { client: over } = setUp(twoPages());
    expect((await failureOf(over.query(SOQL, { budget: new QueryBudget({ maxRecords: 1, maxBytes: 1e9 }, 0) }))).errorCode).toBe(LOOKUP_TOO_LARGE_CODE);
  });

  it('takes a rate token for every call, first page and further pages, before the circuit breaker sees it', async () => {
    const http = new FakeHttp([page([contact('003A')], '/services/data/v60.0/query/01g-1'), page([contact('003B')])]);
    const order: string[] = [];
    const client = new SalesforceClient(
      { tenantId: 'tenant', credentialsId: 'creds', instanceUrl: INSTANCE_URL, apiVersion: 'v60.0' },
      {
        http: http.asHttp(),
        tokens: new TokenManager({ maxTenants: 10, idleTtlMs: 60_000 }).sourceFor('tenant', 'creds', async () => fakeToken('tok')),
        rateLimiter: { take: (tenantId) => order.push(`take ${tenantId}`) },
        guard: () => ({ admit: () => order.push('admit'), succeeded: () => order.push('succeeded'), failed: () => order.push('failed') }),
      },
    );
    await client.query(SOQL);
    expect(order).toEqual(['take tenant', 'admit', 'succeeded', 'take tenant', 'admit', 'succeeded']);
  });

  it('fails a call over the tenant\'s rate at once: nothing is sent and the circuit breaker is not told', async () => {
    const http = new FakeHttp([], () => page([]));
    const guardCalls: string[] = [];
    const client = new SalesforceClient(
      { tenantId: 'tenant', credentialsId: 'creds', instanceUrl: INSTANCE_URL, apiVersion: 'v60.0' },
      {
        http: http.asHttp(),
        tokens: new TokenManager({ maxTenants: 10, idleTtlMs: 60_000 }).sourceFor('tenant', 'creds', async () => fakeToken('tok')),
        rateLimiter: new TenantRateLimiter({ callsPerSecond: 1, burst: 1, maxTenants: 10 }),
        guard: () => ({ admit: () => guardCalls.push('admit'), succeeded: () => guardCalls.push('succeeded'), failed: () => guardCalls.push('failed') }),
      },
    );
    await client.query(SOQL);
    const error = await failureOf(client.query(SOQL));
    expect(error).toMatchObject({ kind: 'rate_limited', errorCode: TENANT_RATE_LIMITED_CODE });
    expect(http.gets).toHaveLength(1);
    expect(guardCalls).toEqual(['admit', 'succeeded']);
  });
});

describe('SalesforceClient after its connection is retired', () => {
  /** A client whose credentials the test retires (a disconnect or a reconnect, as the directory reports it). */
  function retirable(script: Array<ReturnType<typeof jsonResponse> | GetHandler>) {
    const http = new FakeHttp(script);
    const tokens = new TokenManager({ maxTenants: 10, idleTtlMs: 60_000 });
    const slots = new RequestSlots({ perTenant: 1 });
    const client = new SalesforceClient(
      { tenantId: 'tenant', credentialsId: 'old', instanceUrl: INSTANCE_URL, apiVersion: 'v60.0' },
      { http: http.asHttp(), tokens: tokens.sourceFor('tenant', 'old', async () => fakeToken('tok-old')), slots },
    );
    return { http, tokens, slots, client };
  }

  it('sends nothing once the credentials are retired', async () => {
    const { http, tokens, client } = retirable([page([])]);
    tokens.retire('tenant', 'new');
    expect((await failureOf(client.query(SOQL))).errorCode).toBe('CONNECTION_CHANGED');
    expect(http.gets).toHaveLength(0);
  });

  it('does not send a call that was waiting for a request slot when the credentials were retired', async () => {
    const { http, tokens, slots, client } = retirable([page([])]);
    await client.query(SOQL); // the token is cached now
    let release!: () => void;
    const held = slots.run('tenant', undefined, () => new Promise<void>((resolve) => (release = resolve)));
    const waiting = client.query(SOQL);
    await new Promise((resolve) => setImmediate(resolve));
    tokens.drop('tenant'); // disconnected while the query waits for the slot
    release();
    await held;
    expect((await failureOf(waiting)).errorCode).toBe('CONNECTION_CHANGED');
    expect(http.gets).toHaveLength(1);
  });
});

describe('assertReadOnlyRequest', () => {
  it.each([
    ['GET', `${INSTANCE_URL}/services/data/`],
    ['GET', `${INSTANCE_URL}/services/data/v60.0/query?q=SELECT+Id+FROM+Contact`],
    ['GET', `${INSTANCE_URL}/services/data/v60.0/sobjects/Contact/describe`],
    ['POST', `${INSTANCE_URL}/services/oauth2/token`],
    ['POST', `${INSTANCE_URL}/services/oauth2/revoke`],
  ])('allows %s %s', (method, url) => {
    expect(() => assertReadOnlyRequest(method as 'GET' | 'POST', new URL(url))).not.toThrow();
  });

  it.each([
    ['POST', `${INSTANCE_URL}/services/data/v60.0/sobjects/Contact`],
    ['POST', `${INSTANCE_URL}/services/data/v60.0/composite`],
    ['GET', `${INSTANCE_URL}/services/oauth2/token`],
    ['GET', `${INSTANCE_URL}/services/oauth2/revoke?token=abc`],
    ['GET', `${INSTANCE_URL}/services/apexrest/Anything`],
    ['GET', `${INSTANCE_URL}/services/database`],
    ['GET', `${INSTANCE_URL}/services/data/%2e%2e/apexrest/Anything`],
    ['POST', `${INSTANCE_URL}/services/oauth2/introspect`],
    ['POST', `${INSTANCE_URL}/services/oauth2/token/../../data/v60.0/sobjects/Contact`],
    ['PATCH', `${INSTANCE_URL}/services/data/v60.0/sobjects/Contact/003A`],
    ['PATCH', `${INSTANCE_URL}/services/oauth2/token`],
    ['PUT', `${INSTANCE_URL}/services/oauth2/revoke`],
    ['DELETE', `${INSTANCE_URL}/services/data/v60.0/sobjects/Contact/003A`],
    ['DELETE', `${INSTANCE_URL}/services/oauth2/token`],
  ])('refuses %s %s', (method, url) => {
    // The signature only admits GET and POST; the guard must still refuse anything else at run time.
    expect(() => assertReadOnlyRequest(method as 'GET' | 'POST', new URL(url))).toThrow(/Refusing/);
  });
});
