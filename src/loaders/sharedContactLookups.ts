/**
 * Behind every request's DataLoader, shared by all requests of the process: per scope, a contact cache (negative
 * results included) in front of the shared tier in the store, one in-flight lookup per email, and batching across
 * requests. Every Salesforce call spends the customer's daily quota; this is where repeats stop costing any.
 *
 * Answers carry when Salesforce gave them, and their age decides (answerWindows.ts): within the TTL they are
 * served; within the revalidate window after it they are served at once and refreshed behind (one refresh per
 * email whichever replicas ask: claimed in the shared tier), through the same batching as any lookup; past both,
 * Salesforce is asked, and if it cannot answer (`canServeStale`), what is known from within the stale-if-error
 * window is served instead, marked stale.
 *
 * A scope is one tenant's stored connection as it is now (see ConnectionDirectory.scopeOf): every cached
 * contact, cached miss and in-flight lookup belongs to exactly one connection, so after a reconnect, a change of
 * synced fields or a disconnect — on this replica or another — nothing made under the old connection is found
 * again. Old entries are simply never asked for and age out of the LRU.
 *
 * Batching, so that a lone request is fast and a burst is cheap, however starved the event loop:
 * - a quiet tenant's first miss opens a short window (`batchWindowMs`) that gathers what arrives with it;
 * - a miss that arrives while a lookup for the tenant is under way starts a patient batch: it is sent once that
 *   lookup is answered and misses have stopped arriving for `burstQuietMs`, or at the latest `burstMaxWaitMs`
 *   after it opened. A burst of requests trickling in through a gateway thus costs a few lookups, not one per
 *   request or per round trip (a debounce with a maximum wait). A slow lookup never holds the next batch longer
 *   than that maximum: it is then sent alongside (at most MAX_LOOKUPS_PER_SCOPE under way at once);
 * - silence is counted only while the event loop is idle (`loopIdleMs`: waiting for something to do), not by
 *   the wall clock alone. On a starved loop (this process busy, or other processes taking the CPU) the requests
 *   still to come are being worked on, not absent: a timer that fires late, or between two clumps of arrivals,
 *   does not take that for the end of the burst. A busy process waits longer for silence, never past the maximum;
 * - a burst that outlasts the maximum wait is cut into batches whose wait doubles each time one goes because its
 *   wait ran out, up to `burstLongestWaitMs`; silence, or nothing waiting and under way, starts it over. A burst
 *   spread over seconds (a starved loop takes that long to let 200 queries through) thus costs a few lookups
 *   (about log2 of its length in maximum waits), and a request waits at most about as long as the burst had
 *   lasted when it arrived, plus one maximum wait;
 * - a batch that holds a query's worth of emails (FULL_BATCH_EMAILS) goes at once, patient or not: waiting would
 *   gain it nothing.
 * A 401 (expired session) does not end a lookup: it fetches a new token (single-flight) and asks again, and the
 * burst behind it keeps gathering meanwhile; only a lookup sent before that 401 came back pays it twice.
 *
 * Scopes never see each other's entries: every key carries the scope.
 *
 * The cache (contactCache.ts) is bounded in entries and estimated bytes, and each tenant (`tenantOf` a scope; a
 * scope belongs to one tenant) may hold only its share of it, so one tenant's traffic cannot evict the others'.
 */
import { performance } from 'node:perf_hooks';
import type { Contact } from '../salesforce/contacts';
import { SalesforceError } from '../salesforce/errors';
import { type AnswerWindows, freshnessOf, keepMs, usableIfFailing } from './answerWindows';
import { type CachedAnswer, ContactCache } from './contactCache';
import type { Span } from '@opentelemetry/api';
import { ATTR, markFailed } from '../observability/tracing/spans';
import { BatchTrace, detachedFromRequest, failureCode, type LookupTally } from './lookupTracing';
import { type SharedTier, SharedTierAccess, type SharedTierOperation } from './sharedTierAccess';

