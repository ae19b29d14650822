/**
 * SalesforceHttp's bound on the size of an answer: a body is read only up to `maxResponseBytes` (token, revoke and
 * version answers up to SMALL_RESPONSE_BYTES), then the socket is closed — the rest is neither buffered nor
 * drained — and the request fails as unavailable with RESPONSE_TOO_LARGE, without a retry.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type HttpObserver,
  RESPONSE_TOO_LARGE_CODE,
  SalesforceHttp,
  SMALL_RESPONSE_BYTES,
  type SalesforceRequestKind,
  type SalesforceRequestOutcome,
} from '../../src/salesforce/http';
import { failureOf } from '../support/promises';

const LIMIT = 256 * 1024;
const CHUNK = Buffer.alloc(16 * 1024, 'x');

interface Flood {
  url: string;
  hits: () => number;
  /** Bytes the server managed to hand to its socket before the client went away. */
  written: () => number;
  /** Resolves once the client closed the connection. */
  closed: Promise<void>;
  close: () => Promise<void>;
}

/**
 * A server whose every answer is 200 JSON that never ends: `{"records":[` then chunks for as long as the client
 * reads (up to `maxBytes`, a safety valve), written as fast as the socket takes them.
 */
async function flood(options: { contentLength?: number; maxBytes?: number } = {}): Promise<Flood> {
  let hits = 0;
  let written = 0;
  let closedResolve!: () => void;
  const closed = new Promise<void>((resolve) => (closedResolve = resolve));
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const server = http.createServer((_req, res) => {
    hits++;
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(options.contentLength === undefined ? {} : { 'content-length': String(options.contentLength) }),
    });
    res.write('{"records":[');
    let gone = false;
    res.on('close', () => {
      gone = true;
      closedResolve();
    });
    const pump = (): void => {
      while (!gone && written < maxBytes) {
        written += CHUNK.length;
        if (!res.write(CHUNK)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!gone) res.end(']}');
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    written: () => written,
    closed,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A server answering every request with `body` (JSON). */
async function answering(body: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function recordingObserver(): HttpObserver & { seen: Array<[SalesforceRequestKind, SalesforceRequestOutcome]>; retries: number } {
  const seen: Array<[SalesforceRequestKind, SalesforceRequestOutcome]> = [];
  const observer = {
    seen,
    retries: 0,
    request(kind: SalesforceRequestKind, outcome: SalesforceRequestOutcome) {
      seen.push([kind, outcome]);
    },
    retry() {
      observer.retries += 1;
    },
  };
  return observer;
}

describe('SalesforceHttp response size limit', () => {
  let client: SalesforceHttp;
  let observer: ReturnType<typeof recordingObserver>;

  beforeEach(() => {
    observer = recordingObserver();
    client = new SalesforceHttp({ timeoutMs: 5_000, maxResponseBytes: LIMIT, retry: { baseMs: 1 }, observer });
  });

  afterEach(() => client.close());

  it('stops reading an endless body just past the limit, closes the socket, and does not retry', async () => {
    const server = await flood();
    try {
      const error = await failureOf(client.get(`${server.url}/services/data/v60.0/query?q=SELECT+Id+FROM+Contact+WHERE+Email%3D%27secret%40x.com%27`));
      expect(error).toMatchObject({ kind: 'unavailable', errorCode: RESPONSE_TOO_LARGE_CODE });
      await server.closed;
      expect(server.hits()).toBe(1);
      expect(observer.retries).toBe(0);
      expect(observer.seen).toEqual([['query', 'too_large']]);
      // What the server got out before the socket closed: the limit plus what the socket buffers held, not 256 MB.
      expect(server.written()).toBeLessThan(LIMIT + 8 * 1024 * 1024);
    } finally {
      await server.close();
    }
  });

  it('says so in a stable message without the URL path or query', async () => {
    const server = await flood();
    try {
      const error = await failureOf(client.get(`${server.url}/services/data/v60.0/query/01gxx0000002AbC-2000?x=secret%40x.com`));
      expect(error.message).toBe(`GET ${server.url} (query_more): Salesforce's answer is larger than ${LIMIT} bytes; not read further`);
      expect(error.message).not.toContain('secret');
      expect(error.message).not.toContain('01gxx');
    } finally {
      await server.close();
    }
  });

  it('fails at once on a Content-Length over the limit', async () => {
    const server = await flood({ contentLength: 1024 * 1024 * 1024 });
    try {
      const error = await failureOf(client.get(`${server.url}/services/data/v60.0/sobjects/Contact/describe`));
      expect(error.errorCode).toBe(RESPONSE_TOO_LARGE_CODE);
      expect(observer.seen).toEqual([['describe', 'too_large']]);
    } finally {
      await server.close();
    }
  });

  it('reads an answer of exactly the limit (multi-byte characters intact), and refuses one byte more', async () => {
    const text = `"${'José Müller 日本 '.repeat(Math.floor(LIMIT / 30))}`;
    const exact = `${text}${'a'.repeat(LIMIT - Buffer.byteLength(text) - 1)}"`;
    expect(Buffer.byteLength(exact)).toBe(LIMIT);
    const server = await answering(exact);
    const over = await answering(`${exact} `);
    try {
      expect((await client.get(`${server.url}/services/data/v60.0/query?q=x`)).body).toBe(exact);
      expect((await failureOf(client.get(`${over.url}/services/data/v60.0/query?q=x`))).errorCode).toBe(RESPONSE_TOO_LARGE_CODE);
    } finally {
      await server.close();
      await over.close();
    }
  });

  it('bounds token and version answers at SMALL_RESPONSE_BYTES, whatever maxResponseBytes is', async () => {
    const big = new SalesforceHttp({ timeoutMs: 5_000, maxResponseBytes: 64 * 1024 * 1024 });
    const tooBig = await answering(JSON.stringify({ access_token: 'x'.repeat(SMALL_RESPONSE_BYTES) }));
    try {
      expect((await failureOf(big.get(`${tooBig.url}/services/data/`))).errorCode).toBe(RESPONSE_TOO_LARGE_CODE);
      expect((await failureOf(big.postForm(`${tooBig.url}/services/oauth2/token`, { grant_type: 'client_credentials' }))).errorCode).toBe(
        RESPONSE_TOO_LARGE_CODE,
      );
      // A query may be that large.
      expect((await big.get(`${tooBig.url}/services/data/v60.0/query?q=x`)).status).toBe(200);
    } finally {
      await big.close();
      await tooBig.close();
    }
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new SalesforceHttp({ timeoutMs: 1000, maxResponseBytes: 0 })).toThrow(RangeError);
  });
});
