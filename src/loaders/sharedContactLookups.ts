/**
 * Behind every request's DataLoader, shared by all requests of the process: per tenant, a contact cache with a
 * TTL (negative results included), one in-flight lookup per email, and batching across requests. Every
 * Salesforce call spends the customer's daily quota; this is where repeats stop costing any.
 *
 * Batching, so that a lone request is fast and a burst is cheap:
 * - a quiet tenant's first miss opens a short window (`batchWindowMs`) that gathers what arrives with it;
 * - a miss that arrives while a lookup for the tenant is under way starts a patient batch: it is sent once that
 *   lookup is answered and misses have stopped arriving for `burstQuietMs`, or at the latest `burstMaxWaitMs`
 *   after it opened. A burst of requests trickling in through a gateway thus costs a few lookups, not one per
 *   request or per round trip (a debounce with a maximum wait). A slow lookup never holds the next batch longer
 *   than that maximum: it is then sent alongside (at most MAX_LOOKUPS_PER_TENANT under way at once).
 *
 * Tenants never see each other's entries: every key carries the tenant, and clearing a tenant (connect,
 * disconnect, field changes) moves it to a new generation, so even lookups already in flight cannot fill the
 * cache with answers from before the change.
 */
import { LRUCache } from 'lru-cache';
import type { Contact } from '../salesforce/contacts';
import { SalesforceError } from '../salesforce/errors';

export interface SharedContactLookupsOptions {
  /** 0 disables the cache (in-flight sharing and batching still apply). */
  ttlMs: number;
  maxEntries: number;
  batchWindowMs: number;
  /** A patient batch is sent once no miss has joined it for this long… */
  burstQuietMs: number;
  /** …or this long after it opened, whichever comes first. */
  burstMaxWaitMs: number;
  /** Looks up a batch of normalised emails for a tenant; null when the tenant has no connection. */
  lookup: (tenantId: string, emails: string[]) => Promise<Map<string, Contact[]> | null>;
  onCache?: (result: 'hit' | 'miss', count: number) => void;
}

interface Waiter {
  resolve(contacts: Contact[]): void;
  reject(error: unknown): void;
}

interface TenantState {
  /** The next batch: emails waiting to be sent. */
  pending: Map<string, Promise<Contact[]>>;
  waiters: Map<string, Waiter>;
  timer: NodeJS.Timeout | null;
  /** When the next batch got its first email, and its latest. */
  openedAt: number;
  lastJoinedAt: number;
  /** The next batch opened (or its window closed) while a lookup was under way. */
  patient: boolean;
  /** Lookups sent and not answered yet. */
  lookupsUnderWay: number;
  /** Emails whose lookup has been sent and not answered yet. */
  inFlight: Map<string, Promise<Contact[]>>;
}

export class SharedContactLookups {
  private readonly cache: LRUCache<string, Contact[]> | null;
  /** Tenants with lookups waiting or under way; idle ones are dropped. */
  private readonly tenants = new Map<string, TenantState>();
  /** Bumped when a tenant is cleared; absent means 0. Bounded: a forgotten bump only matters within one TTL. */
  private readonly generations = new LRUCache<string, number>({ max: 100_000 });
  private nextGeneration = 1;

  constructor(private readonly options: SharedContactLookupsOptions) {
    this.cache = options.ttlMs > 0 ? new LRUCache({ max: options.maxEntries, ttl: options.ttlMs }) : null;
  }

  /** Contacts per email (same order); a failed lookup rejects the emails it covered. */
  load(tenantId: string, emails: readonly string[]): Array<Promise<Contact[]>> {
    const generation = this.generation(tenantId);
    let hits = 0;
    const results = emails.map((email) => {
      const cached = this.cache?.get(cacheKey(tenantId, generation, email));
      if (cached !== undefined) {
        hits++;
        return Promise.resolve(cached);
      }
      const tenant = this.tenants.get(tenantId);
      return tenant?.inFlight.get(email) ?? tenant?.pending.get(email) ?? this.enqueue(tenantId, this.tenant(tenantId), email);
    });
    if (hits > 0) this.options.onCache?.('hit', hits);
    if (hits < emails.length) this.options.onCache?.('miss', emails.length - hits);
    return results;
  }

  /** Shutting down: batches not sent yet are answered with an error now instead of waiting on their timers. */
  close(): void {
    for (const tenant of this.tenants.values()) {
      if (tenant.timer !== null) clearTimeout(tenant.timer);
      tenant.timer = null;
      const closing = new SalesforceError('unavailable', 'The service is shutting down');
      for (const waiter of tenant.waiters.values()) waiter.reject(closing);
      tenant.waiters = new Map();
      tenant.pending = new Map();
    }
  }