export type { SharedTier };

export interface SharedContactLookupsOptions<Scope = string> {
  /** 0 disables the cache, both tiers (in-flight sharing and batching still apply). */
  ttlMs: number;
  /** After the TTL, how long an answer is still served at once while it is refreshed behind (default 0). */
  staleWhileRevalidateMs?: number;
  /** How old an answer may be to stand in for one Salesforce could not give (default 0: never). */
  staleIfErrorMs?: number;
  /** Whether a lookup's failure lets what is known be served instead (Salesforce could not answer, not "no"). */
  canServeStale?: (error: unknown) => boolean;
  /**
   * Whether a lookup's failure means what is known must stop being served at once (Salesforce refused the
   * credentials: the customer may have revoked the app): the scope's answers are then forgotten, in both tiers.
   */
  isRefusal?: (error: unknown) => boolean;
  /** Told how many emails were answered with what was known because Salesforce could not answer. */
  onStale?: (count: number) => void;
  /** Cached emails, all tenants together. */
  maxEntries: number;
  /** Estimated bytes of cached contacts, all tenants together (default: no bound but maxEntries). */
  maxBytes?: number;
  /** The share (0 < share ≤ 1) of maxEntries and maxBytes one tenant may hold (default 1: no per-tenant bound). */
  tenantShare?: number;
  batchWindowMs: number;
  /** A patient batch is sent once no miss has joined it for this long of the event loop's idle time… */
  burstQuietMs: number;
  /** …or this long after it opened, whichever comes first… */
  burstMaxWaitMs: number;
  /**
   * …doubled for each batch of the same burst that went because its wait ran out, up to this (default 8 ×
   * burstMaxWaitMs).
   */
  burstLongestWaitMs?: number;
  /**
   * Milliseconds the event loop has spent idle, waiting for something to do (default: this process's, from
   * `performance.eventLoopUtilization()`); a patient batch's silence is counted in these.
   */
  loopIdleMs?: () => number;
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
  onSharedTierError?: (operation: SharedTierOperation, error: unknown) => void;
}

/** Where an email's answer came from: this process's cache, the shared tier, or neither (Salesforce was asked). */
export type ContactCacheResult = 'hit' | 'shared_hit' | 'miss';

/** One email's answer as served: its contacts, when Salesforce gave them, and whether it stands in for a failure. */
export interface ContactAnswer {
  contacts: Contact[];
  fetchedAt: Date;
  /** Served past the TTL and revalidate windows because Salesforce could not answer. */
  stale: boolean;
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
  resolve(answer: ContactAnswer): void;
  reject(error: unknown): void;
  /** The tally of the request that queued the email, told where its answer came from. */
  tally: LookupTally | undefined;
}

interface ScopeState<Scope> {
  /** What lookups of this state are made for (the connection). */
  subject: Scope;
  /** The next batch: emails waiting to be sent, and the requests waiting for it as a trace sees them. */
  pending: Map<string, Promise<ContactAnswer>>;
  waiters: Map<string, Waiter>;
  trace: BatchTrace;
  timer: NodeJS.Timeout | null;
  /** When the next batch got its first email, and its latest (by the wall clock, and by the loop's idle time). */
  openedAt: number;
  lastJoinedAt: number;
  lastJoinedIdleMs: number;
  /** Batches of this burst in a row that went because their wait ran out: each doubles the next one's. */
  cutShort: number;
  /** The next batch opened (or its window closed) while a lookup was under way. */
  patient: boolean;
  /** Lookups sent and not answered yet. */
  lookupsUnderWay: number;
  /** Emails whose lookup has been sent and not answered yet. */
  inFlight: Map<string, Promise<ContactAnswer>>;
  /** What is known of emails waiting or in flight, too old to serve but young enough to stand in for a failure. */
  known: Map<string, CachedAnswer>;
  /** Emails being refreshed behind an answer already served (claiming, waiting or in flight). */
  refreshing: Set<string>;
}

