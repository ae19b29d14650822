/**
 * The SalesforceEmulator class: starts and closes the HTTP server, holds the org state, the OAuth endpoints, the
 * REST resources, the faults and the flood (the other modules of this folder) together, offers the tests' controls,
 * and runs every request through one pipeline: size limit, counters, a queued fault or the router, the request
 * log, then any hold and latency before the answer is sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from './faults';
import { QueryFlooder } from './flood';
import { parseTarget, readBody, type Reply, restError, send, sizeLimitReply } from './http';
import { OAuthServer } from './oauth';
import { OrgState } from './orgState';
import { RestResources } from './resources';
import { classify, REST_PATH, Router, VERSIONS_PATH } from './routes';
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

const DEFAULT_MAX_URI_BYTES = 16_384;
/** Node rejects oversized headers itself (431, no body) before our handler runs; keep it well above our limit. */
const MIN_NODE_MAX_HEADER_SIZE = 64 * 1024;

export class SalesforceEmulator {
  readonly counters: EmulatorCounters = SalesforceEmulator.zeroCounters();
  readonly requests: EmulatorRequestLog[] = [];

  private readonly org: OrgState;
  private readonly maxUriBytes: number;
  private readonly faults: FaultInjector;
  private readonly oauth: OAuthServer;
  private readonly flood: QueryFlooder;
  private readonly router: Router;
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
    this.router = new Router(this.org, this.oauth, new RestResources(this.org, this.flood));
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
      const classified = classify(method, url.pathname);
      this.counters[classified.counter] += 1;
      const reply = this.faults.takeFault(classified.fault) ?? this.router.route(method, url, req.headers, body);
      if (classified.counter === 'token' && (reply.status >= 400 || reply.destroySocket)) this.counters.tokenFailures += 1;
      const soql = classified.counter === 'query' ? (url.searchParams.get('q') ?? undefined) : undefined;
      return { reply, ...(soql === undefined ? {} : { soql }), ...(classified.fault === undefined ? {} : { kind: classified.fault }) };
    } catch (error) {
      console.error('salesforceEmulator: unexpected error', error);
      return { reply: restError(500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId if you contact support: emulator') };
    }
  }
}
