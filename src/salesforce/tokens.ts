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
import type { RequestOptions } from './http';
import { connectionChangedError } from './errors';
import { type SalesforceToken, TokenRequestError } from './oauth';

export interface TokenManagerOptions {
  /** Tenants whose token is kept. */
  maxTenants: number;
  /** Drop a token not used for this long. Salesforce's shortest session timeout is 15 minutes. */
  idleTtlMs: number;
  /**
   * Told about a token that arrived for credentials the tenant no longer uses (a fetch that finished after a
   * disconnect or reconnect): it is not cached, so it should be revoked rather than left live.
   */
  onOrphan?: (token: SalesforceToken) => void;
  /**
   * How long a refusal of the token request (wrong secret, app gone, no Run-As user) is remembered for those
   * credentials: meanwhile lookups fail at once instead of asking again on every request. 0 remembers nothing.
   */
  refusalTtlMs?: number;
}

export type FetchToken = (options: RequestOptions) => Promise<SalesforceToken>;

/** The tenant disconnected: every token fetched for it from now on is an orphan. */
const DISCONNECTED = Symbol('disconnected');

interface CachedToken {
  /** The connection's credentials the token was issued for; a reconnect changes it. */
  credentialsId: string;
  token: SalesforceToken;
}

/** Where a client gets its token, and tells that a token was refused. */
export interface TokenSource {
  /** `options.deadline` bounds a fetch this call starts (a joined fetch keeps its starter's). */
  get(options?: RequestOptions): Promise<SalesforceToken>;
  invalidate(token: SalesforceToken): void;
  /** False once the credentials this source serves are no longer the tenant's: nothing more may be sent. */
  isCurrent(): boolean;
}

/** A token that is used as is, for probing credentials that are not saved yet. */
export function fixedTokenSource(token: SalesforceToken): TokenSource {
  return { get: () => Promise.resolve(token), invalidate: () => undefined, isCurrent: () => true };
}

export class TokenManager {
  private readonly cache: LRUCache<string, CachedToken>;
  private readonly inFlight = new Map<string, Promise<SalesforceToken>>();
  /**
   * Which credentials each tenant uses now, as far as this process knows: set by what decides it (connect, the
   * directory's reads, disconnect), never by a token that arrives. Sized above the directory, which sets it on
   * every read.
   */
  private readonly owners: LRUCache<string, string | typeof DISCONNECTED>;
  /** Recent refusals by tenant and credentials. */
  private readonly refusals: LRUCache<string, TokenRequestError> | null;

  constructor(private readonly options: TokenManagerOptions) {
    this.cache = new LRUCache({ max: options.maxTenants, ttl: options.idleTtlMs, updateAgeOnGet: true });
    this.owners = new LRUCache({ max: options.maxTenants * 2 });
    const refusalTtlMs = options.refusalTtlMs ?? 0;
    this.refusals = refusalTtlMs > 0 ? new LRUCache({ max: options.maxTenants, ttl: refusalTtlMs }) : null;
  }

