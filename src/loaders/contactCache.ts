/**
 * The contact cache behind SharedContactLookups: answers (contacts, or none) by key, with a TTL, bounded in
 * entries and in estimated bytes, with a share per tenant so that one tenant cannot push the others out.
 *
 * Two levels of least-recently-used order:
 * - each tenant has its own LRU, bounded by its share (`tenantShare` of both bounds): a tenant looking up ever new
 *   emails only ever evicts its own entries once it holds its share;
 * - tenants are kept in order of last use, and while the whole cache is over either bound, the least recently
 *   used tenant gives up its least recently used entry.
 * So a single tenant, however busy, holds at most its share, and the others keep the rest between them; when
 * every tenant is busy, the quiet ones make room first.
 *
 * Sizes are estimates (estimateContactsBytes): strings at their length plus fixed overheads, which is what the
 * cached objects cost to within a small factor, and cheap to compute once per entry.
 */
import type { Contact } from '../salesforce/contacts';

export interface ContactCacheOptions {
  /** How long an answer is kept after Salesforce gave it (the longest any window may use it). */
  keepMs: number;
  /** Entries, all tenants together. */
  maxEntries: number;
  /** Estimated bytes, all tenants together. */
  maxBytes: number;
  /** The share (0 < share ≤ 1) of both bounds one tenant may hold; 1 means no per-tenant bound. */
  tenantShare: number;
  /** Default: estimateContactsBytes plus the key. */
  sizeOf?: (key: string, contacts: Contact[]) => number;
  now?: () => number;
}

interface Entry {
  answer: CachedAnswer;
  bytes: number;
}

/**
 * An answer as kept: the contacts and when Salesforce gave them. The same object is handed out on every hit (a warm
 * page allocates nothing per email): callers must not change it.
 */
export interface CachedAnswer {
  readonly contacts: Contact[];
  /** When Salesforce gave the answer (ms since the epoch). */
  readonly fetchedAt: number;
}

interface TenantEntries {
  /** In least recently used order (a Map keeps insertion order; a hit moves the entry to the end). */
  entries: Map<string, Entry>;
  bytes: number;
}

export class ContactCache {
  /** In least recently used order of tenants. Only tenants with entries. */
  private readonly tenants = new Map<string, TenantEntries>();
  /** The tenant last moved to the end of `tenants`: moving it again would change nothing. */
  private mostRecentTenant: TenantEntries | undefined;
  private totalEntries = 0;
  private totalBytes = 0;
  private readonly tenantMaxEntries: number;
  private readonly tenantMaxBytes: number;
  private readonly sizeOf: (key: string, contacts: Contact[]) => number;
  private readonly now: () => number;

  constructor(private readonly options: ContactCacheOptions) {
    if (!(options.tenantShare > 0 && options.tenantShare <= 1)) {
      throw new RangeError(`ContactCache: expected tenantShare in (0, 1], got ${options.tenantShare}`);
    }
    if (!(options.maxEntries >= 1) || !(options.maxBytes >= 1)) {
      throw new RangeError(`ContactCache: expected positive bounds, got ${options.maxEntries} entries and ${options.maxBytes} bytes`);
    }
    this.tenantMaxEntries = Math.max(1, Math.floor(options.maxEntries * options.tenantShare));
    this.tenantMaxBytes = Math.max(1, Math.floor(options.maxBytes * options.tenantShare));
    this.sizeOf = options.sizeOf ?? ((key, contacts) => key.length + estimateContactsBytes(contacts));
    this.now = options.now ?? (() => Date.now());
  }

  /** Entries and estimated bytes held now, all tenants together and for one. */
  stats(tenant?: string): { entries: number; bytes: number } {
    if (tenant === undefined) return { entries: this.totalEntries, bytes: this.totalBytes };
    const held = this.tenants.get(tenant);
    return { entries: held?.entries.size ?? 0, bytes: held?.bytes ?? 0 };
  }

  /** The answer kept for `key`, of any age up to `keepMs` (the caller decides what its age allows). */
  get(tenant: string, key: string): CachedAnswer | undefined {
    const held = this.tenants.get(tenant);
    const entry = held?.entries.get(key);
    if (held === undefined || entry === undefined) return undefined;
    if (this.expired(entry)) {
      this.remove(tenant, held, key, entry);
      return undefined;
    }
    // Most recently used: the entry within its tenant, and the tenant among tenants.
    held.entries.delete(key);
    held.entries.set(key, entry);
    this.touch(tenant, held);
    return entry.answer;
  }

