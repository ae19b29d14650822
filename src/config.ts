/**
 * Configuration from the environment, validated once at start. Every bad variable is reported together, by
 * name, so an operator fixes them in one go.
 */
import path from 'node:path';

export interface Config {
  production: boolean;
  port: number;
  /** Where the embedded store (and, in development, its generated keys) live. */
  dataDir: string;
  /** undefined → embedded SQLite under dataDir. */
  databaseUrl: string | undefined;
  /** PostgreSQL connections this process keeps for requests (the change listener uses one more). */
  databasePoolSize: number;
  /** base64 of 32 bytes; undefined only outside production (a development key is then generated). */
  encryptionKey: string | undefined;
  /** Retired keys (base64 of 32 bytes each), accepted for opening stored secrets only; empty when none. */
  previousEncryptionKeys: string[];
  auth: AuthConfig;
  routerSecret: string | undefined;
  /** What one request to /graphql may weigh and cost. */
  requestLimits: RequestLimitsConfig;
  salesforceAllowLoopback: boolean;
  salesforceTimeoutMs: number;
  resilience: ResilienceConfig;
  salesforceLimits: SalesforceLimitsConfig;
  contactCache: {
    ttlMs: number;
    maxEntries: number;
    /** Estimated bytes of cached contacts, all tenants together. */
    maxBytes: number;
    /** Share (0 < share ≤ 1) of maxEntries and maxBytes one tenant may hold. */
    tenantShare: number;
    /** After the TTL, how long an answer is still served at once while it is refreshed behind. */
    staleWhileRevalidateMs: number;
    /** How old an answer may be to be served (marked stale) when Salesforce cannot answer. */
    staleIfErrorMs: number;
    /** Keep answers in the connection store too, shared by every replica (and kept across restarts). */
    shared: boolean;
    /** Answers the shared tier keeps per tenant at most (its oldest go first). */
    sharedMaxPerTenant: number;
  };
  metricsTenantLabel: boolean;
  /** Serve the admin's Salesforce connect page at /admin/salesforce (off unless ADMIN_UI=true). */
  adminUi: boolean;
  shutdownTimeoutMs: number;
  /** While PostgreSQL change notifications are not heard, how long a replica trusts what it knows of a connection. */
  connectionRecheckMs: number;
  /**
   * Tenants a replica keeps in memory at once: each one's connection (the directory), token, circuit, API usage
   * reading and Contact describe. One pushed out is read again on its next request, starting from nothing.
   */
  maxActiveTenants: number;
  /** While the store cannot be read, how long after its last read a tenant's connection is still served. */
  storeOutageGraceMs: number;
  /** How long /ready answers 503 before the listener closes, so load balancers stop routing first. */
  shutdownDrainDelayMs: number;
  logLevel: string;
}

export interface RequestLimitsConfig {
  /** Body of an authenticated request. */
  bodyLimitBytes: number;
  /** Body of a request with no bearer token (only the router's `_service` query is served then). */
  anonymousBodyLimitBytes: number;
  /**
   * Of a body refused before it was read (no credentials, too large), what is read and dropped at most, so that
   * the client hears the refusal, before the connection is cut; see http/refuseUnread.ts.
   */
  refusedBodyDiscardBytes: number;
  refusedBodyDiscardMs: number;
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  /** `_entities` representations resolved per request; the rest get REPRESENTATION_LIMIT_EXCEEDED. */
  maxRepresentations: number;
  /** Distinct emails looked up per request; the rest get EMAIL_LIMIT_EXCEEDED. */
  maxEmailsPerRequest: number;
}

