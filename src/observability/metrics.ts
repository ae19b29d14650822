/**
 * Prometheus metrics for the subgraph. Each instance owns its registry, so several apps in one process (tests)
 * never share series. Tenant ids only become label values when `tenantLabels` is on: they are unbounded and may be
 * sensitive, so by default only aggregates are exported.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { CircuitState } from '../salesforce/circuitBreaker';
import type { ContactCacheResult } from '../loaders/sharedContactLookups';
import type { SalesforceRequestKind, SalesforceRequestOutcome } from '../salesforce/http';
import type { LookupLimitReason } from '../salesforce/lookupLimits';

/** 5 ms … 30 s: from a warm query to the request timeout. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };
/** Tenants whose latest API usage is remembered for the max-ratio gauge. */
const MAX_USAGE_TENANTS = 10_000;

export class Metrics {
  private readonly registry = new Registry();
  private readonly tenantLabels: boolean;
  private readonly openCircuits = new Set<string>();
  /** Latest usage ratio per tenant, oldest update first (Map keeps insertion order). */
  private readonly usageRatios = new Map<string, number>();

  private readonly requests: Counter<'kind' | 'outcome'>;
  private readonly requestDuration: Histogram<'kind'>;
  private readonly retries: Counter<'kind'>;
  private readonly tokenRequests: Counter<'outcome'>;
  private readonly cacheLookups: Counter<'result'>;
  private readonly lookupDuration: Histogram<'outcome'>;
  private readonly lookupEmails: Counter;
  private readonly circuitsOpen: Gauge;
  private readonly circuitStates: Gauge<'tenant'> | undefined;
  private readonly usageRatio: Gauge<'tenant'> | undefined;
  private readonly budgetRefusals: Counter;
  private readonly circuitRefusals: Counter;
  private readonly lookupsTruncated: Counter<'reason'>;
  private readonly tenantThrottled: Counter;
  private readonly cacheSize: { read: () => { entries: number; bytes: number } } = { read: () => ({ entries: 0, bytes: 0 }) };
  private readonly hearing: { read: () => boolean } = { read: () => true };
  private readonly staleServed: Counter;
  private readonly listenerConnected: Gauge;
  private readonly listenerReconnects: Counter;
  private readonly connectionChanges: Counter;

