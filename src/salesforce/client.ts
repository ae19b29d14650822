/**
 * Authenticated, read-only REST calls for one tenant's org: a token from the TokenManager, one retry with a
 * fresh token on an expired session, and SOQL queries followed through every page (within a lookup's
 * QueryBudget). Every call first takes one of the tenant's tokens from its rate limiter.
 */
import { connectionChangedError, SalesforceError, restError, tryParseJson } from './errors';
import type { CallGuard } from './circuitBreaker';
import type { HttpResponse, RequestOptions, SalesforceHttp } from './http';
import { DEFAULT_LOOKUP_LIMITS, type LookupLimits, type QueryBudget } from './lookupLimits';
import type { SalesforceToken } from './oauth';
import { type ApiUsage, parseLimitInfo } from './apiUsage';
import type { RequestSlots } from './requestSlots';
import type { TenantRateLimiter } from './tenantRateLimiter';
import type { TokenSource } from './tokens';

export interface OrgConnection {
  tenantId: string;
  /** Changes whenever the tenant's credentials do; keys the token cache. */
  credentialsId: string;
  instanceUrl: string;
  apiVersion: string;
}

export interface SalesforceClientDeps {
  http: SalesforceHttp;
  tokens: TokenSource;
  /** Told the org's API usage whenever a response carries Sforce-Limit-Info. */
  onApiUsage?: (usage: ApiUsage) => void;
  /**
   * Admission by the tenant's circuit breaker, one guard per call (calls of one client run concurrently); absent
   * for one-off probes (an admin testing credentials wants the real answer).
   */
  guard?: () => CallGuard;
  /** The tenant's bound on requests in flight; each GET holds one slot while it is sent and answered. */
  slots?: RequestSlots;
  /**
   * The tenant's bound on the rate of calls: each call (query, further page, describe) takes a token, or fails at
   * once with TENANT_RATE_LIMITED. Absent for one-off probes.
   */
  rateLimiter?: Pick<TenantRateLimiter, 'take'>;
  /** What one contact lookup may read (default DEFAULT_LOOKUP_LIMITS). */
  lookupLimits?: LookupLimits;
}

export interface QueryOptions extends RequestOptions {
  /** Shared by the queries of one lookup: past it no further page is asked for. */
  budget?: QueryBudget;
}

interface QueryPage {
  done: boolean;
  nextRecordsUrl?: string;
  records: unknown[];
}

/** A guard against a `nextRecordsUrl` chain that never ends (a Salesforce bug would otherwise hang a request). */
const MAX_QUERY_PAGES = 1000;

export class SalesforceClient {
  constructor(
    readonly org: OrgConnection,
    private readonly deps: SalesforceClientDeps,
  ) {}

  /** The REST base path for the connection's API version, e.g. `/services/data/v60.0`. */
  get apiPath(): string {
    return `/services/data/${this.org.apiVersion}`;
  }

  /** What one contact lookup may read from this org. */
  get lookupLimits(): LookupLimits {
    return this.deps.lookupLimits ?? DEFAULT_LOOKUP_LIMITS;
  }

  /**
   * Run a SOQL query and return the records of every page (`nextRecordsUrl` is followed until `done`). With a
   * budget, every page is counted against it, and once it is spent (by this query or another of the lookup) no
   * further page is asked for: the query fails with LOOKUP_TOO_LARGE.
   */
  async query(soql: string, options: QueryOptions = {}): Promise<unknown[]> {
    const { budget, ...requestOptions } = options;
    budget?.check();
    let page = await this.queryPage(queryTarget(this.apiPath, soql), 'query', requestOptions, budget);
    const records = [...page.records];
    for (let pages = 1; !page.done; pages++) {
      if (page.nextRecordsUrl === undefined) {
        throw new SalesforceError('unavailable', 'Salesforce answered a query page with done=false and no nextRecordsUrl');
      }
      if (pages >= MAX_QUERY_PAGES) {
        throw new SalesforceError('unavailable', `Salesforce query did not finish within ${MAX_QUERY_PAGES} pages`);
      }
      budget?.check();
      page = await this.queryPage(nextRecordsPath(page.nextRecordsUrl, this.org.instanceUrl), 'query (next page)', requestOptions, budget);
      records.push(...page.records);
    }
    return records;
  }

  private async queryPage(path: string, what: string, options: RequestOptions, budget: QueryBudget | undefined): Promise<QueryPage> {
    const { body, bytes } = await this.guardedGet(path, what, options);
    const page = parseQueryPage(body);
    budget?.spend(page.records.length, bytes);
    return page;
  }

  /**
   * GET a path under /services/data/ with the tenant's token. On `401 INVALID_SESSION_ID` the token is dropped
   * and the call retried once with a new one; a second 401, or a 401 that a new token cannot fix (the session is
   * "not valid for use with the REST API"), is an auth failure. Never a loop.
   * The whole call is one admission by the tenant's circuit breaker, and one success or failure for it. Before
   * that, it takes one of the tenant's rate tokens: a refusal (TENANT_RATE_LIMITED) sends nothing and is never
   * reported to the breaker.
   */
  async getJson(path: string, what: string, options: RequestOptions = {}): Promise<unknown> {
    return (await this.guardedGet(path, what, options)).body;
  }