export class SharedContactLookups<Scope = string> {
  private readonly cache: ContactCache | null;
  /** The shared tier, only while the cache is on. */
  private readonly tier: SharedTierAccess<Scope> | null;
  private readonly windows: AnswerWindows;
  /** Set by close(): refreshes scheduled before are not started. */
  private closed = false;
  /** Scopes with lookups waiting or under way; idle ones are dropped. */
  private readonly scopes = new Map<string, ScopeState<Scope>>();

  private readonly keyOf: (scope: Scope) => string;
  private readonly tenantOf: (scope: Scope) => string;
  private readonly loopIdleMs: () => number;
  private readonly longestWaitMs: number;

  constructor(private readonly options: SharedContactLookupsOptions<Scope>) {
    this.windows = { ttlMs: options.ttlMs, staleWhileRevalidateMs: options.staleWhileRevalidateMs ?? 0, staleIfErrorMs: options.staleIfErrorMs ?? 0 };
    this.cache =
      options.ttlMs > 0
        ? new ContactCache({
            keepMs: keepMs(this.windows),
            maxEntries: options.maxEntries,
            maxBytes: options.maxBytes ?? Number.MAX_SAFE_INTEGER,
            tenantShare: options.tenantShare ?? 1,
          })
        : null;
    this.tier = this.cache !== null && options.sharedTier !== undefined ? new SharedTierAccess(options.sharedTier, options.onSharedTierError) : null;
    this.keyOf = options.keyOf ?? String;
    this.tenantOf = options.tenantOf ?? this.keyOf;
    this.loopIdleMs = options.loopIdleMs ?? eventLoopIdleMs;
    this.longestWaitMs = Math.max(options.burstMaxWaitMs, options.burstLongestWaitMs ?? options.burstMaxWaitMs * BURST_WAIT_GROWTH);
  }

  /**
   * Each email's answer (same order): served from this process's cache while fresh or being revalidated,
   * otherwise looked up. A failed lookup rejects the emails it covered, but for those with a known answer young
   * enough to stand in (stale). `tally`, when given, is told where each answer comes from (for the request's span).
   * An answer this process holds comes back as a value, not a promise: a warm page costs no promise per email.
   */
  load(subject: Scope, emails: readonly string[], tally?: LookupTally): Array<ContactAnswer | Promise<ContactAnswer>> {
    const scope = this.keyOf(subject);
    const tenant = this.tenantOf(subject);
    const now = Date.now();
    let hits = 0;
    const revalidate: string[] = [];
    const results = emails.map((email) => {
      const cached = this.cache?.get(tenant, cacheKey(scope, email));
      const freshness = cached === undefined ? 'expired' : freshnessOf(cached.fetchedAt, now, this.windows);
      if (cached !== undefined && freshness !== 'expired') {
        hits++;
        if (freshness === 'revalidate') revalidate.push(email);
        return served(cached, false);
      }
      const state = this.stateOf(scope, subject);
      if (cached !== undefined && usableIfFailing(cached.fetchedAt, now, this.windows)) state.known.set(email, cached);
      const underWay = state.inFlight.get(email) ?? state.pending.get(email);
      if (underWay !== undefined && tally !== undefined) tally.coalesced++;
      return underWay ?? this.enqueue(scope, state, email, tally);
    });
    if (tally !== undefined) tally.fromCache += hits;
    // A batch already a query's worth gains nothing from waiting: send it now (a cold page of people).
    const state = this.scopes.get(scope);
    if (state !== undefined && state.pending.size >= FULL_BATCH_EMAILS) this.sendWhenDue(scope, state);
    if (revalidate.length > 0) this.refreshSoon(subject, revalidate);
    if (hits > 0) this.options.onCache?.('hit', hits);
    if (hits < emails.length) this.options.onCache?.('miss', emails.length - hits);
    return results;
  }

