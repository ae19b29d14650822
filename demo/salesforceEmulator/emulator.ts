/** The Salesforce emulator's code (see index.ts for what the emulator is and does). */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from './faults';
import { QueryFlooder } from './flood';
import {
  bearerToken,
  invalidSession,
  methodNotAllowed,
  notFound,
  parseTarget,
  READ_METHODS,
  readBody,
  type Reply,
  restError,
  send,
  sizeLimitReply,
} from './http';
import { OAuthServer } from './oauth';
import { OrgState } from './orgState';
import { RestResources } from './resources';
import type {
  EmulatorApp,
  EmulatorContact,
  EmulatorCounters,
  EmulatorFault,
  EmulatorFieldDefinition,
  EmulatorHold,
  EmulatorOptions,
  EmulatorRequestLog,
  FaultKind,
  QueryFlood,
  QueryFloodCounters,
} from './types';

// ─── Defaults and constants ──────────────────────────────────────────────────────────────────────────────────────

const DEFAULT_MAX_URI_BYTES = 16_384;
/** Node rejects oversized headers itself (431, no body) before our handler runs; keep it well above our limit. */
const MIN_NODE_MAX_HEADER_SIZE = 64 * 1024;

// ─── The emulator ────────────────────────────────────────────────────────────────────────────────────────────────

type CounterKind = Exclude<keyof EmulatorCounters, 'tokenFailures'>;

/** What a request is, decided from its method and path alone (before auth), so faults and counters apply uniformly. */
interface Classified {
  counter: CounterKind;
  fault?: FaultKind;
}

const OAUTH_PATHS: Record<string, 'token' | 'revoke' | 'introspect'> = {
  '/services/oauth2/token': 'token',
  '/services/oauth2/revoke': 'revoke',
  '/services/oauth2/introspect': 'introspect',
};

const VERSIONS_PATH = /^\/services\/data\/?$/;
const REST_PATH = /^\/services\/data\/([^/]+)(?:\/(.*))?$/;
const QUERY_RESOURCE = /^query\/?$/;
const DESCRIBE_RESOURCE = /^sobjects\/([^/]+)\/describe\/?$/;

export class SalesforceEmulator {
  readonly counters: EmulatorCounters = SalesforceEmulator.zeroCounters();
  readonly requests: EmulatorRequestLog[] = [];

