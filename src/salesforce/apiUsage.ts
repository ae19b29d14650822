/**
 * The org's daily API usage, as Salesforce reports it on every authenticated response (notes §6):
 * `Sforce-Limit-Info: api-usage=10018/100000` (sometimes followed by `; api-bursts=…` or, on older orgs,
 * `per-app-api-usage=…`).
 */
import { LRUCache } from 'lru-cache';

export interface ApiUsage {
  used: number;
  max: number;
}

/** A reading and when it was taken. */
export interface ApiUsageReading extends ApiUsage {
  at: number;
}

/** The `api-usage=used/max` part of the header, or null when it is absent or unreadable. */
export function parseLimitInfo(header: string | string[] | undefined): ApiUsage | null {
  const text = Array.isArray(header) ? header.join(';') : header;
  const match = text === undefined ? null : /(?:^|[;,\s])api-usage=(\d+)\/(\d+)/.exec(text);
  if (match === null) return null;
  const used = Number(match[1]);
  const max = Number(match[2]);
  return Number.isSafeInteger(used) && Number.isSafeInteger(max) ? { used, max } : null;
}

interface StoredReading extends ApiUsageReading {
  /** The connection (credentials) whose call carried it. */
  credentialsId: string;
}

/**
 * The latest usage seen per tenant, in this process. A reading belongs to the connection whose call carried it:
 * asked for under other credentials (the tenant reconnected, perhaps to another org), there is none.
 */
export class ApiUsageTracker {
  private readonly latest: LRUCache<string, StoredReading>;

  constructor(
    maxTenants: number,
    private readonly onRecord?: (tenantId: string, usage: ApiUsage) => void,
  ) {
    this.latest = new LRUCache({ max: maxTenants });
  }

  record(tenantId: string, credentialsId: string, usage: ApiUsage): void {
    this.latest.set(tenantId, { used: usage.used, max: usage.max, at: Date.now(), credentialsId });
    this.onRecord?.(tenantId, usage);
  }

  get(tenantId: string, credentialsId: string): ApiUsageReading | null {
    const reading = this.latest.get(tenantId);
    if (reading === undefined || reading.credentialsId !== credentialsId) return null;
    return { used: reading.used, max: reading.max, at: reading.at };
  }

  forget(tenantId: string): void {
    this.latest.delete(tenantId);
  }
}