  /**
   * What is known of `email` and young enough to stand in for an answer Salesforce could not give in time (the
   * request's deadline passed), marked stale; undefined when nothing is.
   */
  lastKnown(subject: Scope, email: string): ContactAnswer | undefined {
    const scope = this.keyOf(subject);
    const known = this.scopes.get(scope)?.known.get(email) ?? this.cache?.get(this.tenantOf(subject), cacheKey(scope, email));
    return known !== undefined && usableIfFailing(known.fetchedAt, Date.now(), this.windows) ? served(known, true) : undefined;
  }

  /**
   * Forget every answer this process keeps under `subject` (its connection was replaced or removed, or Salesforce
   * refused it): contact data must not outlive the connection in memory either.
   */
  forget(subject: Scope): void {
    this.cache?.forgetScope(this.tenantOf(subject), `${this.keyOf(subject)}\u0000`);
  }

  /** What the cache holds now (zero when it is off). */
  cacheStats(): { entries: number; bytes: number } {
    return this.cache?.stats() ?? { entries: 0, bytes: 0 };
  }

  /** Shutting down: batches not sent yet are answered with an error now instead of waiting on their timers. */
  close(): void {
    this.closed = true;
    for (const state of this.scopes.values()) {
      if (state.timer !== null) clearTimeout(state.timer);
      state.timer = null;
      const closing = new SalesforceError('unavailable', 'The service is shutting down');
      for (const waiter of state.waiters.values()) waiter.reject(closing);
      state.waiters = new Map();
      state.pending = new Map();
      state.trace = new BatchTrace();
    }
  }

  /**
   * A refresh starts once the read that asked for it has been answered and a burst of such reads has had time to
   * join it (`burstQuietMs`): nobody waits for it, so it never competes with the answers being sent.
   */
  private refreshSoon(subject: Scope, emails: readonly string[]): void {
    setTimeout(() => detachedFromRequest(() => this.refresh(subject, emails)), this.options.burstQuietMs).unref();
  }

  /**
   * Refresh answers already served from the revalidate window: those no lookup covers yet, and (with a shared
   * tier) only those this process claims, so that one replica asks Salesforce for each. They then join the next
   * batch like any miss; what they find lands in both tiers, and nobody waits for it. An answer another replica
   * refreshes (or has refreshed) is dropped from this process's cache, so the next read takes the new one from the
   * shared tier instead of serving this copy for the rest of the window.
   */
  private refresh(subject: Scope, emails: readonly string[]): void {
    if (this.closed) return; // shutting down: nobody is waiting for a refresh
    const scope = this.keyOf(subject);
    const tenant = this.tenantOf(subject);
    const state = this.stateOf(scope, subject);
    const wanted = emails.filter((email) => !state.refreshing.has(email) && !state.inFlight.has(email) && !state.pending.has(email));
    if (wanted.length === 0) return this.forgetIfIdle(scope, state);
    for (const email of wanted) state.refreshing.add(email);
    const tier = this.tier;
    const claiming = tier === null ? Promise.resolve(wanted) : tier.claim(subject, wanted, new Date(Date.now() - this.windows.ttlMs));
    const servedAt = new Map(wanted.map((email) => [email, this.cache?.get(tenant, cacheKey(scope, email))?.fetchedAt ?? 0]));
    void claiming.then((claimed) => {
      const mine = new Set(claimed);
      for (const email of wanted) {
        if (!mine.has(email) || state.inFlight.has(email) || state.pending.has(email)) {
          if (!mine.has(email) && tier !== null) this.cache?.forget(tenant, cacheKey(scope, email), servedAt.get(email) ?? 0);
          state.refreshing.delete(email);
          continue;
        }
        void this.enqueue(scope, state, email)
          .catch(() => undefined)
          .finally(() => {
            state.refreshing.delete(email);
            this.forgetIfIdle(scope, state);
          });
      }
      this.forgetIfIdle(scope, state);
    });
  }