export interface ResilienceConfig {
  /** A whole GraphQL request's budget for Salesforce; a hung org answers within it. */
  requestDeadlineMs: number;
  /** Share of the org's daily API quota after which lookups stop (the rest is left to the customer). */
  apiBudgetPercent: number;
  /** How long a quiet tenant's first lookup waits for others to share its query. */
  batchWindowMs: number;
  /** During a burst, the next lookup goes once lookups stop arriving for this long… */
  burstQuietMs: number;
  /** …or at the latest this long after the first of them. */
  burstMaxWaitMs: number;
  /** First retry delay; each retry doubles it, with full jitter. */
  retryBaseMs: number;
  /** Consecutive failed Salesforce calls that open a tenant's circuit. */
  breakerThreshold: number;
  /** How long an open circuit fails fast before letting one probe through. */
  breakerCooldownMs: number;
  /** How long a refused token request is remembered before the credentials are tried again. */
  tokenRefusalTtlMs: number;
  /** Salesforce requests one tenant may have in flight at once (Salesforce allows 25 long-running per org). */
  maxConcurrentRequestsPerTenant: number;
}

/** Bounds on what Salesforce answers and on the calls one tenant causes (README, Security). */
export interface SalesforceLimitsConfig {
  /** Bytes of one Salesforce answer past which it is not read. */
  maxResponseBytes: number;
  /** Records one lookup may read across its queries and pages (or 5 per email, if more). */
  maxLookupRecords: number;
  /** JSON bytes one lookup may read across its queries and pages (or 16 KiB per email, if more). */
  maxLookupBytes: number;
  /** Contacts kept for one email; the least recently modified beyond it are dropped. */
  maxContactsPerEmail: number;
  /** Salesforce calls per second one tenant may make (token bucket refill)… */
  tenantCallsPerSecond: number;
  /** …and at most this many at once after a quiet spell (bucket size). */
  tenantCallsBurst: number;
}

/** What tools that only touch the store need (npm run rotate-keys): where it is, and the keys. */
export type StoreConfig = Pick<Config, 'production' | 'dataDir' | 'databaseUrl' | 'encryptionKey' | 'previousEncryptionKeys'>;

/** Claims every token must carry when set (both required in production). */
export interface TokenClaimsConfig {
  issuer: string | undefined;
  audience: string | undefined;
}

export type AuthConfig =
  | ({ kind: 'secret'; secret: string } & TokenClaimsConfig)
  | ({ kind: 'jwks'; jwksUrl: string; algorithms: string[] } & TokenClaimsConfig)
  /** Neither variable set outside production: a secret is generated at start and a dev admin token logged. */
  | { kind: 'development' };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The NODE_ENV values that get development conveniences; `production` and nothing else is production. */
const DEVELOPMENT_MODES = new Set(['', 'development', 'test']);

/**
 * Production is the default posture: only an unset NODE_ENV, `development` or `test` relaxes anything. Any other
 * value (`Production`, `prod`, `staging`) is refused, since it is unclear which posture was meant.
 */
