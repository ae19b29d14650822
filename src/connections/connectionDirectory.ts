/**
 * Each tenant's stored connection as this process currently knows it, so that a request does not read the
 * database to find out whether, and how, its tenant is connected — and so that a change made by any replica
 * (connect, disconnect, synced fields) reaches this one at once.
 *
 * Freshness: PostgreSQL tells every replica about each changed row (LISTEN/NOTIFY, see postgresChanges.ts), and
 * this replica's own writes refresh the tenant directly. While that is heard, an entry is trusted for `maxAgeMs`;
 * while it is not (the listener dropped, or is reconnecting), only for `recheckMs`, after which the next request
 * reads the row again. A listening connection can also die without a word (a half-open socket, a frozen proxy):
 * with `requireProof`, changes count as heard only for `recheckMs` after the listener last proved it hears them
 * (`heard`), so a silent listener is never trusted longer than the recheck bound.
 *
 * Every entry carries a `scope`: a digest of what a lookup's answer depends on (credentials, instance, API
 * version, fields). Caches and in-flight lookups are keyed by it, so nothing made under one connection is ever
 * served under another. A tenant pushed out of the directory (more tenants active than `maxTenants`) is reported
 * to `onEvict`, the place to drop what this process keeps of it: its next read is then a first one, with nothing
 * left from before to reconcile, and a change announced meanwhile has nothing here to correct.
 *
 * When the store cannot be read (the database is away), what was last read of a tenant is still answered, at once,
 * for up to `outageGraceMs` after that read (a change cannot be written while the store is down, so nothing newer
 * exists), while the row is tried again behind at most every `recheckMs`. Not an entry a change was announced for: that one is known
 * to be out of date. Past the grace, or for a tenant never read, the store's failure is the answer.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { StoreUnavailableError } from './storeErrors';
import type { ConnectionRecord, ConnectionStore } from './types';

/** The tenant's connection and the scope its lookups and their caches belong to. */
export interface CurrentConnection {
  record: ConnectionRecord;
  scope: string;
}

export interface ConnectionDirectoryOptions {
  store: Pick<ConnectionStore, 'get'>;
  maxTenants: number;
  /** How long an entry is trusted while changes are heard. */
  maxAgeMs: number;
  /** How long an entry is trusted while changes are not heard (the bounded fallback). */
  recheckMs: number;
  /** Whether changes are heard from the start (true for a store only this process writes). */
  listening: boolean;
  /**
   * Changes count as heard only within `recheckMs` of the listener's latest proof (`heard`), not merely while its
   * connection is open (PostgreSQL: a connection can die silently).
   */
  requireProof?: boolean;
  /** How long after its last successful read an entry is still answered while the store cannot be read (default 0). */
  outageGraceMs?: number;
  /** Told when a read failed and the last known connection was answered instead. */
  onOutage?: (tenantId: string, error: unknown) => void;
  /** A tenant was pushed out to make room: drop what belongs to it (its connection as last known). */
  onEvict?: (tenantId: string, connection: CurrentConnection | null) => void;
  /**
   * Told when a tenant's connection is found to have changed scope (connected, reconnected, fields changed,
   * disconnected), on whichever replica the change was made: the place to drop what belongs to the old one.
   */
  onChange?: (tenantId: string, previous: CurrentConnection | null, next: CurrentConnection | null) => void;
  /**
   * Told after every read not overtaken by a change, whether or not the scope changed: the place to make what
   * depends on the current credentials agree with them (a read after eviction knows no "previous").
   */
  onLoad?: (tenantId: string, connection: CurrentConnection | null) => void;
  now?: () => number;
}

interface Entry {
  connection: CurrentConnection | null;
  loadedAt: number;
  /** Set when a change was announced; the next `get` reads the row again. */
  stale: boolean;
  /** When a read of the row last failed (the store away) and this entry was answered instead. */
  failedAt?: number;
}

/** A read of the tenant's row under way, and the invalidation epoch it started in. */
interface Load {
  promise: Promise<CurrentConnection | null>;
  startedAt: number;
}

export class ConnectionDirectory {
  private readonly entries: LRUCache<string, Entry>;
  private readonly loading = new Map<string, Load>();
  private listening: boolean;
  /** With `requireProof`: until when changes count as heard (the latest proof plus `recheckMs`). */
  private heardUntil = 0;
  private readonly now: () => number;
  /**
   * Invalidations are numbered: a read that started before the latest invalidation of its tenant may have seen
   * the row before the change, so it is neither joined by later callers nor trusted as fresh.
   */
  private epoch = 0;
  /** The epoch of each tenant's latest invalidation, kept while a read of that tenant is under way. */
  private readonly invalidatedAt = new Map<string, number>();
  /** The epoch at which every entry was invalidated (changes heard again after a gap). */
  private allInvalidatedAt = 0;

  constructor(private readonly options: ConnectionDirectoryOptions) {
    this.entries = new LRUCache({
      max: options.maxTenants,
      dispose: (entry, tenantId, reason) => {
        if (reason === 'evict') options.onEvict?.(tenantId, entry.connection);
      },
    });
    this.listening = options.listening;
    this.now = options.now ?? Date.now;
    if (options.listening) this.heardUntil = this.now() + options.recheckMs;
  }

  /** The tenant's connection (null when it has none), read from the store only when the entry is not fresh. */
  get(tenantId: string): Promise<CurrentConnection | null> {
    const entry = this.entries.get(tenantId);
    if (entry !== undefined && this.isFresh(entry)) return Promise.resolve(entry.connection);
    if (entry !== undefined && this.inOutage(entry)) {
      // The store is away: answer as last read at once, and try the row again behind, at most every recheckMs
      // (a database that does not answer at all must not hold every request for its timeout).
      if (this.now() - (entry.failedAt ?? 0) >= this.options.recheckMs && !this.loading.has(tenantId)) void this.load(tenantId).catch(() => undefined);
      return Promise.resolve(entry.connection);
    }
    return this.load(tenantId);
  }