  private enqueue(scope: string, state: ScopeState<Scope>, email: string, tally?: LookupTally): Promise<ContactAnswer> {
    const promise = new Promise<ContactAnswer>((resolve, reject) => state.waiters.set(email, { resolve, reject, tally }));
    if (tally !== undefined) tally.batched++;
    // Rejections are handed to whoever awaits this promise; the marker keeps an unawaited one from crashing.
    promise.catch(() => undefined);
    const now = Date.now();
    if (state.pending.size === 0) {
      state.openedAt = now;
      state.patient = state.lookupsUnderWay > 0;
      // Nothing waiting and nothing under way: whatever burst there was has ended.
      if (!state.patient) state.cutShort = 0;
    }
    state.lastJoinedAt = now;
    state.lastJoinedIdleMs = this.loopIdleMs();
    state.pending.set(email, promise);
    state.trace.join();
    if (state.timer === null) {
      const wait = state.patient ? this.options.burstQuietMs : this.options.batchWindowMs;
      state.timer = setTimeout(() => this.sendWhenDue(scope, state), wait);
    }
    return promise;
  }

  /**
   * Send the next batch if it is due (see the header); otherwise re-arm for when it may be. Answered lookups call
   * back here too.
   */
  private sendWhenDue(scope: string, state: ScopeState<Scope>): void {
    if (state.timer !== null) clearTimeout(state.timer);
    state.timer = null;
    if (state.pending.size === 0) return;
    const now = Date.now();
    const waited = now - state.openedAt;
    const maxWait = this.maxWaitOf(state);
    const full = state.pending.size >= FULL_BATCH_EMAILS;
    const overdue = waited >= maxWait;
    if (state.lookupsUnderWay > 0) {
      state.patient = true;
      // Overdue with every lookup slot taken: the next answer calls back.
      if ((full || overdue) && state.lookupsUnderWay < MAX_LOOKUPS_PER_SCOPE) this.flushFor(scope, state, full ? 'full' : 'overdue');
      else if (!overdue) this.wakeAfter(scope, state, maxWait - waited);
      return;
    }
    if (!state.patient) return this.flushFor(scope, state, 'window');
    if (full) return this.flushFor(scope, state, 'full');
    if (overdue) return this.flushFor(scope, state, 'overdue');
    const quietFor = this.quietFor(state, now);
    if (quietFor < this.options.burstQuietMs) {
      this.wakeAfter(scope, state, Math.min(this.options.burstQuietMs - quietFor, maxWait - waited));
      return;
    }
    this.flushFor(scope, state, 'quiet');
  }

  /** How long a patient batch may wait: the maximum, doubled for each batch before it that ran out of it. */
  private maxWaitOf(state: ScopeState<Scope>): number {
    return Math.min(this.options.burstMaxWaitMs * 2 ** state.cutShort, this.longestWaitMs);
  }

  /** How long no miss has joined the batch, in time the event loop spent idle (never more than the wall clock's). */
  private quietFor(state: ScopeState<Scope>, now: number): number {
    return Math.min(now - state.lastJoinedAt, this.loopIdleMs() - state.lastJoinedIdleMs);
  }

  /**
   * Send the batch, remembering why for the next one's wait: a burst that went quiet starts over at the maximum
   * wait; a patient batch that ran out of its wait doubles the next one's; a full one, or a window's, leaves it.
   */
  private flushFor(scope: string, state: ScopeState<Scope>, reason: 'window' | 'full' | 'overdue' | 'quiet'): void {
    if (reason === 'quiet') state.cutShort = 0;
    else if (reason === 'overdue' && state.patient && this.maxWaitOf(state) < this.longestWaitMs) state.cutShort += 1;
    void this.flush(scope, state);
  }

  private wakeAfter(scope: string, state: ScopeState<Scope>, ms: number): void {
    state.timer = setTimeout(() => this.sendWhenDue(scope, state), ms);
  }