  /**
   * Keep an answer read from Salesforce at `fetchedAt` (default now), until `keepMs` after that. One larger than
   * the tenant's share of bytes is not kept at all.
   */
  set(tenant: string, key: string, contacts: Contact[], fetchedAt = this.now()): void {
    const bytes = this.sizeOf(key, contacts);
    let held = this.tenants.get(tenant);
    const previous = held?.entries.get(key);
    if (held !== undefined && previous !== undefined) this.remove(tenant, held, key, previous);
    if (bytes > this.tenantMaxBytes) return;

    held = this.tenants.get(tenant) ?? { entries: new Map(), bytes: 0 };
    this.touch(tenant, held);
    this.dropExpired(tenant, held);
    // The tenant's own bound first: it evicts its own least recently used entries…
    while (held.entries.size > 0 && (held.entries.size + 1 > this.tenantMaxEntries || held.bytes + bytes > this.tenantMaxBytes)) {
      this.evictOldest(tenant, held);
    }
    held.entries.set(key, { answer: { contacts, fetchedAt }, bytes });
    held.bytes += bytes;
    this.totalEntries += 1;
    this.totalBytes += bytes;
    this.tenants.set(tenant, held);
    // …then the whole cache's: the least recently used tenant gives way (possibly this one, when it is alone).
    while (this.totalEntries > this.options.maxEntries || this.totalBytes > this.options.maxBytes) {
      const [oldestTenant, oldest] = this.tenants.entries().next().value as [string, TenantEntries];
      this.evictOldest(oldestTenant, oldest);
    }
  }

  /** Forget every answer of the tenant whose key starts with `prefix`. */
  forgetScope(tenant: string, prefix: string): void {
    const held = this.tenants.get(tenant);
    if (held === undefined) return;
    for (const [key, entry] of [...held.entries]) if (key.startsWith(prefix)) this.remove(tenant, held, key, entry);
  }

  /** Forget the answer kept for `key` if it is the one read at `fetchedAt` (or older): a newer one stays. */
  forget(tenant: string, key: string, fetchedAt: number): void {
    const held = this.tenants.get(tenant);
    const entry = held?.entries.get(key);
    if (held !== undefined && entry !== undefined && entry.answer.fetchedAt <= fetchedAt) this.remove(tenant, held, key, entry);
  }

  private expired(entry: Entry): boolean {
    return entry.answer.fetchedAt + this.options.keepMs <= this.now();
  }

  private touch(tenant: string, held: TenantEntries): void {
    if (this.mostRecentTenant === held && this.tenants.get(tenant) === held) return;
    this.tenants.delete(tenant);
    this.tenants.set(tenant, held);
    this.mostRecentTenant = held;
  }

  /** Expired entries at the old end of the tenant's order go first (a cheap, bounded sweep). */
  private dropExpired(tenant: string, held: TenantEntries): void {
    const now = this.now();
    let looked = 0;
    for (const [key, entry] of held.entries) {
      if (looked++ >= EXPIRED_SWEEP || entry.answer.fetchedAt + this.options.keepMs > now) break;
      this.remove(tenant, held, key, entry);
    }
  }

  private evictOldest(tenant: string, held: TenantEntries): void {
    const [key, entry] = held.entries.entries().next().value as [string, Entry];
    this.remove(tenant, held, key, entry);
  }

  private remove(tenant: string, held: TenantEntries, key: string, entry: Entry): void {
    held.entries.delete(key);
    held.bytes -= entry.bytes;
    this.totalEntries -= 1;
    this.totalBytes -= entry.bytes;
    if (held.entries.size === 0 && this.tenants.get(tenant) === held) this.tenants.delete(tenant);
  }
}

/** Expired entries looked at per insertion. */
const EXPIRED_SWEEP = 8;

/** A cached answer's fixed cost (array, Map entry, bookkeeping), and each contact's (object, nested objects). */
const ENTRY_OVERHEAD_BYTES = 96;
const CONTACT_OVERHEAD_BYTES = 320;
const VALUE_OVERHEAD_BYTES = 16;

/**
 * A cheap estimate of what cached contacts cost: fixed overheads plus every string's length (the values
 * Salesforce sent dominate), custom field values measured the same way, structurally.
 */
export function estimateContactsBytes(contacts: readonly Contact[]): number {
  let bytes = ENTRY_OVERHEAD_BYTES;
  for (const contact of contacts) {
    bytes += CONTACT_OVERHEAD_BYTES;
    for (const value of Object.values(contact)) bytes += valueBytes(value, 0);
  }
  return bytes;
}

function valueBytes(value: unknown, depth: number): number {
  if (typeof value === 'string') return VALUE_OVERHEAD_BYTES + value.length;
  if (value === null || typeof value !== 'object' || value instanceof Date) return 8;
  // Deeper than any JSON Salesforce sends for a field: count it flat.
  if (depth > 4) return VALUE_OVERHEAD_BYTES + JSON.stringify(value).length;
  let bytes = VALUE_OVERHEAD_BYTES;
  for (const item of Array.isArray(value) ? value : Object.values(value)) bytes += valueBytes(item, depth + 1);
  return bytes;
}
