/**
 * Behind every request's DataLoader, shared by all requests of the process: per scope, a contact cache with a
 * TTL (negative results included), one in-flight lookup per email, and batching across requests. Every
 * Salesforce call spends the customer's daily quota; this is where repeats stop costing any.
 *
 * A scope is one tenant's stored connection as it is now (see ConnectionDirectory.scopeOf): every cached
 * contact, cached miss and in-flight lookup belongs to exactly one connection, so after a reconnect, a change of
 * synced fields or a disconnect — on this replica or another — nothing made under the old connection is found
 * again. Old entries are simply never asked for and age out of the LRU.
 *
 * Batching, so that a lone request is fast and a burst is cheap:
 * - a quiet tenant's first miss opens a short window (`batchWindowMs`) that gathers what arrives with it;
 * - a miss that arrives while a lookup for the tenant is under way starts a patient batch: it is sent once that
 *   lookup is answered and misses have stopped arriving for `burstQuietMs`, or at the latest `burstMaxWaitMs`
 *   after it opened. A burst of requests trickling in through a gateway thus costs a few lookups, not one per
 *   request or per round trip (a debounce with a maximum wait). A slow lookup never holds the next batch longer
 *   than that maximum: it is then sent alongside (at most MAX_LOOKUPS_PER_TENANT under way at once).
 *
 * Scopes never see each other's entries: every key carries the scope.
 *
 * The cache (contactCache.ts) is bounded in entries and estimated bytes, and each tenant (`tenantOf` a scope; a
 * scope belongs to one tenant) may hold only its share of it, so one tenant's traffic cannot evict the others'.
 */
import type { StoredAnswer } from '../connections/storedContacts';
import type { Contact } from '../salesforce/contacts';
import { SalesforceError } from '../salesforce/errors';
import { ContactCache } from './contactCache';

export interface SharedContactLookupsOptions<Scope = string> {
  /** 0 disables the cache (in-flight sharing and batching still apply). */
  ttlMs: number;
  /** Cached emails, all tenants together. */
  maxEntries: number;
  /** Estimated bytes of cached contacts, all tenants together (default: no bound but maxEntries). */
  maxBytes?: number;
  /** The share (0 < share ≤ 1) of maxEntries and maxBytes one tenant may hold (default 1: no per-tenant bound). */
  tenantShare?: number;
  batchWindowMs: number;
  /** A patient batch is sent once no miss has joined it for this long… */
  burstQuietMs: number;
  /** …or this long after it opened, whichever comes first. */
  burstMaxWaitMs: number;
  /**
   * Looks up a batch of normalised emails for a scope; null when the scope's state has no connection. Throws
   * (and nothing is cached) when the scope is no longer the state's connection.
   */
  lookup: (scope: Scope, emails: string[]) => Promise<LookupAnswer<Scope> | null>;
  /** The key a scope's cache entries and in-flight lookups are filed under (default: the scope as a string). */
  keyOf?: (scope: Scope) => string;
  /** The tenant a scope belongs to, whose share of the cache its entries count against (default: its key). */
  tenantOf?: (scope: Scope) => string;
  onCache?: (result: ContactCacheResult, count: number) => void;
  /**
   * The second tier, behind this process's cache: answers every replica shares (the connection store's). Asked
   * for a batch's emails before Salesforce, in one round trip; told what Salesforce answered. Used only while
   * the cache is on (ttlMs > 0).
   */
  sharedTier?: SharedTier<Scope>;
  /** Told when the shared tier fails or is slow (it is then skipped: Salesforce answers instead). */
  onSharedTierError?: (operation: 'read' | 'write', error: unknown) => void;
}

/** Where an email's answer came from: this process's cache, the shared tier, or neither (Salesforce was asked). */
export type ContactCacheResult = 'hit' | 'shared_hit' | 'miss';

/** The shared tier as lookups use it; see StoredContacts. */
export interface SharedTier<Scope> {
  read(scope: Scope, emails: readonly string[], since: Date): Promise<Map<string, StoredAnswer>>;
  write(scope: Scope, answers: ReadonlyMap<string, StoredAnswer>): Promise<unknown>;
}

/** A lookup's contacts by email, and the scope they were made under when that is not the one asked for. */
export interface LookupAnswer<Scope> {
  contacts: Map<string, Contact[]>;
  /**
   * The lookup moved its connection on while it ran (a field found gone and left out): the answer is cached under
   * this scope, never under the one asked for, which may come back with the field.
   */
  madeUnder?: Scope;
}

interface Waiter {
  resolve(contacts: Contact[]): void;
  reject(error: unknown): void;
}

interface ScopeState<Scope> {
  /** What lookups of this state are made for (the connection). */
  subject: Scope;
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

export class SharedContactLookups<Scope = string> {
  private readonly cache: ContactCache | null;
  /** Scopes with lookups waiting or under way; idle ones are dropped. */
  private readonly scopes = new Map<string, ScopeState<Scope>>();