  private async flush(scope: string, state: ScopeState<Scope>): Promise<void> {
    const waiters = state.waiters;
    const batch = state.pending;
    const trace = state.trace;
    state.waiters = new Map();
    state.pending = new Map();
    state.trace = new BatchTrace();
    state.lookupsUnderWay += 1;
    for (const [email, promise] of batch) state.inFlight.set(email, promise);
    await trace.run(batch.size, (span) => this.send(scope, state, waiters, batch, span));
  }

  /** The batch's way: the shared tier, then Salesforce for what it did not hold; every waiter is answered. */
  private async send(
    scope: string,
    state: ScopeState<Scope>,
    waiters: Map<string, Waiter>,
    batch: Map<string, Promise<ContactAnswer>>,
    span: Span,
  ): Promise<void> {
    const tenant = this.tenantOf(state.subject);
    try {
      const emails = await this.answerFromSharedTier(state, scope, tenant, waiters, batch);
      span.setAttributes({ [ATTR.fromSharedTier]: waiters.size - emails.length, [ATTR.toSalesforce]: emails.length });
      for (const email of emails) {
        const tally = waiters.get(email)?.tally;
        if (tally !== undefined) tally.toSalesforce++;
      }
      if (emails.length === 0) return;
      let found: LookupAnswer<Scope> | null;
      try {
        found = await this.options.lookup(state.subject, emails);
      } catch (error) {
        markFailed(span, failureCode(error));
        if (this.options.isRefusal?.(error) === true) this.forgetRefused(state.subject);
        this.answerFailure(state, emails, waiters, error);
        return;
      }
      const madeUnder = found?.madeUnder ?? state.subject;
      const cachedUnder = this.keyOf(madeUnder);
      const fetchedAt = Date.now();
      for (const email of emails) {
        const contacts = found?.contacts.get(email) ?? [];
        if (found !== null) this.cache?.set(tenant, cacheKey(cachedUnder, email), contacts, fetchedAt);
        waiters.get(email)?.resolve({ contacts, fetchedAt: new Date(fetchedAt), stale: false });
      }
      if (found !== null) this.tier?.keep(madeUnder, emails, found.contacts, new Date(fetchedAt));
    } catch (error) {
      for (const waiter of waiters.values()) waiter.reject(error);
    } finally {
      state.lookupsUnderWay -= 1;
      for (const [email, promise] of batch) {
        if (state.inFlight.get(email) !== promise) continue;
        state.inFlight.delete(email);
        state.known.delete(email);
      }
      if (state.pending.size > 0) this.sendWhenDue(scope, state);
      this.forgetIfIdle(scope, state);
    }
  }

  /**
   * Answers what the shared tier holds that is fresh, or within the revalidate window (then refreshed behind,
   * unless the email is itself being refreshed), into this process's cache too; remembers older answers that may
   * stand in for a failure. Returns the emails left for Salesforce. A failing or slow tier answers nothing.
   */
  private async answerFromSharedTier(
    state: ScopeState<Scope>,
    scope: string,
    tenant: string,
    waiters: Map<string, Waiter>,
    batch: Map<string, Promise<ContactAnswer>>,
  ): Promise<string[]> {
    const emails = [...waiters.keys()];
    if (this.tier === null || this.cache === null) return emails;
    const kept = await this.tier.read(state.subject, emails, new Date(Date.now() - keepMs(this.windows)));
    const now = Date.now();
    const answered = new Set<string>();
    const revalidate: string[] = [];
    for (const [email, stored] of kept) {
      const answer = { contacts: stored.contacts, fetchedAt: stored.fetchedAt.getTime() };
      const freshness = freshnessOf(answer.fetchedAt, now, this.windows);
      const serve = freshness === 'fresh' || (freshness === 'revalidate' && !state.refreshing.has(email));
      if (!serve) {
        const known = state.known.get(email);
        if (usableIfFailing(answer.fetchedAt, now, this.windows) && (known === undefined || known.fetchedAt < answer.fetchedAt)) state.known.set(email, answer);
        continue;
      }
      this.cache.set(tenant, cacheKey(scope, email), answer.contacts, answer.fetchedAt);
      const waiter = waiters.get(email);
      if (waiter?.tally !== undefined) waiter.tally.fromSharedTier++;
      waiter?.resolve(served(answer, false));
      answered.add(email);
      // Answered: no longer in flight (so that its refresh, below, is not taken for a lookup already under way).
      if (state.inFlight.get(email) === batch.get(email)) state.inFlight.delete(email);
      state.known.delete(email);
      if (freshness === 'revalidate') revalidate.push(email);
    }
    if (answered.size > 0) this.options.onCache?.('shared_hit', answered.size);
    if (revalidate.length > 0) this.refreshSoon(state.subject, revalidate);
    return emails.filter((email) => !answered.has(email));
  }