function isProduction(env: Env, problems: string[]): boolean {
  const mode = env.NODE_ENV?.trim() ?? '';
  if (mode === 'production') return true;
  if (DEVELOPMENT_MODES.has(mode)) return false;
  problems.push(`NODE_ENV must be production, development or test (or unset for development), got "${mode.slice(0, 40)}"`);
  return true;
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const production = isProduction(env, problems);
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  const port = integer(value('PORT'), 'PORT', { min: 0, max: 65535, fallback: 4001 }, problems);
  const salesforceTimeoutMs = integer(value('SALESFORCE_TIMEOUT_MS'), 'SALESFORCE_TIMEOUT_MS', { min: 100, max: 120_000, fallback: 10_000 }, problems);

  const { databaseUrl, encryptionKey, previousEncryptionKeys } = storeSettings(value, production, problems);

  const auth = authConfig(value, production, problems);
  const routerSecret = routerSecretConfig(value, production, problems);
  const requestLimits = requestLimitsConfig(value, problems);

  const allowLoopback = boolean(value('SALESFORCE_ALLOW_LOOPBACK'), 'SALESFORCE_ALLOW_LOOPBACK', problems);
  if (allowLoopback && production) {
    problems.push('SALESFORCE_ALLOW_LOOPBACK=true is refused when NODE_ENV=production: it lets instance URLs point at this machine');
  }

  const resilience: ResilienceConfig = {
    requestDeadlineMs: integer(value('SALESFORCE_REQUEST_DEADLINE_MS'), 'SALESFORCE_REQUEST_DEADLINE_MS', { min: 100, max: 300_000, fallback: 12_000 }, problems),
    apiBudgetPercent: integer(value('SALESFORCE_API_BUDGET_PERCENT'), 'SALESFORCE_API_BUDGET_PERCENT', { min: 1, max: 100, fallback: 90 }, problems),
    batchWindowMs: integer(value('SALESFORCE_BATCH_WINDOW_MS'), 'SALESFORCE_BATCH_WINDOW_MS', { min: 0, max: 1000, fallback: 2 }, problems),
    burstQuietMs: integer(value('SALESFORCE_BURST_QUIET_MS'), 'SALESFORCE_BURST_QUIET_MS', { min: 0, max: 10_000, fallback: 25 }, problems),
    burstMaxWaitMs: integer(value('SALESFORCE_BURST_MAX_WAIT_MS'), 'SALESFORCE_BURST_MAX_WAIT_MS', { min: 0, max: 60_000, fallback: 400 }, problems),
    retryBaseMs: integer(value('SALESFORCE_RETRY_BASE_MS'), 'SALESFORCE_RETRY_BASE_MS', { min: 1, max: 60_000, fallback: 200 }, problems),
    breakerThreshold: integer(value('SALESFORCE_BREAKER_THRESHOLD'), 'SALESFORCE_BREAKER_THRESHOLD', { min: 1, max: 1000, fallback: 5 }, problems),
    breakerCooldownMs: integer(value('SALESFORCE_BREAKER_COOLDOWN_MS'), 'SALESFORCE_BREAKER_COOLDOWN_MS', { min: 1, max: 3_600_000, fallback: 30_000 }, problems),
    tokenRefusalTtlMs: integer(value('SALESFORCE_TOKEN_REFUSAL_TTL_MS'), 'SALESFORCE_TOKEN_REFUSAL_TTL_MS', { min: 0, max: 3_600_000, fallback: 30_000 }, problems),
    maxConcurrentRequestsPerTenant: integer(value('SALESFORCE_MAX_CONCURRENT_REQUESTS'), 'SALESFORCE_MAX_CONCURRENT_REQUESTS', { min: 1, max: 20, fallback: 6 }, problems),
  };
  const contactCache = {
    ttlMs: integer(value('CONTACT_CACHE_TTL_MS'), 'CONTACT_CACHE_TTL_MS', { min: 0, max: 86_400_000, fallback: 60_000 }, problems),
    maxEntries: integer(value('CONTACT_CACHE_MAX_ENTRIES'), 'CONTACT_CACHE_MAX_ENTRIES', { min: 1, max: 10_000_000, fallback: 50_000 }, problems),
    maxBytes: integer(value('CONTACT_CACHE_MAX_BYTES'), 'CONTACT_CACHE_MAX_BYTES', { min: 1_048_576, max: 68_719_476_736, fallback: 268_435_456 }, problems),
    tenantShare: fraction(value('CONTACT_CACHE_TENANT_SHARE'), 'CONTACT_CACHE_TENANT_SHARE', 0.25, problems),
    staleWhileRevalidateMs: integer(
      value('CONTACT_STALE_WHILE_REVALIDATE_MS'),
      'CONTACT_STALE_WHILE_REVALIDATE_MS',
      { min: 0, max: 86_400_000, fallback: 240_000 },
      problems,
    ),
    staleIfErrorMs: integer(value('CONTACT_STALE_IF_ERROR_MS'), 'CONTACT_STALE_IF_ERROR_MS', { min: 0, max: 604_800_000, fallback: 86_400_000 }, problems),
    shared: value('CONTACT_SHARED_CACHE') === undefined || boolean(value('CONTACT_SHARED_CACHE'), 'CONTACT_SHARED_CACHE', problems),
    sharedMaxPerTenant: integer(
      value('CONTACT_SHARED_CACHE_MAX_PER_TENANT'),
      'CONTACT_SHARED_CACHE_MAX_PER_TENANT',
      { min: 1, max: 100_000_000, fallback: 100_000 },
      problems,
    ),
  };
  const salesforceLimits: SalesforceLimitsConfig = {
    maxResponseBytes: integer(value('SALESFORCE_MAX_RESPONSE_BYTES'), 'SALESFORCE_MAX_RESPONSE_BYTES', { min: 65_536, max: 1_073_741_824, fallback: 20_971_520 }, problems),
    maxLookupRecords: integer(value('SALESFORCE_MAX_LOOKUP_RECORDS'), 'SALESFORCE_MAX_LOOKUP_RECORDS', { min: 100, max: 10_000_000, fallback: 10_000 }, problems),
    maxLookupBytes: integer(value('SALESFORCE_MAX_LOOKUP_BYTES'), 'SALESFORCE_MAX_LOOKUP_BYTES', { min: 65_536, max: 4_294_967_296, fallback: 67_108_864 }, problems),
    maxContactsPerEmail: integer(value('SALESFORCE_MAX_CONTACTS_PER_EMAIL'), 'SALESFORCE_MAX_CONTACTS_PER_EMAIL', { min: 1, max: 10_000, fallback: 50 }, problems),
    tenantCallsPerSecond: integer(value('SALESFORCE_TENANT_CALLS_PER_SECOND'), 'SALESFORCE_TENANT_CALLS_PER_SECOND', { min: 1, max: 10_000, fallback: 20 }, problems),
    tenantCallsBurst: integer(value('SALESFORCE_TENANT_CALLS_BURST'), 'SALESFORCE_TENANT_CALLS_BURST', { min: 1, max: 100_000, fallback: 40 }, problems),
  };
  const metricsTenantLabel = boolean(value('METRICS_TENANT_LABEL'), 'METRICS_TENANT_LABEL', problems);
  const adminUi = boolean(value('ADMIN_UI'), 'ADMIN_UI', problems);
  const databasePoolSize = integer(value('DATABASE_POOL_SIZE'), 'DATABASE_POOL_SIZE', { min: 1, max: 200, fallback: 10 }, problems);
  const connectionRecheckMs = integer(value('CONNECTION_RECHECK_MS'), 'CONNECTION_RECHECK_MS', { min: 50, max: 60_000, fallback: 500 }, problems);
  const storeOutageGraceMs = integer(value('STORE_OUTAGE_GRACE_MS'), 'STORE_OUTAGE_GRACE_MS', { min: 0, max: 3_600_000, fallback: 60_000 }, problems);
  const maxActiveTenants = integer(
    value('MAX_ACTIVE_TENANTS'),
    'MAX_ACTIVE_TENANTS',
    { min: 1, max: 10_000_000, fallback: 10_000 },
    problems,
  );
  const shutdownTimeoutMs = integer(value('SHUTDOWN_TIMEOUT_MS'), 'SHUTDOWN_TIMEOUT_MS', { min: 0, max: 600_000, fallback: 10_000 }, problems);
  const shutdownDrainDelayMs = integer(value('SHUTDOWN_DRAIN_DELAY_MS'), 'SHUTDOWN_DRAIN_DELAY_MS', { min: 0, max: 600_000, fallback: 0 }, problems);

  const logLevel = value('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    production,
    port,
    dataDir: path.resolve(cwd, value('DATA_DIR') ?? 'data'),
    databaseUrl,
    encryptionKey,
    previousEncryptionKeys,
    auth,
    routerSecret,
    requestLimits,
    salesforceAllowLoopback: allowLoopback,
    salesforceTimeoutMs,
    resilience,
    salesforceLimits,
    contactCache,
    metricsTenantLabel,
    adminUi,
    shutdownTimeoutMs,
    databasePoolSize,
    connectionRecheckMs,
    maxActiveTenants,
    storeOutageGraceMs,
    shutdownDrainDelayMs,
    logLevel,
  };
}

