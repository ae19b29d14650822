/**
 * SalesforceHttp's retries against a real local server whose every answer the test scripts: which failures are
 * retried (GETs and the token request; network errors, timeouts, 429 and 5xx), how often, never past the caller's
 * deadline, honouring Retry-After; and what the metrics observer is told about each attempt.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SalesforceError } from '../../src/salesforce/errors';
import {
  type HttpObserver,
  type SalesforceHttpOptions,
  type SalesforceRequestKind,
  type SalesforceRequestOutcome,
  SalesforceHttp,
  requestKind,
} from '../../src/salesforce/http';

type Step = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Answer with `status` (and headers), a small JSON body. */
function answer(status: number, headers: Record<string, string> = {}): Step {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(status < 300 ? { ok: true } : [{ errorCode: `E${status}`, message: 'scripted' }]));
  };
}

/** Start a 200 answer, then kill the connection before the body ends. */
const destroyMidResponse: Step = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
  res.write('{"records":[', () => res.socket?.destroy());
};

/** Kill the connection without a word. */
const destroyAtOnce: Step = (_req, res) => {
  res.socket?.destroy();
};

/** Never answer (the client's timeout must end it). */
const hang: Step = () => undefined;

/** Send the headers, then never finish the body. */
const hangMidBody: Step = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"records":[');
};

interface Scripted {
  url: string;
  hits: () => number;
  requests: Array<{ method: string; path: string }>;
  close: () => Promise<void>;
}