  /** Forget everything cached for the tenant; lookups already under way will not be cached. */
  clear(tenantId: string): void {
    this.generations.set(tenantId, this.nextGeneration++);
    this.tenants.get(tenantId)?.inFlight.clear();
  }

  private enqueue(tenantId: string, tenant: TenantState, email: string): Promise<Contact[]> {
    const promise = new Promise<Contact[]>((resolve, reject) => tenant.waiters.set(email, { resolve, reject }));
    // Rejections are handed to whoever awaits this promise; the marker keeps an unawaited one from crashing.
    promise.catch(() => undefined);
    const now = Date.now();
    if (tenant.pending.size === 0) {
      tenant.openedAt = now;
      tenant.patient = tenant.lookupsUnderWay > 0;
    }
    tenant.lastJoinedAt = now;
    tenant.pending.set(email, promise);
    if (tenant.timer === null) {
      const wait = tenant.patient ? this.options.burstQuietMs : this.options.batchWindowMs;
      tenant.timer = setTimeout(() => this.sendWhenDue(tenantId, tenant), wait);
    }
    return promise;
  }

  /**
   * Send the next batch if it is due; otherwise re-arm for when it will be. Answered lookups call back here too.
   */
  private sendWhenDue(tenantId: string, tenant: TenantState): void {
    if (tenant.timer !== null) clearTimeout(tenant.timer);
    tenant.timer = null;
    if (tenant.pending.size === 0) return;
    const now = Date.now();
    const waited = now - tenant.openedAt;
    const overdue = waited >= this.options.burstMaxWaitMs;
    if (tenant.lookupsUnderWay > 0) {
      tenant.patient = true;
      if (!overdue) this.wakeAfter(tenantId, tenant, this.options.burstMaxWaitMs - waited);
      else if (tenant.lookupsUnderWay < MAX_LOOKUPS_PER_TENANT) void this.flush(tenantId, tenant);
      return;
    }
    const quietFor = now - tenant.lastJoinedAt;
    if (tenant.patient && !overdue && quietFor < this.options.burstQuietMs) {
      this.wakeAfter(tenantId, tenant, Math.min(this.options.burstQuietMs - quietFor, this.options.burstMaxWaitMs - waited));
      return;
    }
    void this.flush(tenantId, tenant);
  }

  private wakeAfter(tenantId: string, tenant: TenantState, ms: number): void {
    tenant.timer = setTimeout(() => this.sendWhenDue(tenantId, tenant), ms);
  }

  private async flush(tenantId: string, tenant: TenantState): Promise<void> {
    const waiters = tenant.waiters;
    const batch = tenant.pending;
    tenant.waiters = new Map();
    tenant.pending = new Map();
    tenant.lookupsUnderWay += 1;
    const generation = this.generation(tenantId);
    for (const [email, promise] of batch) tenant.inFlight.set(email, promise);

    const emails = [...waiters.keys()];
    try {
      const found = await this.options.lookup(tenantId, emails);
      for (const email of emails) {
        const contacts = found?.get(email) ?? [];
        if (found !== null && this.generation(tenantId) === generation) this.cache?.set(cacheKey(tenantId, generation, email), contacts);
        waiters.get(email)?.resolve(contacts);
      }
    } catch (error) {
      for (const waiter of waiters.values()) waiter.reject(error);
    } finally {
      tenant.lookupsUnderWay -= 1;
      for (const [email, promise] of batch) if (tenant.inFlight.get(email) === promise) tenant.inFlight.delete(email);
      if (tenant.pending.size > 0) this.sendWhenDue(tenantId, tenant);
      this.forgetIfIdle(tenantId, tenant);
    }
  }

  private tenant(tenantId: string): TenantState {
    let tenant = this.tenants.get(tenantId);
    if (tenant === undefined) {
      tenant = { pending: new Map(), waiters: new Map(), timer: null, openedAt: 0, lastJoinedAt: 0, patient: false, lookupsUnderWay: 0, inFlight: new Map() };
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  private generation(tenantId: string): number {
    return this.generations.get(tenantId) ?? 0;
  }

  /** Keeps `tenants` as small as the set of tenants with lookups waiting or under way. */
  private forgetIfIdle(tenantId: string, tenant: TenantState): void {
    const idle = tenant.pending.size === 0 && tenant.inFlight.size === 0 && tenant.timer === null && tenant.lookupsUnderWay === 0;
    if (idle && this.tenants.get(tenantId) === tenant) {
      this.tenants.delete(tenantId);
    }
  }
}

/** Lookups one tenant may have under way at once when a slow one would otherwise hold the others. */
const MAX_LOOKUPS_PER_TENANT = 4;

function cacheKey(tenantId: string, generation: number, email: string): string {
  return `${tenantId}\u0000${generation}\u0000${email}`;
}
