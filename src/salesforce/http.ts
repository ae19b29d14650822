/**
 * The only way out to Salesforce. One undici Agent keeps a keep-alive connection pool per instance origin; every
 * request has a timeout and its body is always read to the end (or discarded) so sockets go back to the pool.
 *
 * Read-only is enforced here, for every caller: GET under /services/data/ and POST to the OAuth token and revoke
 * endpoints are the only requests that may leave.
 *
 * Transient failures are retried here too, and only the safe ones: GETs and the token request, on network
 * errors, timeouts, 500/502/503/504 and 429, at most `maxRetries` times with jittered exponential backoff, and
 * never past the caller's deadline. Any other answer (403 REQUEST_LIMIT_EXCEEDED, 4xx) goes back at once.
 *
 * No answer is read past `maxResponseBytes` (token, revoke and version answers past SMALL_RESPONSE_BYTES): the
 * body is streamed and counted, and the first byte over the bound ends the request (the socket is closed, not
 * drained) with SalesforceError('unavailable', RESPONSE_TOO_LARGE), which is not retried. An org, or anything
 * between us and it, cannot make one answer cost more memory than that.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, errors as undiciErrors, request } from 'undici';
import { endCallSpanAnswered, endCallSpanFailed, noteRetryWait, startCallSpan } from './callSpans';
import { SalesforceError } from './errors';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type SalesforceRequestKind = 'token' | 'revoke' | 'versions' | 'query' | 'query_more' | 'describe' | 'limits' | 'other';
export type SalesforceRequestOutcome = 'success' | 'http_4xx' | 'http_5xx' | 'network_error' | 'timeout' | 'too_large';

/** Told about every attempt (metrics). */
export interface HttpObserver {
  request(kind: SalesforceRequestKind, outcome: SalesforceRequestOutcome, seconds: number): void;
  retry(kind: SalesforceRequestKind): void;
}

export interface SalesforceHttpOptions {
  /** Per attempt, from sending to the last byte of the body. */
  timeoutMs: number;
  /** Connections kept per instance origin. */
  connectionsPerOrigin?: number;
  /** Retries after the first attempt (default 2) and the first backoff (default 200 ms). */
  retry?: { maxRetries?: number; baseMs?: number };
  /** Bytes of one answer's body past which it is not read (default DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  observer?: HttpObserver;
}

/**
 * 20 MiB. A full 2,000-record query page measured on the emulator is 1.7 MB with the standard fields and 2.5 MB
 * with five custom fields; a lookup's pages hold only the contacts of one URI-sized chunk of emails (a few hundred).
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 20 * 1024 * 1024;

/**
 * Token, revoke and API version answers are a few hundred bytes to a few kilobytes (an org listing every version
 * since v20.0 answers ~3 KB): anything past 64 KiB is not Salesforce.
 */
export const SMALL_RESPONSE_BYTES = 64 * 1024;

/** errorCode of the SalesforceError for an answer over the bound. */
export const RESPONSE_TOO_LARGE_CODE = 'RESPONSE_TOO_LARGE';

const SMALL_ANSWERS: ReadonlySet<SalesforceRequestKind> = new Set(['token', 'revoke', 'versions']);

export interface RequestOptions {
  /** Epoch ms after which no attempt starts and no retry waits: the caller's GraphQL request deadline. */
  deadline?: number;
}

/**
 * What one request may weigh, request line and headers included (notes §4: over it Salesforce answers 414/431).
 * Callers measuring a query URI subtract `requestOverheadBytes` from it.
 */
export const MAX_REQUEST_BYTES = 16_384;

/**
 * Room kept for the request line's method and protocol, the Host, Authorization and undici's own headers
 * (about 200 bytes with a ~112-character access token); this leaves space for tokens twice as long.
 */
export function requestOverheadBytes(instanceUrl: string): number {
  return 512 + new URL(instanceUrl).host.length;
}

const ALLOWED_POST_PATHS = new Set(['/services/oauth2/token', '/services/oauth2/revoke']);
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);
const MAX_BACKOFF_MS = 5_000;
/** A Retry-After longer than this is not waited for (the retry is skipped when it does not fit the deadline). */
const MAX_RETRY_AFTER_MS = 10_000;