  /**
   * The tenant's token for these credentials: cached, or joined to the request already under way, or fetched
   * with `fetchToken` (whose failure reaches every waiting caller and caches nothing).
   */
  get(tenantId: string, credentialsId: string, fetchToken: FetchToken, options: RequestOptions = {}): Promise<SalesforceToken> {
    const cached = this.cache.get(tenantId);
    if (cached !== undefined && cached.credentialsId === credentialsId) return Promise.resolve(cached.token);
    // Credentials the tenant no longer uses (disconnected, or reconnected with others): ask Salesforce nothing.
    if (!this.isCurrent(tenantId, credentialsId)) return Promise.reject(connectionChangedError());

    const flightKey = `${tenantId}\u0000${credentialsId}`;
    const refused = this.refusals?.get(flightKey);
    if (refused !== undefined) return Promise.reject(refused);
    const pending = this.inFlight.get(flightKey);
    if (pending !== undefined) return pending;

    const ownerKnown = this.owners.has(tenantId);
    const fetching = fetchToken(options)
      .then((token) => {
        // Checked as the token arrives, not as it was asked for: a disconnect or reconnect meanwhile makes it an
        // orphan, revoked and handed to no one, so no waiter can send a call for a connection that is gone. An
        // owner known when the fetch started and forgotten since (pushed out) proves nothing: an orphan too.
        const forgotten = ownerKnown && !this.owners.has(tenantId);
        if (forgotten || !this.isCurrent(tenantId, credentialsId)) {
          this.options.onOrphan?.(token);
          throw connectionChangedError();
        }
        this.cache.set(tenantId, { credentialsId, token });
        return token;
      })
      .catch((error: unknown) => {
        if (error instanceof TokenRequestError) this.refusals?.set(flightKey, error);
        throw error;
      })
      .finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, fetching);
    return fetching;
  }

  /**
   * Whether these credentials are still the tenant's as far as this process knows (connect, disconnect, the
   * directory's reads): false once they were replaced or the tenant disconnected. Unknown counts as current.
   */
  isCurrent(tenantId: string, credentialsId: string): boolean {
    const owner = this.owners.get(tenantId);
    return owner === undefined || owner === credentialsId;
  }

  /** This tenant's tokens for these credentials, as a client's TokenSource. */
  sourceFor(tenantId: string, credentialsId: string, fetchToken: FetchToken): TokenSource {
    return {
      get: (options) => this.get(tenantId, credentialsId, fetchToken, options),
      invalidate: (token) => this.invalidate(tenantId, token),
      isCurrent: () => this.isCurrent(tenantId, credentialsId),
    };
  }

  /**
   * Keep a token obtained elsewhere (connectSalesforce's validation), so the first lookup needs no new one; these
   * credentials become the tenant's own. Returns the token it replaces, if any, for revocation.
   */
  put(tenantId: string, credentialsId: string, token: SalesforceToken): SalesforceToken | undefined {
    const replaced = this.cache.peek(tenantId)?.token;
    this.refusals?.delete(`${tenantId}\u0000${credentialsId}`);
    this.owners.set(tenantId, credentialsId);
    this.cache.set(tenantId, { credentialsId, token });
    return replaced?.accessToken === token.accessToken ? undefined : replaced;
  }

  /**
   * Keep a token obtained for `credentialsId` (testSalesforceConnection's proof) only if those are still the
   * tenant's credentials as far as this process knows; otherwise hand it back for revocation. Returns the token
   * to revoke, if any: the one replaced, or the offered one when it belongs to retired credentials.
   */
  offer(tenantId: string, credentialsId: string, token: SalesforceToken): SalesforceToken | undefined {
    if (!this.isCurrent(tenantId, credentialsId)) return token;
    return this.put(tenantId, credentialsId, token);
  }

  /**
   * Forget `token` after Salesforce refused it. Only that token: if a concurrent caller already replaced it with
   * a fresh one, the fresh one stays.
   */
  invalidate(tenantId: string, token: SalesforceToken): void {
    const cached = this.cache.peek(tenantId);
    if (cached?.token.accessToken === token.accessToken) this.cache.delete(tenantId);
  }

  /**
   * The tenant's connection is now `credentialsId` (null: none), as another replica may have decided: forget a
   * token of other credentials and hand it back for revocation; fetches still under way for those will report
   * their tokens as orphans. A token of the current credentials stays.
   */
  retire(tenantId: string, credentialsId: string | null): SalesforceToken | undefined {
    const cached = this.cache.peek(tenantId);
    this.owners.set(tenantId, credentialsId ?? DISCONNECTED);
    if (cached === undefined || cached.credentialsId === credentialsId) return undefined;
    this.cache.delete(tenantId);
    return cached.token;
  }

  /**
   * Forget the tenant's token (disconnect) and hand it back so it can be revoked. Fetches still under way for it
   * will report their tokens as orphans.
   */
  drop(tenantId: string): SalesforceToken | undefined {
    const cached = this.cache.peek(tenantId);
    this.cache.delete(tenantId);
    this.owners.set(tenantId, DISCONNECTED);
    return cached?.token;
  }
}