/** The store and key settings alone, validated like loadConfig does; the other variables are not read. */
export function loadStoreConfig(env: Env = process.env, cwd: string = process.cwd()): StoreConfig {
  const problems: string[] = [];
  const production = isProduction(env, problems);
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const settings = storeSettings(value, production, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { production, dataDir: path.resolve(cwd, value('DATA_DIR') ?? 'data'), ...settings };
}

function storeSettings(
  value: (name: string) => string | undefined,
  production: boolean,
  problems: string[],
): Pick<Config, 'databaseUrl' | 'encryptionKey' | 'previousEncryptionKeys'> {
  const databaseUrl = value('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL, or unset for the embedded SQLite store');
  }

  const encryptionKey = value('ENCRYPTION_KEY');
  if (encryptionKey !== undefined && !isBase64Of32Bytes(encryptionKey)) {
    problems.push('ENCRYPTION_KEY must be base64 of exactly 32 bytes (generate one with: openssl rand -base64 32)');
  } else if (encryptionKey === undefined && production) {
    problems.push('ENCRYPTION_KEY is required when NODE_ENV=production (base64 of 32 random bytes)');
  }

  // Comma-separated; blanks (a trailing comma) are ignored. A bad entry is named by position, never echoed.
  const previousEncryptionKeys = (value('ENCRYPTION_KEY_PREVIOUS') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  previousEncryptionKeys.forEach((entry, index) => {
    if (!isBase64Of32Bytes(entry)) {
      problems.push(
        `ENCRYPTION_KEY_PREVIOUS entry ${index + 1} of ${previousEncryptionKeys.length} must be base64 of exactly 32 bytes (keys are separated by commas)`,
      );
    }
  });
  return { databaseUrl, encryptionKey, previousEncryptionKeys };
}

function authConfig(value: (name: string) => string | undefined, production: boolean, problems: string[]): AuthConfig {
  const secret = value('AUTH_JWT_SECRET');
  const jwksUrl = value('AUTH_JWKS_URL');
  const claims: TokenClaimsConfig = { issuer: value('AUTH_ISSUER'), audience: value('AUTH_AUDIENCE') };
  if (secret !== undefined && jwksUrl !== undefined) {
    problems.push('Set only one of AUTH_JWT_SECRET (HS256) and AUTH_JWKS_URL');
    return { kind: 'development' };
  }
  if (production && (secret !== undefined || jwksUrl !== undefined)) {
    if (claims.issuer === undefined) problems.push('AUTH_ISSUER is required when NODE_ENV=production: tokens of any issuer would be accepted');
    if (claims.audience === undefined) problems.push('AUTH_AUDIENCE is required when NODE_ENV=production: tokens meant for other services would be accepted');
  }
  if (secret !== undefined) {
    if (Buffer.byteLength(secret) < 32) problems.push('AUTH_JWT_SECRET must be at least 32 bytes long for HS256');
    return { kind: 'secret', secret, ...claims };
  }
  if (jwksUrl !== undefined) {
    if (!isHttpUrl(jwksUrl, production)) {
      problems.push(`AUTH_JWKS_URL must be an ${production ? 'https' : 'http(s)'} URL`);
    }
    const algorithms = (value('AUTH_JWKS_ALGORITHMS') ?? 'RS256,ES256').split(',').map((a) => a.trim()).filter((a) => a !== '');
    const unknown = algorithms.filter((a) => !JWKS_ALGORITHMS.has(a));
    if (algorithms.length === 0 || unknown.length > 0) {
      problems.push(`AUTH_JWKS_ALGORITHMS must list asymmetric JWS algorithms from ${[...JWKS_ALGORITHMS].join(', ')}, got "${unknown.join(',').slice(0, 60)}"`);
    }
    return { kind: 'jwks', jwksUrl, algorithms, ...claims };
  }
  if (production) problems.push('One of AUTH_JWT_SECRET or AUTH_JWKS_URL is required when NODE_ENV=production');
  return { kind: 'development' };
}

/** Asymmetric algorithms a JWKS key may use (never HS*, never none). */
const JWKS_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);