/** Throws unless the request is one this read-only integration may send. */
export function assertReadOnlyRequest(method: 'GET' | 'POST', url: URL): void {
  const allowed =
    (method === 'GET' && url.pathname.startsWith('/services/data/')) ||
    (method === 'POST' && ALLOWED_POST_PATHS.has(url.pathname));
  if (!allowed) {
    throw new Error(`Refusing ${method} ${url.pathname}: this integration only reads (GET /services/data/…) and asks for or revokes tokens`);
  }
}

export class SalesforceHttp {
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly maxResponseBytes: number;
  private readonly observer: HttpObserver | undefined;

  constructor(options: SalesforceHttpOptions) {
    this.timeoutMs = options.timeoutMs;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!Number.isSafeInteger(this.maxResponseBytes) || this.maxResponseBytes < 1) {
      throw new RangeError(`SalesforceHttp: expected maxResponseBytes to be a positive integer, got ${this.maxResponseBytes}`);
    }
    this.maxRetries = options.retry?.maxRetries ?? 2;
    this.retryBaseMs = options.retry?.baseMs ?? 200;
    this.observer = options.observer;
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 32,
      keepAliveTimeout: 30_000,
      connect: { timeout: options.timeoutMs },
    });
  }

  get(url: string, headers: Record<string, string> = {}, options: RequestOptions = {}): Promise<HttpResponse> {
    return this.send({ method: 'GET', url: new URL(url), headers: { accept: 'application/json', ...headers }, retryable: true, ...options });
  }

  /** Form POST; only the token request is retried (a revocation is best effort anyway). */
  postForm(url: string, form: Record<string, string>, options: RequestOptions = {}): Promise<HttpResponse> {
    const parsed = new URL(url);
    return this.send({
      method: 'POST',
      url: parsed,
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      retryable: parsed.pathname === '/services/oauth2/token',
      ...options,
    });
  }

  /** Let requests under way finish for up to `graceMs`, then cut what is left. */
  async close(graceMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const outcome = await Promise.race([this.agent.close().then(() => 'closed' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') await this.agent.destroy();
  }

  private async send(call: Call): Promise<HttpResponse> {
    assertReadOnlyRequest(call.method, call.url);
    const kind = requestKind(call.method, call.url.pathname);
    const deadline = call.deadline ?? Number.POSITIVE_INFINITY;
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw deadlineError(call);
      let outcome: HttpResponse | SalesforceError;
      try {
        outcome = await this.attempt(call, kind, attempt, Math.min(this.timeoutMs, remaining));
      } catch (error) {
        if (!(error instanceof SalesforceError)) throw error;
        outcome = error;
      }
      // An oversized answer would be oversized again: not retried.
      const transient = outcome instanceof SalesforceError ? outcome.errorCode !== RESPONSE_TOO_LARGE_CODE : RETRYABLE_STATUSES.has(outcome.status);
      const delay = this.backoff(attempt, outcome);
      if (!call.retryable || !transient || attempt >= this.maxRetries || Date.now() + delay >= deadline) {
        if (outcome instanceof SalesforceError) throw outcome;
        return outcome;
      }
      this.observer?.retry(kind);
      noteRetryWait(kind, attempt + 1, delay);
      await sleep(delay);
    }
  }

  /** One attempt (0-based `attempt`), in a client span of its own. */
  private async attempt(call: Call, kind: SalesforceRequestKind, attempt: number, timeoutMs: number): Promise<HttpResponse> {
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    const span = startCallSpan(call.method, call.url, kind, attempt);
    try {
      const response = await request(call.url, {
        method: call.method,
        headers: call.headers,
        body: call.body,
        signal: AbortSignal.timeout(timeoutMs),
        dispatcher: this.agent,
      });
      const maxBytes = SMALL_ANSWERS.has(kind) ? Math.min(SMALL_RESPONSE_BYTES, this.maxResponseBytes) : this.maxResponseBytes;
      const { text, bytes } = await readBounded(response, call, kind, maxBytes);
      const result = { status: response.statusCode, headers: response.headers, body: text };
      this.observer?.request(kind, statusOutcome(result.status), seconds());
      endCallSpanAnswered(span, result, bytes);
      return result;
    } catch (error) {
      if (error instanceof SalesforceError && error.errorCode === RESPONSE_TOO_LARGE_CODE) {
        this.observer?.request(kind, 'too_large', seconds());
        endCallSpanFailed(span, 'too_large');
        throw error;
      }
      const timedOut = isTimeout(error);
      this.observer?.request(kind, timedOut ? 'timeout' : 'network_error', seconds());
      endCallSpanFailed(span, timedOut ? 'timeout' : 'network_error');
      // The configured timeout, not what was left of the deadline: the message becomes lastError, and a stable one is
      // written once instead of on every failure.
      throw networkError(call, error, timedOut, this.timeoutMs);
    }
  }

  /** Full jitter over base·2^attempt, at least what a Retry-After header asks for. */
  private backoff(attempt: number, outcome: HttpResponse | SalesforceError): number {
    const exponential = Math.min(MAX_BACKOFF_MS, this.retryBaseMs * 2 ** attempt);
    const jittered = Math.random() * exponential;
    const retryAfter = outcome instanceof SalesforceError ? undefined : outcome.headers['retry-after'];
    const asked = typeof retryAfter === 'string' && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : 0;
    if (asked > MAX_RETRY_AFTER_MS) return Number.POSITIVE_INFINITY;
    return Math.max(jittered, asked);
  }
}

interface Call extends RequestOptions {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  retryable: boolean;
}

type UndiciResponse = Awaited<ReturnType<typeof request>>;

/**
 * The body as text, read chunk by chunk and counted: past `maxBytes` (or when Content-Length already says so) the
 * stream is destroyed, which closes the socket instead of draining what is left, and the request fails.
 */
async function readBounded(response: UndiciResponse, call: Call, kind: SalesforceRequestKind, maxBytes: number): Promise<{ text: string; bytes: number }> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.body.destroy();
    throw tooLargeError(call, kind, maxBytes);
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > maxBytes) {
      response.body.destroy();
      throw tooLargeError(call, kind, maxBytes);
    }
    chunks.push(chunk);
  }
  // TextDecoder drops a leading BOM, as undici's body.text() does.
  return { text: new TextDecoder().decode(Buffer.concat(chunks, bytes)), bytes };
}