  private readonly keyOf: (scope: Scope) => string;
  private readonly tenantOf: (scope: Scope) => string;

  constructor(private readonly options: SharedContactLookupsOptions<Scope>) {
    this.cache =
      options.ttlMs > 0
        ? new ContactCache({
            ttlMs: options.ttlMs,
            maxEntries: options.maxEntries,
            maxBytes: options.maxBytes ?? Number.MAX_SAFE_INTEGER,
            tenantShare: options.tenantShare ?? 1,
          })
        : null;
    this.keyOf = options.keyOf ?? String;
    this.tenantOf = options.tenantOf ?? this.keyOf;
  }

  /** Contacts per email (same order); a failed lookup rejects the emails it covered. */
  load(subject: Scope, emails: readonly string[]): Array<Promise<Contact[]>> {
    const scope = this.keyOf(subject);
    const tenant = this.tenantOf(subject);
    let hits = 0;
    const results = emails.map((email) => {
      const cached = this.cache?.get(tenant, cacheKey(scope, email));
      if (cached !== undefined) {
        hits++;
        return Promise.resolve(cached);
      }
      const state = this.scopes.get(scope);
      return state?.inFlight.get(email) ?? state?.pending.get(email) ?? this.enqueue(scope, this.stateOf(scope, subject), email);
    });
    // A batch already a query's worth gains nothing from the window: send it now (a cold page of people).
    const state = this.scopes.get(scope);
    if (state !== undefined && !state.patient && state.timer !== null && state.pending.size >= FULL_BATCH_EMAILS) this.sendWhenDue(scope, state);
    if (hits > 0) this.options.onCache?.('hit', hits);
    if (hits < emails.length) this.options.onCache?.('miss', emails.length - hits);
    return results;
  }

  /** What the cache holds now (zero when it is off). */
  cacheStats(): { entries: number; bytes: number } {
    return this.cache?.stats() ?? { entries: 0, bytes: 0 };
  }

  /** Shutting down: batches not sent yet are answered with an error now instead of waiting on their timers. */
  close(): void {
    for (const state of this.scopes.values()) {
      if (state.timer !== null) clearTimeout(state.timer);
      state.timer = null;
      const closing = new SalesforceError('unavailable', 'The service is shutting down');
      for (const waiter of state.waiters.values()) waiter.reject(closing);
      state.waiters = new Map();
      state.pending = new Map();
    }
  }

  private enqueue(scope: string, state: ScopeState<Scope>, email: string): Promise<Contact[]> {
    const promise = new Promise<Contact[]>((resolve, reject) => state.waiters.set(email, { resolve, reject }));
    // Rejections are handed to whoever awaits this promise; the marker keeps an unawaited one from crashing.
    promise.catch(() => undefined);
    const now = Date.now();
    if (state.pending.size === 0) {
      state.openedAt = now;
      state.patient = state.lookupsUnderWay > 0;
    }
    state.lastJoinedAt = now;
    state.pending.set(email, promise);
    if (state.timer === null) {
      const wait = state.patient ? this.options.burstQuietMs : this.options.batchWindowMs;
      state.timer = setTimeout(() => this.sendWhenDue(scope, state), wait);
    }
    return promise;
  }

  /**
   * Send the next batch if it is due; otherwise re-arm for when it will be. Answered lookups call back here too.
   */
  private sendWhenDue(scope: string, state: ScopeState<Scope>): void {
    if (state.timer !== null) clearTimeout(state.timer);
    state.timer = null;
    if (state.pending.size === 0) return;
    const now = Date.now();
    const waited = now - state.openedAt;
    const overdue = waited >= this.options.burstMaxWaitMs;
    if (state.lookupsUnderWay > 0) {
      state.patient = true;
      if (!overdue) this.wakeAfter(scope, state, this.options.burstMaxWaitMs - waited);
      else if (state.lookupsUnderWay < MAX_LOOKUPS_PER_SCOPE) void this.flush(scope, state);
      return;
    }
    const quietFor = now - state.lastJoinedAt;
    if (state.patient && !overdue && quietFor < this.options.burstQuietMs) {
      this.wakeAfter(scope, state, Math.min(this.options.burstQuietMs - quietFor, this.options.burstMaxWaitMs - waited));
      return;
    }
    void this.flush(scope, state);
  }

  private wakeAfter(scope: string, state: ScopeState<Scope>, ms: number): void {
    state.timer = setTimeout(() => this.sendWhenDue(scope, state), ms);
  }