  /** The connection as last read, whatever its age (undefined: not read, or pushed out): no store round trip. */
  peek(tenantId: string): CurrentConnection | null | undefined {
    return this.entries.peek(tenantId)?.connection;
  }

  /** Whether `scope` is still the tenant's connection, as far as a fresh look says. */
  async isCurrent(tenantId: string, scope: string): Promise<boolean> {
    return (await this.get(tenantId))?.scope === scope;
  }

  /** Read the tenant's row now: after a local write here. */
  refresh(tenantId: string): Promise<CurrentConnection | null> {
    this.invalidate(tenantId);
    return this.load(tenantId);
  }

  /**
   * A change announced by PostgreSQL: re-read the row if this process knows the tenant (a tenant it never looked
   * at has nothing here to correct, so a wave of changes elsewhere costs nothing).
   */
  async changedElsewhere(tenantId: string): Promise<void> {
    if (this.entries.peek(tenantId) === undefined && !this.loading.has(tenantId)) return;
    await this.refresh(tenantId);
  }

  /**
   * Whether the listening connection is up. Going back to listening after a gap (a new connection, which missed
   * what was announced meanwhile) re-reads every entry on next use.
   */
  setListening(listening: boolean): void {
    if (listening && !this.listening) {
      for (const entry of this.entries.values()) entry.stale = true;
      this.allInvalidatedAt = ++this.epoch;
    }
    this.listening = listening;
    if (listening) this.heard(this.now());
  }

  /**
   * The listener proved that every change committed before `at` has reached it (a round trip on the listening
   * connection sent at `at` came back: PostgreSQL delivers notifications before the answer). Changes count as heard
   * until `at + recheckMs`.
   */
  heard(at: number): void {
    if (this.listening) this.heardUntil = Math.max(this.heardUntil, at + this.options.recheckMs);
  }

  /** Whether changes are heard now: the listener is up and, where proof is required, has proved it lately. */
  get isListening(): boolean {
    return this.listening && (this.options.requireProof !== true || this.now() < this.heardUntil);
  }

  private invalidate(tenantId: string): void {
    const entry = this.entries.peek(tenantId);
    if (entry !== undefined) entry.stale = true;
    this.invalidatedAt.set(tenantId, ++this.epoch);
  }

  private invalidatedSince(tenantId: string, epoch: number): boolean {
    return (this.invalidatedAt.get(tenantId) ?? 0) > epoch || this.allInvalidatedAt > epoch;
  }

  /** A read of the row failed (the store away), and the entry is within its grace: answered as it is. */
  private inOutage(entry: Entry): boolean {
    return entry.failedAt !== undefined && this.withinGrace(entry, this.now());
  }

  private withinGrace(entry: Entry, now: number): boolean {
    return !entry.stale && now - entry.loadedAt < (this.options.outageGraceMs ?? 0);
  }

  private isFresh(entry: Entry): boolean {
    const age = this.now() - entry.loadedAt;
    return !entry.stale && age < (this.isListening ? this.options.maxAgeMs : this.options.recheckMs);
  }

  /** Joins a read that started after the latest invalidation; otherwise starts one (after any older one). */
  private load(tenantId: string): Promise<CurrentConnection | null> {
    const under = this.loading.get(tenantId);
    if (under !== undefined && !this.invalidatedSince(tenantId, under.startedAt)) return under.promise;
    const startedAt = this.epoch;
    const loadedAt = this.now();
    const after = under?.promise.catch(() => undefined) ?? Promise.resolve(undefined);
    const promise: Promise<CurrentConnection | null> = after
      .then(() => this.options.store.get(tenantId))
      .then((record) => {
        const connection = record === null ? null : { record, scope: scopeOf(record) };
        const known = this.entries.peek(tenantId);
        // Read before a change was announced: usable by those who asked before it, but not trusted as fresh.
        const stale = this.invalidatedSince(tenantId, startedAt);
        this.entries.set(tenantId, { connection, loadedAt, stale });
        if (!stale) this.options.onLoad?.(tenantId, connection);
        // Only a change from something this process knew: a first load (or one after eviction) changes nothing here.
        const previous = known?.connection ?? null;
        if (known !== undefined && previous?.scope !== connection?.scope) this.options.onChange?.(tenantId, previous, connection);
        return connection;
      })
      .catch((error: unknown) => {
        const known = this.entries.peek(tenantId);
        const now = this.now();
        if (!(error instanceof StoreUnavailableError) || known === undefined || !this.withinGrace(known, now)) throw error;
        known.failedAt = now;
        this.options.onOutage?.(tenantId, error);
        return known.connection;
      })
      .finally(() => {
        if (this.loading.get(tenantId)?.promise !== promise) return;
        this.loading.delete(tenantId);
        this.invalidatedAt.delete(tenantId);
      });
    this.loading.set(tenantId, { promise, startedAt });
    return promise;
  }
}

/**
 * What a lookup's answer depends on, digested: a reconnect (new credentials id), another instance or API version,
 * or other fields make another scope. Status and lastError do not: they change with every outage.
 */
export function scopeOf(record: ConnectionRecord): string {
  const parts = [
    record.tenantId,
    record.credentialsId,
    record.instanceUrl,
    record.apiVersion,
    JSON.stringify(record.contactFields),
    JSON.stringify(record.customFields),
    JSON.stringify(record.unavailableFields),
  ];
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 22);
}