/**
 * ROUTER_SECRET is required in production: `_entities` representations carry emails the caller chooses, so only
 * the router may send them. ROUTER_SECRET_WAIVED=true is for deployments where the network already guarantees it.
 */
function routerSecretConfig(value: (name: string) => string | undefined, production: boolean, problems: string[]): string | undefined {
  const secret = value('ROUTER_SECRET');
  const waived = boolean(value('ROUTER_SECRET_WAIVED'), 'ROUTER_SECRET_WAIVED', problems);
  if (secret === undefined && production && !waived) {
    problems.push(
      'ROUTER_SECRET is required when NODE_ENV=production (representations carry caller-chosen emails); set ROUTER_SECRET_WAIVED=true only if nothing but the router can reach this service',
    );
  }
  if (secret !== undefined && Buffer.byteLength(secret) < 16) problems.push('ROUTER_SECRET must be at least 16 bytes long');
  return secret;
}

function requestLimitsConfig(value: (name: string) => string | undefined, problems: string[]): RequestLimitsConfig {
  const limit = (name: string, min: number, max: number, fallback: number): number => integer(value(name), name, { min, max, fallback }, problems);
  return {
    bodyLimitBytes: limit('GRAPHQL_BODY_LIMIT_BYTES', 1_024, 64 * 1024 * 1024, 1024 * 1024),
    anonymousBodyLimitBytes: limit('GRAPHQL_ANONYMOUS_BODY_LIMIT_BYTES', 256, 1024 * 1024, 8 * 1024),
    // A client that reads the refusal only once it has sent its whole body needs all of it read. 16 MiB is sixteen
    // times the default body limit, room for a 5 MB upload (read and dropped in ~25 ms on loopback); 2 s lets
    // 5 MB through a 25 Mbit/s link. Whichever comes first cuts the connection: a refused caller holds one for far
    // less than a client sending its headers slowly already may (66 s). 0 closes at once, as before issue 17.
    refusedBodyDiscardBytes: limit('GRAPHQL_REFUSED_BODY_DISCARD_BYTES', 0, 1024 * 1024 * 1024, 16 * 1024 * 1024),
    refusedBodyDiscardMs: limit('GRAPHQL_REFUSED_BODY_DISCARD_MS', 0, 60_000, 2_000),
    maxTokens: limit('GRAPHQL_MAX_TOKENS', 100, 1_000_000, 5_000),
    maxDepth: limit('GRAPHQL_MAX_DEPTH', 2, 100, 12),
    maxAliases: limit('GRAPHQL_MAX_ALIASES', 0, 10_000, 30),
    maxCost: limit('GRAPHQL_MAX_COST', 10, 10_000_000, 10_000),
    maxRepresentations: limit('MAX_ENTITY_REPRESENTATIONS', 1, 1_000_000, 5_000),
    maxEmailsPerRequest: limit('MAX_EMAILS_PER_REQUEST', 1, 1_000_000, 2_000),
  };
}

function integer(
  raw: string | undefined,
  name: string,
  { min, max, fallback }: { min: number; max: number; fallback: number },
  problems: string[],
): number {
  if (raw === undefined) return fallback;
  const parsed = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return fallback;
  }
  return parsed;
}

/** A decimal number greater than 0 and at most 1 (`0.25`, `1`). */
function fraction(raw: string | undefined, name: string, fallback: number, problems: string[]): number {
  if (raw === undefined) return fallback;
  const parsed = /^(?:0?\.\d+|[01](?:\.\d*)?)$/.test(raw) ? Number(raw) : NaN;
  if (!(parsed > 0 && parsed <= 1)) {
    problems.push(`${name} must be a number greater than 0 and at most 1, got "${raw}"`);
    return fallback;
  }
  return parsed;
}

function boolean(raw: string | undefined, name: string, problems: string[]): boolean {
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  problems.push(`${name} must be true or false, got "${raw}"`);
  return false;
}

function isBase64Of32Bytes(value: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32;
}

function isHttpUrl(value: string, httpsOnly: boolean): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || (!httpsOnly && protocol === 'http:');
  } catch {
    return false;
  }
}