  private async flush(scope: string, state: ScopeState<Scope>): Promise<void> {
    const waiters = state.waiters;
    const batch = state.pending;
    state.waiters = new Map();
    state.pending = new Map();
    state.lookupsUnderWay += 1;
    for (const [email, promise] of batch) state.inFlight.set(email, promise);

    const tenant = this.tenantOf(state.subject);
    try {
      const emails = await this.answerFromSharedTier(state.subject, scope, tenant, waiters);
      if (emails.length === 0) return;
      const found = await this.options.lookup(state.subject, emails);
      const madeUnder = found?.madeUnder ?? state.subject;
      const cachedUnder = this.keyOf(madeUnder);
      const fetchedAt = Date.now();
      for (const email of emails) {
        const contacts = found?.contacts.get(email) ?? [];
        if (found !== null) this.cache?.set(tenant, cacheKey(cachedUnder, email), contacts, fetchedAt);
        waiters.get(email)?.resolve(contacts);
      }
      if (found !== null) this.keepInSharedTier(madeUnder, emails, found.contacts, new Date(fetchedAt));
    } catch (error) {
      for (const waiter of waiters.values()) waiter.reject(error);
    } finally {
      state.lookupsUnderWay -= 1;
      for (const [email, promise] of batch) if (state.inFlight.get(email) === promise) state.inFlight.delete(email);
      if (state.pending.size > 0) this.sendWhenDue(scope, state);
      this.forgetIfIdle(scope, state);
    }
  }

  /**
   * Answers what the shared tier holds from within the TTL (into this process's cache too, expiring as the answer
   * would have); returns the emails left for Salesforce. A failing or slow tier answers nothing.
   */
  private async answerFromSharedTier(subject: Scope, scope: string, tenant: string, waiters: Map<string, Waiter>): Promise<string[]> {
    const emails = [...waiters.keys()];
    const tier = this.options.sharedTier;
    if (tier === undefined || this.cache === null) return emails;
    const since = new Date(Date.now() - this.options.ttlMs);
    const kept = await withTimeout(tier.read(subject, emails, since), SHARED_TIER_READ_TIMEOUT_MS).catch((error: unknown) => {
      this.options.onSharedTierError?.('read', error);
      return new Map<string, StoredAnswer>();
    });
    if (kept.size === 0) return emails;
    for (const [email, answer] of kept) {
      this.cache.set(tenant, cacheKey(scope, email), answer.contacts, answer.fetchedAt.getTime());
      waiters.get(email)?.resolve(answer.contacts);
    }
    this.options.onCache?.('shared_hit', kept.size);
    return emails.filter((email) => !kept.has(email));
  }

  /** What Salesforce answered, for every replica: in statements of at most SHARED_TIER_WRITE_ROWS answers, after the waiters have theirs. */
  private keepInSharedTier(madeUnder: Scope, emails: readonly string[], found: ReadonlyMap<string, Contact[]>, fetchedAt: Date): void {
    const tier = this.options.sharedTier;
    if (tier === undefined || this.cache === null) return;
    for (let start = 0; start < emails.length; start += SHARED_TIER_WRITE_ROWS) {
      const answers = new Map(emails.slice(start, start + SHARED_TIER_WRITE_ROWS).map((email) => [email, { contacts: found.get(email) ?? [], fetchedAt }]));
      tier.write(madeUnder, answers).catch((error: unknown) => this.options.onSharedTierError?.('write', error));
    }
  }

  private stateOf(scope: string, subject: Scope): ScopeState<Scope> {
    let state = this.scopes.get(scope);
    if (state === undefined) {
      state = { subject, pending: new Map(), waiters: new Map(), timer: null, openedAt: 0, lastJoinedAt: 0, patient: false, lookupsUnderWay: 0, inFlight: new Map() };
      this.scopes.set(scope, state);
    }
    return state;
  }

  /** Keeps `scopes` as small as the set of scopes with lookups waiting or under way. */
  private forgetIfIdle(scope: string, state: ScopeState<Scope>): void {
    const idle = state.pending.size === 0 && state.inFlight.size === 0 && state.timer === null && state.lookupsUnderWay === 0;
    if (idle && this.scopes.get(scope) === state) {
      this.scopes.delete(scope);
    }
  }
}

/**
 * How long a batch waits for the shared tier before asking Salesforce without it: a slow or unreachable store must
 * not hold lookups (its answer, if it comes, is dropped).
 */
const SHARED_TIER_READ_TIMEOUT_MS = 500;

/** Answers per write statement to the shared tier. */
const SHARED_TIER_WRITE_ROWS = 1000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timedOut]).finally(() => clearTimeout(timer));
}

/** About one URI-sized query's worth of emails (~330 fit one): a batch this big is sent without waiting. */
const FULL_BATCH_EMAILS = 300;

/** Lookups one scope may have under way at once when a slow one would otherwise hold the others. */
const MAX_LOOKUPS_PER_SCOPE = 4;

function cacheKey(scope: string, email: string): string {
  return `${scope}\u0000${email}`;
}