  /**
   * Salesforce refused the scope's credentials: nothing read under them is served again, from this process or any
   * other (the shared tier's answers go too; another replica's own copy goes at its next refresh).
   */
  private forgetRefused(subject: Scope): void {
    this.forget(subject);
    this.tier?.forget(subject);
  }

  /**
   * Salesforce could not be asked or did not answer: an email with a known answer young enough stands in for it,
   * marked stale, when the failure allows (Salesforce could not answer, as opposed to refusing); the rest fail.
   */
  private answerFailure(state: ScopeState<Scope>, emails: readonly string[], waiters: Map<string, Waiter>, error: unknown): void {
    const now = Date.now();
    const standIn = this.options.canServeStale?.(error) === true;
    let stale = 0;
    for (const email of emails) {
      const waiter = waiters.get(email);
      const known = state.known.get(email);
      if (standIn && known !== undefined && usableIfFailing(known.fetchedAt, now, this.windows)) {
        // A refresh nobody waits for serves no one: not counted.
        if (!state.refreshing.has(email)) stale++;
        waiter?.resolve(served(known, true));
      } else {
        waiter?.reject(error);
      }
    }
    if (stale > 0) this.options.onStale?.(stale);
  }

  private stateOf(scope: string, subject: Scope): ScopeState<Scope> {
    let state = this.scopes.get(scope);
    if (state === undefined) {
      state = {
        subject,
        pending: new Map(),
        waiters: new Map(),
        trace: new BatchTrace(),
        timer: null,
        openedAt: 0,
        lastJoinedAt: 0,
        lastJoinedIdleMs: 0,
        cutShort: 0,
        patient: false,
        lookupsUnderWay: 0,
        inFlight: new Map(),
        known: new Map(),
        refreshing: new Set(),
      };
      this.scopes.set(scope, state);
    }
    return state;
  }

  /** Keeps `scopes` as small as the set of scopes with lookups waiting or under way. */
  private forgetIfIdle(scope: string, state: ScopeState<Scope>): void {
    const idle =
      state.pending.size === 0 && state.inFlight.size === 0 && state.timer === null && state.lookupsUnderWay === 0 && state.refreshing.size === 0;
    if (idle && this.scopes.get(scope) === state) {
      this.scopes.delete(scope);
    }
  }
}

/** About one URI-sized query's worth of emails (~330 fit one): a batch this big is sent without waiting. */
const FULL_BATCH_EMAILS = 300;

/** Lookups one scope may have under way at once when a slow one would otherwise hold the others. */
const MAX_LOOKUPS_PER_SCOPE = 4;

/** By default a burst's batches may wait up to this many times `burstMaxWaitMs` (doubling: 1, 2, 4, 8). */
export const BURST_WAIT_GROWTH = 8;

/** This process's event loop's idle time so far (ms): how long it waited for I/O or timers with nothing to run. */
function eventLoopIdleMs(): number {
  return performance.eventLoopUtilization().idle;
}

function served(answer: CachedAnswer, stale: boolean): ContactAnswer {
  return { contacts: answer.contacts, fetchedAt: new Date(answer.fetchedAt), stale };
}

function cacheKey(scope: string, email: string): string {
  return `${scope}\u0000${email}`;
}