  constructor(options: { tenantLabels: boolean }) {
    this.tenantLabels = options.tenantLabels;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    this.requests = new Counter({
      name: 'salesforce_requests_total',
      help: 'Requests sent to Salesforce, by kind and outcome.',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'salesforce_request_duration_seconds',
      help: 'Duration of requests sent to Salesforce.',
      labelNames: ['kind'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.retries = new Counter({
      name: 'salesforce_retries_total',
      help: 'Salesforce requests retried.',
      labelNames: ['kind'],
      registers,
    });
    this.tokenRequests = new Counter({
      name: 'salesforce_token_requests_total',
      help: 'OAuth token requests (refreshes), by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    this.cacheLookups = new Counter({
      name: 'contact_cache_lookups_total',
      help: 'Contact cache lookups, by result: hit (this process), shared_hit (the shared tier in the store), miss (asked of Salesforce).',
      labelNames: ['result'],
      registers,
    });
    this.lookupDuration = new Histogram({
      name: 'contact_lookup_duration_seconds',
      help: 'Duration of one batched Salesforce contact lookup.',
      labelNames: ['outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.lookupEmails = new Counter({
      name: 'contact_lookup_emails_total',
      help: 'Emails looked up in Salesforce.',
      registers,
    });
    this.circuitsOpen = new Gauge({
      name: 'salesforce_circuits_open',
      help: 'Tenants whose Salesforce circuit is currently open.',
      registers,
    });
    const usageRatios = this.usageRatios;
    new Gauge({
      name: 'salesforce_api_usage_ratio_max',
      help: 'Highest Salesforce API usage ratio (used/max) among recently seen tenants.',
      registers,
      // Computed at scrape time so apiUsage() stays O(1).
      collect() {
        let max = 0;
        for (const ratio of usageRatios.values()) max = Math.max(max, ratio);
        this.set(max);
      },
    });
    this.budgetRefusals = new Counter({
      name: 'salesforce_budget_refusals_total',
      help: 'Salesforce calls refused locally because the API budget was exhausted.',
      registers,
    });
    this.circuitRefusals = new Counter({
      name: 'salesforce_circuit_refusals_total',
      help: 'Salesforce calls refused locally because the circuit was open.',
      registers,
    });
    this.lookupsTruncated = new Counter({
      name: 'salesforce_lookup_truncated_total',
      help: 'Contact lookups cut by a limit: lookup_records / lookup_bytes (stopped reading, failed), contacts_per_email (excess contacts dropped).',
      labelNames: ['reason'],
      registers,
    });
    this.tenantThrottled = new Counter({
      name: 'salesforce_tenant_throttled_total',
      help: "Salesforce calls refused locally because the tenant was over its rate (SALESFORCE_TENANT_CALLS_*).",
      registers,
    });
    const cacheSize = this.cacheSize;
    new Gauge({
      name: 'contact_cache_entries',
      help: 'Emails in the contact cache, all tenants together.',
      registers,
      collect() {
        this.set(cacheSize.read().entries);
      },
    });
    new Gauge({
      name: 'contact_cache_bytes',
      help: 'Estimated bytes of the contact cache, all tenants together (bounded by CONTACT_CACHE_MAX_BYTES).',
      registers,
      collect() {
        this.set(cacheSize.read().bytes);
      },
    });
    if (this.tenantLabels) {
      this.circuitStates = new Gauge({
        name: 'salesforce_circuit_state',
        help: 'Salesforce circuit state per tenant: 0 closed, 1 half open, 2 open.',
        labelNames: ['tenant'],
        registers,
      });
      this.usageRatio = new Gauge({
        name: 'salesforce_api_usage_ratio',
        help: 'Salesforce API usage ratio (used/max) per tenant.',
        labelNames: ['tenant'],
        registers,
      });
    }
    this.listenerConnected = new Gauge({
      name: 'connection_change_listener_connected',
      help: '1 while this replica hears PostgreSQL change notifications for connections; 0 while it re-checks instead.',
      registers,
    });
    this.staleServed = new Counter({
      name: 'contact_stale_answers_total',
      help: 'Emails answered with a contact read earlier (marked stale) because Salesforce could not answer.',
      registers,
    });
    const hearing = this.hearing;
    new Gauge({
      name: 'connection_changes_heard',
      help: '1 while this replica trusts what it knows of connections because its listener proved within CONNECTION_RECHECK_MS that it hears every change; 0 while it re-reads them every CONNECTION_RECHECK_MS instead.',
      registers,
      collect() {
        this.set(hearing.read() ? 1 : 0);
      },
    });
    this.listenerReconnects = new Counter({
      name: 'connection_change_listener_reconnects_total',
      help: 'Times the PostgreSQL change listener was lost and connected again.',
      registers,
    });
    this.connectionChanges = new Counter({
      name: 'connection_changes_seen_total',
      help: "Tenants' connections found changed (connected, reconnected, fields changed, disconnected), here or elsewhere.",
      registers,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  salesforceRequest(kind: SalesforceRequestKind, outcome: SalesforceRequestOutcome, seconds: number): void {
    this.requests.inc({ kind, outcome });
    this.requestDuration.observe({ kind }, seconds);
  }

  salesforceRetry(kind: SalesforceRequestKind): void {
    this.retries.inc({ kind });
  }

  tokenRequest(outcome: 'success' | 'failure'): void {
    this.tokenRequests.inc({ outcome });
  }

  contactCache(result: ContactCacheResult, count = 1): void {
    this.cacheLookups.inc({ result }, count);
  }

  /** Emails answered with what was known because Salesforce could not answer. */
  staleAnswers(count: number): void {
    this.staleServed.inc(count);
  }

  contactLookup(outcome: 'success' | 'failure', seconds: number, emails: number): void {
    this.lookupDuration.observe({ outcome }, seconds);
    this.lookupEmails.inc(emails);
  }

  circuitState(tenantId: string, state: CircuitState): void {
    if (state === 'open') this.openCircuits.add(tenantId);
    else this.openCircuits.delete(tenantId);
    this.circuitsOpen.set(this.openCircuits.size);
    this.circuitStates?.set({ tenant: tenantId }, CIRCUIT_STATE_VALUE[state]);
  }

  apiUsage(tenantId: string, used: number, max: number): void {
    if (!(max > 0) || !Number.isFinite(used)) return;
    const ratio = used / max;
    // Re-insert so the Map's first key is the tenant updated longest ago.
    this.usageRatios.delete(tenantId);
    this.usageRatios.set(tenantId, ratio);
    this.usageRatio?.set({ tenant: tenantId }, ratio);
    if (this.usageRatios.size > MAX_USAGE_TENANTS) {
      const oldest = this.usageRatios.keys().next().value as string;
      this.usageRatios.delete(oldest);
      this.usageRatio?.remove({ tenant: oldest });
    }
  }

  budgetRefusal(): void {
    this.budgetRefusals.inc();
  }

  changeListener(connected: boolean, reconnected = false): void {
    this.listenerConnected.set(connected ? 1 : 0);
    if (reconnected) this.listenerReconnects.inc();
  }

  connectionChanged(): void {
    this.connectionChanges.inc();
  }

  circuitRefusal(): void {
    this.circuitRefusals.inc();
  }

  lookupTruncated(reason: LookupLimitReason): void {
    this.lookupsTruncated.inc({ reason });
  }

  tenantThrottle(): void {
    this.tenantThrottled.inc();
  }

  /** Where the contact cache gauges read their values at scrape time. */
  watchContactCache(read: () => { entries: number; bytes: number }): void {
    this.cacheSize.read = read;
  }

  watchChangeHearing(read: () => boolean): void {
    this.hearing.read = read;
  }
}
