/**
 * Access tokens, cached per tenant and fetched single-flight: however many requests need a tenant's token at
 * once, one token request goes to Salesforce and all of them share its answer.
 *
 * Salesforce tokens carry no expiry (notes §1): their lifetime is the run-as user's session timeout counted as
 * inactivity. A cached token is kept until a REST call answers 401 INVALID_SESSION_ID (see `invalidate`) or it
 * has sat unused for `idleTtlMs`, after which it may well have expired at Salesforce and asking first would only
 * waste a call.
 */
import { LRUCache } from 'lru-cache';
import type { SalesforceToken } from './oauth';

export interface TokenManagerOptions {
  /** Tenants whose token is kept. */
  maxTenants: number;
  /** Drop a token not used for this long. Salesforce's shortest session timeout is 15 minutes. */
  idleTtlMs: number;
}

interface CachedToken {
  /** The connection's credentials the token was issued for; a reconnect changes it. */
  credentialsId: string;
  token: SalesforceToken;
}

/** Where a client gets its token, and tells that a token was refused. */
export interface TokenSource {
  get(): Promise<SalesforceToken>;
  invalidate(token: SalesforceToken): void;
}

/** A token that is used as is, for probing credentials that are not saved yet. */
export function fixedTokenSource(token: SalesforceToken): TokenSource {
  return { get: () => Promise.resolve(token), invalidate: () => undefined };
}

export class TokenManager {
  private readonly cache: LRUCache<string, CachedToken>;
  private readonly inFlight = new Map<string, Promise<SalesforceToken>>();

  constructor(options: TokenManagerOptions) {
    this.cache = new LRUCache({ max: options.maxTenants, ttl: options.idleTtlMs, updateAgeOnGet: true });
  }

  /**
   * The tenant's token for these credentials: cached, or joined to the request already under way, or fetched
   * with `fetchToken` (whose failure reaches every waiting caller and caches nothing).
   */
  get(tenantId: string, credentialsId: string, fetchToken: () => Promise<SalesforceToken>): Promise<SalesforceToken> {
    const cached = this.cache.get(tenantId);
    if (cached !== undefined && cached.credentialsId === credentialsId) return Promise.resolve(cached.token);

    const flightKey = `${tenantId}\u0000${credentialsId}`;
    const pending = this.inFlight.get(flightKey);
    if (pending !== undefined) return pending;

    const fetching = fetchToken()
      .then((token) => {
        this.cache.set(tenantId, { credentialsId, token });
        return token;
      })
      .finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, fetching);
    return fetching;
  }

  /** This tenant's tokens for these credentials, as a client's TokenSource. */
  sourceFor(tenantId: string, credentialsId: string, fetchToken: () => Promise<SalesforceToken>): TokenSource {
    return {
      get: () => this.get(tenantId, credentialsId, fetchToken),
      invalidate: (token) => this.invalidate(tenantId, token),
    };
  }

  /** Keep a token obtained elsewhere (connectSalesforce's validation), so the first lookup needs no new one. */
  put(tenantId: string, credentialsId: string, token: SalesforceToken): void {
    this.cache.set(tenantId, { credentialsId, token });
  }

  /**
   * Forget `token` after Salesforce refused it. Only that token: if a concurrent caller already replaced it with
   * a fresh one, the fresh one stays.
   */
  invalidate(tenantId: string, token: SalesforceToken): void {
    const cached = this.cache.peek(tenantId);
    if (cached?.token.accessToken === token.accessToken) this.cache.delete(tenantId);
  }

  /** Forget the tenant's token (disconnect) and hand it back so it can be revoked. */
  drop(tenantId: string): SalesforceToken | undefined {
    const cached = this.cache.peek(tenantId);
    this.cache.delete(tenantId);
    return cached?.token;
  }
}
