/**
 * The only way out to Salesforce. One undici Agent keeps a keep-alive connection pool per instance origin; every
 * request has a timeout and its body is always read to the end (or discarded) so sockets go back to the pool.
 *
 * Read-only is enforced here, for every caller: GET under /services/data/ and POST to the OAuth token and revoke
 * endpoints are the only requests that may leave.
 */
import { Agent, errors as undiciErrors, request } from 'undici';
import { SalesforceError } from './errors';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface SalesforceHttpOptions {
  /** Per request, from sending to the last byte of the body. */
  timeoutMs: number;
  /** Connections kept per instance origin. */
  connectionsPerOrigin?: number;
}

/**
 * What one request may weigh, request line and headers included (notes §4: over it Salesforce answers 414/431).
 * Callers measuring a query URI subtract `requestOverheadBytes` from it.
 */
export const MAX_REQUEST_BYTES = 16_384;

/**
 * Room kept for the request line's method and protocol, the Host, Authorization and undici's own headers.
 * Access tokens are ~112 characters; this leaves space for tokens more than twice as long.
 */
export function requestOverheadBytes(instanceUrl: string): number {
  return 768 + new URL(instanceUrl).host.length;
}

const ALLOWED_POST_PATHS = new Set(['/services/oauth2/token', '/services/oauth2/revoke']);

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

  constructor(options: SalesforceHttpOptions) {
    this.timeoutMs = options.timeoutMs;
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 32,
      keepAliveTimeout: 30_000,
      connect: { timeout: options.timeoutMs },
    });
  }

  get(url: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return this.send('GET', new URL(url), { accept: 'application/json', ...headers });
  }

  postForm(url: string, form: Record<string, string>): Promise<HttpResponse> {
    return this.send(
      'POST',
      new URL(url),
      { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams(form).toString(),
    );
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async send(method: 'GET' | 'POST', url: URL, headers: Record<string, string>, body?: string): Promise<HttpResponse> {
    assertReadOnlyRequest(method, url);
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await request(url, { method, headers, body, signal, dispatcher: this.agent });
      return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
    } catch (error) {
      throw networkError(method, url, error, this.timeoutMs);
    }
  }
}

/** Describe a transport failure without the URL's query (it may hold an email) or anything that was sent. */
function networkError(method: string, url: URL, error: unknown, timeoutMs: number): SalesforceError {
  const where = `${method} ${url.origin}${url.pathname}`;
  if (isTimeout(error)) {
    return new SalesforceError('unavailable', `${where} timed out after ${timeoutMs} ms`, { cause: error });
  }
  const code = (error as { code?: unknown }).code;
  const reason = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  return new SalesforceError('unavailable', `${where} failed: ${reason}`, { cause: error });
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