  private async guardedGet(path: string, what: string, options: RequestOptions): Promise<{ body: unknown; bytes: number }> {
    this.assertCurrent();
    this.deps.rateLimiter?.take(this.org.tenantId);
    const guard = this.deps.guard?.();
    guard?.admit();
    try {
      const answer = await this.authenticatedGet(path, what, options);
      guard?.succeeded();
      return answer;
    } catch (error) {
      guard?.failed(error);
      throw error;
    }
  }

  /** The parsed body, and the length of the JSON it was parsed from. */
  private async authenticatedGet(path: string, what: string, options: RequestOptions): Promise<{ body: unknown; bytes: number }> {
    const first = await this.deps.tokens.get(options);
    let response = await this.getWith(first, path, options);
    if (isExpiredSession(response)) {
      this.deps.tokens.invalidate(first);
      response = await this.getWith(await this.deps.tokens.get(options), path, options);
    }
    this.reportApiUsage(response);
    if (response.status < 200 || response.status >= 300) throw restError(response.status, response.body, what);
    const body = tryParseJson(response.body);
    if (body === undefined) {
      throw new SalesforceError('unavailable', `${what}: Salesforce answered ${response.status} with a body that is not JSON`);
    }
    return { body, bytes: response.body.length };
  }

  private reportApiUsage(response: HttpResponse): void {
    const usage = parseLimitInfo(response.headers['sforce-limit-info']);
    if (usage !== null) this.deps.onApiUsage?.(usage);
  }

  /**
   * Checked again at the last moment, after waiting for a token and a request slot: a call for credentials the
   * tenant no longer uses (disconnected or reconnected meanwhile, on any replica) is never sent.
   */
  private getWith(token: SalesforceToken, path: string, options: RequestOptions): Promise<HttpResponse> {
    const get = () => {
      this.assertCurrent();
      return this.deps.http.get(`${this.org.instanceUrl}${path}`, { authorization: `Bearer ${token.accessToken}` }, options);
    };
    return this.deps.slots === undefined ? get() : this.deps.slots.run(this.org.tenantId, options.deadline, get);
  }

  private assertCurrent(): void {
    if (!this.deps.tokens.isCurrent()) throw connectionChangedError();
  }
}

/**
 * The request target of a SOQL query, encoded exactly as it goes on the wire, so that what chunking measures is
 * what is sent. Bytes matter here (the URI limit decides how many emails fit in one query), so characters a query
 * may carry as they are stay as they are (`@ , : / ? $ ;`, RFC 3986 §3.4), while `'` is escaped because the
 * WHATWG URL parser undici uses would escape it anyway, and `& + = #` and `%` must be.
 */
export function queryTarget(apiPath: string, soql: string): string {
  return `${apiPath}/query?q=${encodeQueryValue(soql)}`;
}

const LEFT_AS_IS = /%(?:40|2C|3A|2F|3F|24|3B)/g;

export function encodeQueryValue(text: string): string {
  return encodeURIComponent(text)
    .replace(/'/g, '%27')
    .replace(LEFT_AS_IS, (escape) => decodeURIComponent(escape));
}

/** Only `401 INVALID_SESSION_ID` means "this token is stale"; other 401s will not be fixed by a new token. */
function isExpiredSession(response: HttpResponse): boolean {
  if (response.status !== 401) return false;
  const parsed = tryParseJson(response.body);
  const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  const errorCode = first !== null && typeof first === 'object' ? (first as { errorCode?: unknown }).errorCode : undefined;
  const message = first !== null && typeof first === 'object' ? (first as { message?: unknown }).message : undefined;
  if (typeof message === 'string' && /not valid for use with the REST API/i.test(message)) return false;
  return errorCode === 'INVALID_SESSION_ID';
}

/**
 * `nextRecordsUrl` is a path on the instance (or an absolute URL on the instance itself); refuse anything that
 * would leave it or /services/data/. Checked on the parsed URL, so `%2e%2e` segments are judged as the request
 * would resolve them.
 */
function nextRecordsPath(nextRecordsUrl: string, instanceUrl: string): string {
  const instance = new URL(instanceUrl);
  let parsed: URL;
  try {
    parsed = new URL(nextRecordsUrl, instance);
  } catch {
    throw new SalesforceError('unavailable', 'Salesforce answered a nextRecordsUrl that is not a URL');
  }
  // A path (as documented), or the same thing spelled as an absolute URL on the instance itself.
  const onInstance = nextRecordsUrl.startsWith('/') ? !nextRecordsUrl.startsWith('//') : /^https?:\/\//i.test(nextRecordsUrl);
  if (!onInstance || parsed.origin !== instance.origin || !parsed.pathname.startsWith('/services/data/')) {
    throw new SalesforceError('unavailable', 'Salesforce answered a nextRecordsUrl outside /services/data/');
  }
  return parsed.pathname + parsed.search;
}

function parseQueryPage(body: unknown): QueryPage {
  if (body === null || typeof body !== 'object' || !Array.isArray((body as QueryPage).records)) {
    throw new SalesforceError('unavailable', 'Salesforce answered a query without a records array');
  }
  const { done, nextRecordsUrl, records } = body as QueryPage;
  return {
    done: done !== false,
    records,
    ...(typeof nextRecordsUrl === 'string' ? { nextRecordsUrl } : {}),
  };
}