/** A server that plays `steps` one per request; past the script it answers 599 so a stray retry shows. */
async function serve(steps: Step[]): Promise<Scripted> {
  const requests: Array<{ method: string; path: string }> = [];
  const server = http.createServer((req, res) => {
    const step = steps[requests.length] ?? answer(599);
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    req.resume();
    step(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => requests.length,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

type Event = ['request', SalesforceRequestKind, SalesforceRequestOutcome] | ['retry', SalesforceRequestKind];

/** An observer that records every call, checking that `seconds` is a sane duration. */
function recordingObserver(): { observer: HttpObserver; events: Event[]; seconds: number[] } {
  const events: Event[] = [];
  const seconds: number[] = [];
  return {
    events,
    seconds,
    observer: {
      request: (kind, outcome, s) => {
        events.push(['request', kind, outcome]);
        seconds.push(s);
      },
      retry: (kind) => events.push(['retry', kind]),
    },
  };
}

const QUERY_PATH = '/services/data/v60.0/query?q=SELECT+Id+FROM+Contact';
const TIMEOUT_MS = 200;

describe('SalesforceHttp retries', () => {
  let server: Scripted | undefined;
  let client: SalesforceHttp | undefined;
  let recorded: ReturnType<typeof recordingObserver>;

  /** A client with a fast backoff, recording what its observer hears, and a server playing `steps`. */
  async function setup(steps: Step[], options: Partial<SalesforceHttpOptions> = {}) {
    server = await serve(steps);
    recorded = recordingObserver();
    client = new SalesforceHttp({ timeoutMs: TIMEOUT_MS, retry: { baseMs: 1 }, observer: recorded.observer, ...options });
    return { server, client, events: recorded.events };
  }

  /** The GET's response, or the error it threw. */
  function get(path = QUERY_PATH, deadline?: number): Promise<{ status: number } | unknown> {
    if (server === undefined || client === undefined) throw new Error('setup() first');
    return client.get(`${server.url}${path}`, {}, deadline === undefined ? {} : { deadline }).catch((error: unknown) => error);
  }

  afterEach(async () => {
    jest.restoreAllMocks();
    await client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
  });

  describe('GET', () => {
    it('retries 503, 503 and returns the 200 of the third attempt', async () => {
      const { server, events } = await setup([answer(503), answer(503), answer(200)]);
      expect(await get()).toMatchObject({ status: 200, body: '{"ok":true}' });
      expect(server.hits()).toBe(3);
      expect(events).toEqual([
        ['request', 'query', 'http_5xx'],
        ['retry', 'query'],
        ['request', 'query', 'http_5xx'],
        ['retry', 'query'],
        ['request', 'query', 'success'],
      ]);
      expect(server.requests.every((r) => r.method === 'GET' && r.path === QUERY_PATH)).toBe(true);
    });

    it('gives up after maxRetries (2): returns the third 503 after exactly 3 attempts', async () => {
      const { server, events } = await setup([answer(503), answer(503), answer(503), answer(200)]);
      expect(await get()).toMatchObject({ status: 503 });
      expect(server.hits()).toBe(3);
      expect(events.filter(([what]) => what === 'retry')).toHaveLength(2);
      expect(events.filter(([what]) => what === 'request')).toHaveLength(3);
    });

    it.each([
      [0, 1],
      [4, 5],
    ])('with maxRetries %i, gives up after %i attempt(s)', async (maxRetries, attempts) => {
      const { server } = await setup(Array.from({ length: 6 }, () => answer(503)), { retry: { baseMs: 1, maxRetries } });
      expect(await get()).toMatchObject({ status: 503 });
      expect(server.hits()).toBe(attempts);
    });

    it.each<[number, SalesforceRequestOutcome]>([
      [500, 'http_5xx'],
      [502, 'http_5xx'],
      [503, 'http_5xx'],
      [504, 'http_5xx'],
      [429, 'http_4xx'],
    ])('retries %i', async (status, outcome) => {
      const { server, events } = await setup([answer(status), answer(200)]);
      expect(await get()).toMatchObject({ status: 200 });
      expect(server.hits()).toBe(2);
      expect(events).toEqual([['request', 'query', outcome], ['retry', 'query'], ['request', 'query', 'success']]);
    });

    it.each([400, 401, 403, 404, 414, 431, 501])('does not retry %i', async (status) => {
      const { server, events } = await setup([answer(status), answer(200)]);
      expect(await get()).toMatchObject({ status });
      expect(server.hits()).toBe(1);
      expect(events).toEqual([['request', 'query', status >= 500 ? 'http_5xx' : 'http_4xx']]);
    });

    it('does not retry 403 REQUEST_LIMIT_EXCEEDED (the daily quota is spent)', async () => {
      const { server } = await setup([
        (_req, res) => {
          res.writeHead(403, { 'content-type': 'application/json' });
          res.end('[{"errorCode":"REQUEST_LIMIT_EXCEEDED","message":"TotalRequests Limit exceeded."}]');
        },
        answer(200),
      ]);
      expect(await get()).toMatchObject({ status: 403 });
      expect(server.hits()).toBe(1);
    });

    it('retries a connection destroyed mid-response', async () => {
      const { server, events } = await setup([destroyMidResponse, answer(200)]);
      expect(await get()).toMatchObject({ status: 200 });
      expect(server.hits()).toBe(2);
      expect(events).toEqual([['request', 'query', 'network_error'], ['retry', 'query'], ['request', 'query', 'success']]);
    });

    it('retries a connection destroyed before any answer', async () => {
      const { server, events } = await setup([destroyAtOnce, answer(200)]);
      expect(await get()).toMatchObject({ status: 200 });
      expect(server.hits()).toBe(2);
      expect(events[0]).toEqual(['request', 'query', 'network_error']);
    });

    it('throws the unavailable network error once every attempt broke', async () => {
      const { server, events } = await setup([destroyAtOnce, destroyAtOnce, destroyAtOnce, answer(200)]);
      const error = await get();
      expect(error).toBeInstanceOf(SalesforceError);
      expect(error).toMatchObject({ kind: 'unavailable' });
      expect((error as Error).message).not.toContain('SELECT');
      expect(server.hits()).toBe(3);
      expect(events.filter(([what]) => what === 'request')).toEqual(Array(3).fill(['request', 'query', 'network_error']));
    });

    it('retries an attempt that hangs past timeoutMs', async () => {
      const { server, events } = await setup([hang, answer(200)]);
      const started = Date.now();
      expect(await get()).toMatchObject({ status: 200 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(server.hits()).toBe(2);
      expect(events).toEqual([['request', 'query', 'timeout'], ['retry', 'query'], ['request', 'query', 'success']]);
      expect(recorded.seconds[0]).toBeGreaterThanOrEqual((TIMEOUT_MS - 20) / 1000);
    });

    it('retries an attempt whose body stalls past timeoutMs', async () => {
      const { server, events } = await setup([hangMidBody, answer(200)]);
      expect(await get()).toMatchObject({ status: 200 });
      expect(server.hits()).toBe(2);
      expect(events[0]).toEqual(['request', 'query', 'timeout']);
    });
  });

  describe('POST', () => {
    it('retries the token request on 503', async () => {
      const { server, client, events } = await setup([answer(503), answer(200)]);
      const response = await client.postForm(`${server.url}/services/oauth2/token`, { grant_type: 'client_credentials' });
      expect(response.status).toBe(200);
      expect(server.hits()).toBe(2);
      expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(Array(2).fill('POST /services/oauth2/token'));
      expect(events).toEqual([['request', 'token', 'http_5xx'], ['retry', 'token'], ['request', 'token', 'success']]);
    });

    it('retries the token request on a broken connection', async () => {
      const { server, client } = await setup([destroyAtOnce, answer(200)]);
      const response = await client.postForm(`${server.url}/services/oauth2/token`, { grant_type: 'client_credentials' });
      expect(response.status).toBe(200);
      expect(server.hits()).toBe(2);
    });

    it('does not retry a revocation on 503', async () => {
      const { server, client, events } = await setup([answer(503), answer(200)]);
      const response = await client.postForm(`${server.url}/services/oauth2/revoke`, { token: 'x' });
      expect(response.status).toBe(503);
      expect(server.hits()).toBe(1);
      expect(events).toEqual([['request', 'revoke', 'http_5xx']]);
    });

    it('does not retry a revocation on a broken connection', async () => {
      const { server, client, events } = await setup([destroyAtOnce, answer(200)]);
      await expect(client.postForm(`${server.url}/services/oauth2/revoke`, { token: 'x' })).rejects.toMatchObject({ kind: 'unavailable' });
      expect(server.hits()).toBe(1);
      expect(events).toEqual([['request', 'revoke', 'network_error']]);
    });
  });

  describe('deadline', () => {
    it('attempts nothing once the deadline has passed', async () => {
      const { server, events } = await setup([answer(200)]);
      const error = await get(QUERY_PATH, Date.now() - 1);
      expect(error).toBeInstanceOf(SalesforceError);
      expect(error).toMatchObject({ kind: 'unavailable' });
      expect((error as Error).message).toContain('deadline');
      expect(server.hits()).toBe(0);
      expect(events).toEqual([]);
    });

    it('does not retry when the backoff would end past the deadline, and returns the 503 at once', async () => {
      jest.spyOn(Math, 'random').mockReturnValue(0.99);
      const { server, events } = await setup([answer(503), answer(200)], { retry: { baseMs: 2_000 } });
      const started = Date.now();
      expect(await get(QUERY_PATH, started + 500)).toMatchObject({ status: 503 });
      expect(Date.now() - started).toBeLessThan(500);
      expect(server.hits()).toBe(1);
      expect(events).toEqual([['request', 'query', 'http_5xx']]);
    });

    it('does retry when the same backoff fits before the deadline', async () => {
      jest.spyOn(Math, 'random').mockReturnValue(0.05); // 0.05 · 2 000 ms = 100 ms
      const { server } = await setup([answer(503), answer(200)], { retry: { baseMs: 2_000 } });
      const started = Date.now();
      expect(await get(QUERY_PATH, started + 2_000)).toMatchObject({ status: 200 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(server.hits()).toBe(2);
    });

    it('cuts a hung attempt short at the deadline and throws instead of retrying', async () => {
      const { server, events } = await setup([hang, answer(200)], { timeoutMs: 10_000 });
      const started = Date.now();
      const deadline = started + 300;
      const error = await get(QUERY_PATH, deadline);
      const finished = Date.now();
      expect(error).toBeInstanceOf(SalesforceError);
      expect(error).toMatchObject({ kind: 'unavailable' });
      expect(finished - started).toBeGreaterThanOrEqual(250);
      expect(finished).toBeLessThan(deadline + 150);
      expect(server.hits()).toBe(1);
      expect(events).toEqual([['request', 'query', 'timeout']]);
    });

    it('never waits past the deadline over several timed-out attempts', async () => {
      const { server } = await setup([hang, hang, hang, hang], { timeoutMs: 100 });
      const started = Date.now();
      const deadline = started + 250;
      const error = await get(QUERY_PATH, deadline);
      expect(error).toMatchObject({ kind: 'unavailable' });
      expect(Date.now()).toBeLessThan(deadline + 150);
      expect(server.hits()).toBeGreaterThanOrEqual(2);
      expect(server.hits()).toBeLessThanOrEqual(3);
    });
  });

  describe('Retry-After', () => {
    it('waits at least the Retry-After seconds before retrying', async () => {
      const { server } = await setup([answer(503, { 'retry-after': '1' }), answer(200)]);
      const started = Date.now();
      expect(await get()).toMatchObject({ status: 200 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(990);
      expect(server.hits()).toBe(2);
    });

    it('honours Retry-After on 429 when it fits before the deadline', async () => {
      const { server } = await setup([answer(429, { 'retry-after': '1' }), answer(200)]);
      const started = Date.now();
      expect(await get(QUERY_PATH, started + 3_000)).toMatchObject({ status: 200 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(990);
      expect(server.hits()).toBe(2);
    });

    it('does not retry when Retry-After would end past the deadline', async () => {
      const { server, events } = await setup([answer(503, { 'retry-after': '1' }), answer(200)]);
      const started = Date.now();
      expect(await get(QUERY_PATH, started + 500)).toMatchObject({ status: 503 });
      expect(Date.now() - started).toBeLessThan(500);
      expect(server.hits()).toBe(1);
      expect(events).toEqual([['request', 'query', 'http_5xx']]);
    });
  });

  describe('observer kinds', () => {
    it.each<[SalesforceRequestKind, 'GET' | 'POST', string]>([
      ['query', 'GET', '/services/data/v60.0/query?q=SELECT+Id+FROM+Contact'],
      ['query_more', 'GET', '/services/data/v60.0/query/01gD0000002HU6KIAW-2000'],
      ['describe', 'GET', '/services/data/v60.0/sobjects/Contact/describe'],
      ['versions', 'GET', '/services/data/'],
      ['token', 'POST', '/services/oauth2/token'],
      ['revoke', 'POST', '/services/oauth2/revoke'],
    ])('reports %s for %s %s', async (kind, method, path) => {
      const { server, client, events } = await setup([answer(200)]);
      const response =
        method === 'GET' ? await client.get(`${server.url}${path}`) : await client.postForm(`${server.url}${path}`, { a: 'b' });
      expect(response.status).toBe(200);
      expect(events).toEqual([['request', kind, 'success']]);
      expect(recorded.seconds[0]).toBeGreaterThanOrEqual(0);
      expect(recorded.seconds[0]).toBeLessThan(5);
    });
  });
});

describe('requestKind', () => {
  it.each<[string, string, SalesforceRequestKind]>([
    ['POST', '/services/oauth2/token', 'token'],
    ['POST', '/services/oauth2/revoke', 'revoke'],
    ['GET', '/services/data/v60.0/query', 'query'],
    ['GET', '/services/data/v60.0/query/', 'query'],
    ['GET', '/services/data/v59.0/query/01gD0000002HU6KIAW-2000', 'query_more'],
    ['GET', '/services/data/v60.0/sobjects/Contact/describe', 'describe'],
    ['GET', '/services/data/', 'versions'],
    ['GET', '/services/data', 'versions'],
    ['GET', '/services/data/v60.0/limits', 'limits'],
    ['GET', '/services/data/v60.0/sobjects/Contact/003xx', 'other'],
    ['GET', '/services/data/v60.0/queryAll', 'other'],
  ])('%s %s → %s', (method, path, kind) => {
    expect(requestKind(method, path)).toBe(kind);
  });
});
