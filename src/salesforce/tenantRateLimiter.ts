/**
 * A per-tenant bound on the rate of Salesforce calls, where RequestSlots bounds how many are in flight: a token
 * bucket per tenant that refills at `callsPerSecond` up to `burst`. Every REST call of the lookup path (query,
 * each further page, describe) takes one token; with none left the call fails at once with
 * SalesforceError('rate_limited', TENANT_RATE_LIMITED) — nothing is sent, nothing waits. One tenant's traffic, however
 * hostile or careless, thus cannot spend its org's API quota faster than this, nor take this process's Salesforce
 * capacity from the other tenants.
 *
 * The refusal is ours, not Salesforce's: it says nothing about the org's health (the circuit breaker never sees it)
 * and is not the connection's error (it is not written to lastError).
 */
import { LRUCache } from 'lru-cache';
import { SalesforceError } from './errors';

export const TENANT_RATE_LIMITED_CODE = 'TENANT_RATE_LIMITED';

export interface TenantRateLimiterOptions {
  /** Tokens added per second, per tenant. */
  callsPerSecond: number;
  /** Tokens a bucket holds at most: calls a quiet tenant may make at once. */
  burst: number;
  /** Buckets kept; a forgotten bucket is a full one, so this only has to cover the tenants active at once. */
  maxTenants: number;
  /** Told of every refused call (metrics). */
  onRefusal?: (tenantId: string) => void;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

export class TenantRateLimiter {
  private readonly buckets: LRUCache<string, Bucket>;
  private readonly now: () => number;
  private readonly message: string;

  constructor(private readonly options: TenantRateLimiterOptions) {
    if (!(options.callsPerSecond > 0) || !Number.isFinite(options.callsPerSecond)) {
      throw new RangeError(`TenantRateLimiter: expected callsPerSecond to be a positive number, got ${options.callsPerSecond}`);
    }
    if (!(options.burst >= 1) || !Number.isFinite(options.burst)) {
      throw new RangeError(`TenantRateLimiter: expected burst to be at least 1, got ${options.burst}`);
    }
    this.now = options.now ?? Date.now;
    this.buckets = new LRUCache({ max: options.maxTenants });
    this.message = `Too many Salesforce calls for this tenant (more than ${options.callsPerSecond} per second, bursts of ${options.burst}); try again shortly`;
  }

  /** Take one call's token for the tenant, or throw SalesforceError('rate_limited', TENANT_RATE_LIMITED). */
  take(tenantId: string): void {
    const bucket = this.refilled(tenantId);
    if (bucket.tokens < 1) {
      this.options.onRefusal?.(tenantId);
      throw new SalesforceError('rate_limited', this.message, { errorCode: TENANT_RATE_LIMITED_CODE });
    }
    bucket.tokens -= 1;
    this.buckets.set(tenantId, bucket);
  }

  /** Whole calls the tenant could make right now. */
  available(tenantId: string): number {
    return Math.floor(this.refilled(tenantId).tokens);
  }

  private refilled(tenantId: string): Bucket {
    const now = this.now();
    const bucket = this.buckets.get(tenantId);
    if (bucket === undefined) return { tokens: this.options.burst, at: now };
    // A clock that steps back adds nothing (and takes nothing away).
    const elapsedMs = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + (elapsedMs * this.options.callsPerSecond) / 1000);
    bucket.at = now;
    return bucket;
  }
}

/** Whether a call was refused by the tenant's rate limit (ours), not by Salesforce. */
export function isTenantThrottled(error: unknown): boolean {
  return error instanceof SalesforceError && error.errorCode === TENANT_RATE_LIMITED_CODE;
}