/**
 * A stable message (it may become lastError): the kind of request and the limit, never the URL's path or query (a
 * query locator, emails) or how far the answer went.
 */
function tooLargeError(call: Call, kind: SalesforceRequestKind, maxBytes: number): SalesforceError {
  return new SalesforceError(
    'unavailable',
    `${call.method} ${call.url.origin} (${kind}): Salesforce's answer is larger than ${maxBytes} bytes; not read further`,
    { errorCode: RESPONSE_TOO_LARGE_CODE },
  );
}

/** The metrics label for a request, from its path. */
export function requestKind(method: string, pathname: string): SalesforceRequestKind {
  if (method === 'POST') return pathname.endsWith('/revoke') ? 'revoke' : 'token';
  if (/^\/services\/data\/v[\d.]+\/query\/[^/]+$/.test(pathname)) return 'query_more';
  if (/^\/services\/data\/v[\d.]+\/query\/?$/.test(pathname)) return 'query';
  if (pathname.endsWith('/describe')) return 'describe';
  if (/^\/services\/data\/v[\d.]+\/limits\/?$/.test(pathname)) return 'limits';
  if (pathname === '/services/data/' || pathname === '/services/data') return 'versions';
  return 'other';
}

function statusOutcome(status: number): SalesforceRequestOutcome {
  if (status >= 500) return 'http_5xx';
  if (status >= 400) return 'http_4xx';
  return 'success';
}

/** Describe a transport failure without the URL's query (it may hold an email) or anything that was sent. */
function networkError(call: Call, error: unknown, timedOut: boolean, timeoutMs: number): SalesforceError {
  const where = `${call.method} ${call.url.origin}${call.url.pathname}`;
  if (timedOut) return new SalesforceError('unavailable', `${where} timed out after ${timeoutMs} ms`, { cause: error });
  const code = (error as { code?: unknown }).code;
  const reason = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  return new SalesforceError('unavailable', `${where} failed: ${reason}`, { cause: error });
}

function deadlineError(call: Call): SalesforceError {
  return new SalesforceError('unavailable', `${call.method} ${call.url.origin}${call.url.pathname} not attempted: the request's deadline has passed`);
}

/** By name as well as class: AbortSignal's DOMException may come from another realm (jest's sandbox). */
function isTimeout(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const name = (error as { name?: unknown }).name;
  return (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  );
}