  private readonly org: OrgState;
  private readonly maxUriBytes: number;
  private readonly faults: FaultInjector;
  private readonly oauth: OAuthServer;
  private readonly flood: QueryFlooder;
  private readonly resources: RestResources;
  readonly floodCounters: QueryFloodCounters;
  /** Authenticated REST requests (query, queryMore, describe, …) being answered now, and the most seen at once. */
  private restInFlight = 0;
  private restInFlightMax = 0;
  /** Aborts pending response delays on close(), so no timer outlives the emulator. */
  private readonly closing = new AbortController();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    options: EmulatorOptions,
  ) {
    this.org = new OrgState(options);
    this.maxUriBytes = options.maxUriBytes ?? DEFAULT_MAX_URI_BYTES;
    this.faults = new FaultInjector(this.closing.signal);
    this.oauth = new OAuthServer(this.org, url);
    this.flood = new QueryFlooder(this.org);
    this.floodCounters = this.flood.floodCounters;
    this.resources = new RestResources(this.org, this.flood);
  }

  static async start(options: EmulatorOptions = {}): Promise<SalesforceEmulator> {
    const maxUriBytes = options.maxUriBytes ?? DEFAULT_MAX_URI_BYTES;
    const server = createServer({ maxHeaderSize: Math.max(MIN_NODE_MAX_HEADER_SIZE, maxUriBytes * 4) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const emulator = new SalesforceEmulator(server, `http://127.0.0.1:${port}`, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void emulator.handle(req, res));
    return emulator;
  }

  private static zeroCounters(): EmulatorCounters {
    return { token: 0, tokenFailures: 0, versions: 0, query: 0, queryMore: 0, describe: 0, revoke: 0, introspect: 0, other: 0 };
  }

  // ── Test controls ──

  /** Zeroes the counters and clears the request log (in place: references held by tests stay valid). */
  resetCounters(): void {
    Object.assign(this.counters, SalesforceEmulator.zeroCounters());
    this.requests.length = 0;
    this.restInFlightMax = this.restInFlight;
  }

  /** The most authenticated REST requests (under /services/data/vNN.N/) answered at once since the last reset. */
  get maxRestInFlight(): number {
    return this.restInFlightMax;
  }

  /** Adds the app, or replaces the one with the same consumer key (e.g. to end its propagation). */
  addApp(app: EmulatorApp): void {
    this.org.addApp(app);
  }

  setContacts(contacts: EmulatorContact[]): void {
    this.org.contacts = [...contacts];
  }

  addContacts(contacts: EmulatorContact[]): void {
    this.org.contacts.push(...contacts);
  }

  setPageSize(n: number): void {
    this.org.pageSize = n;
  }

  /** Replaces the set of fields hidden by field-level security (names case-insensitive; standard or custom). */
  setHiddenFields(fields: string[]): void {
    this.org.hiddenFields = new Set(fields.map((name) => name.toLowerCase()));
  }

  /**
   * Declares Contact fields with their describe type and label: each one is added, or replaces the field of the same
   * name (case-insensitive), standard fields included. Values come from the stored contacts under the field's name.
   */
  defineFields(definitions: EmulatorFieldDefinition[]): void {
    this.org.defineFields(definitions);
  }

  /** false → the run-as user loses access to Contact: describe answers 404 NOT_FOUND, a query INVALID_TYPE. */
  setContactReadable(readable: boolean): void {
    this.org.contactReadable = readable;
  }

  /** Sets the org's rolling 24 h API usage; past apiUsageMax every REST call gets 403 REQUEST_LIMIT_EXCEEDED. */
  setApiUsage(n: number): void {
    this.org.apiUsage = n;
  }

  expireAllTokens(): void {
    this.oauth.expireAllTokens();
  }

  issuedTokens(): string[] {
    return this.oauth.issuedTokens();
  }

  revokedTokens(): string[] {
    return this.oauth.revokedTokens();
  }

  /** 'query' faults also answer queryMore pages. A fault is served before any auth or validation. */
  queueFault(kind: FaultKind, fault: EmulatorFault): void {
    this.faults.queueFault(kind, fault);
  }

  /** Drops every fault queued and not served yet. */
  clearFaults(): void {
    this.faults.clearFaults();
  }

  /**
   * Holds the answer to the next request of this kind ('query' holds queryMore pages too) until `release()`. Holds
   * queue like faults; a fault queued for the same request decides its answer, the hold only when it is sent.
   */
  holdNext(kind: FaultKind): EmulatorHold {
    return this.faults.holdNext(kind);
  }

  setLatency(ms: number): void {
    this.faults.latencyMs = ms;
  }

  /** Floods every query answer (see QueryFlood) until called with null. Zeroes floodCounters. */
  setQueryFlood(flood: QueryFlood | null): void {
    this.flood.setQueryFlood(flood);
  }

  async close(): Promise<void> {
    this.closing.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  // ── Request pipeline ──

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = parseTarget(req.url);
    const body = await readBody(req).catch(() => undefined);
    if (!body) return; // the client went away mid-request: nobody is left to answer
    const { reply, soql, kind } = this.process(req, method, url, body);
    this.requests.push({ method, path: url.pathname, status: reply.destroySocket ? 0 : reply.status, ...(soql === undefined ? {} : { soql }) });
    const rest = REST_PATH.test(url.pathname) && !VERSIONS_PATH.test(url.pathname);
    if (rest) this.restInFlightMax = Math.max(this.restInFlightMax, ++this.restInFlight);
    try {
      await this.faults.waitForRelease(kind);
      await this.faults.delay(this.faults.latencyMs + (reply.delayMs ?? 0));
      if (!this.closing.signal.aborted) send(res, reply);
    } finally {
      if (rest) this.restInFlight -= 1;
    }
  }

  /** Oversized requests are refused before anything else looks at them, so they count as 'other'. */
  private process(req: IncomingMessage, method: string, url: URL, body: Buffer): { reply: Reply; soql?: string; kind?: FaultKind } {
    try {
      const oversized = sizeLimitReply(req, this.maxUriBytes);
      if (oversized) {
        this.counters.other += 1;
        return { reply: oversized };
      }
      const classified = this.classify(method, url.pathname);
      this.counters[classified.counter] += 1;
      const reply = this.faults.takeFault(classified.fault) ?? this.route(method, url, req.headers, body);
      if (classified.counter === 'token' && (reply.status >= 400 || reply.destroySocket)) this.counters.tokenFailures += 1;
      const soql = classified.counter === 'query' ? (url.searchParams.get('q') ?? undefined) : undefined;
      return { reply, ...(soql === undefined ? {} : { soql }), ...(classified.fault === undefined ? {} : { kind: classified.fault }) };
    } catch (error) {
      console.error('salesforceEmulator: unexpected error', error);
      return { reply: restError(500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId if you contact support: emulator') };
    }
  }

  private classify(method: string, path: string): Classified {
    const oauth = OAUTH_PATHS[path];
    if (oauth) return method === 'POST' ? { counter: oauth, fault: oauth === 'introspect' ? undefined : oauth } : { counter: 'other' };
    if (!READ_METHODS.includes(method)) return { counter: 'other' };
    if (VERSIONS_PATH.test(path)) return { counter: 'versions', fault: 'versions' };
    const resource = REST_PATH.exec(path)?.[2] ?? '';
    if (QUERY_RESOURCE.test(resource)) return { counter: 'query', fault: 'query' };
    if (resource.startsWith('query/')) return { counter: 'queryMore', fault: 'query' };
    if (DESCRIBE_RESOURCE.test(resource)) return { counter: 'describe', fault: 'describe' };
    return { counter: 'other' };
  }

  private route(method: string, url: URL, headers: IncomingHttpHeaders, body: Buffer): Reply {
    const path = url.pathname;
    const oauth = OAUTH_PATHS[path];
    if (oauth) {
      if (method !== 'POST') return methodNotAllowed(method, ['POST']);
      if (oauth === 'token') return this.oauth.issueToken(headers, body);
      if (oauth === 'revoke') return this.oauth.revoke(headers, body);
      return this.oauth.introspect(headers, body);
    }
    if (VERSIONS_PATH.test(path)) return READ_METHODS.includes(method) ? this.resources.listVersions() : methodNotAllowed(method, READ_METHODS);
    const rest = REST_PATH.exec(path);
    if (rest) return this.handleRest(method, url, headers, rest[1] ?? '', rest[2] ?? '');
    return notFound();
  }

  // ── REST ──

  private handleRest(method: string, url: URL, headers: IncomingHttpHeaders, versionSegment: string, resource: string): Reply {
    const version = /^v(\d+\.\d)$/.exec(versionSegment)?.[1];
    if (version && this.org.retiredVersions.has(version)) {
      return restError(410, 'GONE', `API version ${version} has been retired and is no longer available`);
    }
    if (!version || !this.org.versions.includes(version)) return notFound();
    const token = this.oauth.liveToken(bearerToken(headers.authorization) ?? '');
    if (!token) return invalidSession();
    token.lastUsedAt = Date.now();
    this.org.apiUsage += 1;
    const reply =
      this.org.apiUsage > this.org.apiUsageMax
        ? restError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.')
        : this.routeResource(method, url, version, resource);
    return { ...reply, headers: { ...reply.headers, 'Sforce-Limit-Info': `api-usage=${this.org.apiUsage}/${this.org.apiUsageMax}` } };
  }

  private routeResource(method: string, url: URL, version: string, resource: string): Reply {
    const handler = this.resourceHandler(url, version, resource);
    if (!handler) return notFound();
    return READ_METHODS.includes(method) ? handler() : methodNotAllowed(method, READ_METHODS);
  }

  private resourceHandler(url: URL, version: string, resource: string): (() => Reply) | undefined {
    if (resource === '' || resource === '/') return () => this.resources.resourceDirectory(version);
    if (QUERY_RESOURCE.test(resource)) return () => this.resources.query(url, version);
    if (resource.startsWith('query/')) return () => this.resources.queryMore(resource, version);
    if (resource === 'limits' || resource === 'limits/') return () => this.resources.limits();
    const describe = DESCRIBE_RESOURCE.exec(resource);
    if (describe) return () => this.resources.describe(describe[1] ?? '');
    return undefined;
  }
}
