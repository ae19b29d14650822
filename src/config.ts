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
  /** base64 of 32 bytes; undefined only outside production (a development key is then generated). */
  encryptionKey: string | undefined;
  auth: AuthConfig;
  routerSecret: string | undefined;
  salesforceAllowLoopback: boolean;
  salesforceTimeoutMs: number;
  resilience: ResilienceConfig;
  contactCache: { ttlMs: number; maxEntries: number };
  metricsTenantLabel: boolean;
  shutdownTimeoutMs: number;
  /** How long /ready answers 503 before the listener closes, so load balancers stop routing first. */
  shutdownDrainDelayMs: number;
  logLevel: string;
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

export type AuthConfig =
  | { kind: 'secret'; secret: string }
  | { kind: 'jwks'; jwksUrl: string; issuer: string | undefined; audience: string | undefined }
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

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  const port = integer(value('PORT'), 'PORT', { min: 0, max: 65535, fallback: 4001 }, problems);
  const salesforceTimeoutMs = integer(value('SALESFORCE_TIMEOUT_MS'), 'SALESFORCE_TIMEOUT_MS', { min: 100, max: 120_000, fallback: 10_000 }, problems);

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

  const auth = authConfig(value, production, problems);

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
  };
  const metricsTenantLabel = boolean(value('METRICS_TENANT_LABEL'), 'METRICS_TENANT_LABEL', problems);
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
    auth,
    routerSecret: value('ROUTER_SECRET'),
    salesforceAllowLoopback: allowLoopback,
    salesforceTimeoutMs,
    resilience,
    contactCache,
    metricsTenantLabel,
    shutdownTimeoutMs,
    shutdownDrainDelayMs,
    logLevel,
  };
}

function authConfig(value: (name: string) => string | undefined, production: boolean, problems: string[]): AuthConfig {
  const secret = value('AUTH_JWT_SECRET');
  const jwksUrl = value('AUTH_JWKS_URL');
  if (secret !== undefined && jwksUrl !== undefined) {
    problems.push('Set only one of AUTH_JWT_SECRET (HS256) and AUTH_JWKS_URL');
    return { kind: 'development' };
  }
  if (secret !== undefined) {
    if (Buffer.byteLength(secret) < 32) problems.push('AUTH_JWT_SECRET must be at least 32 bytes long for HS256');
    return { kind: 'secret', secret };
  }
  if (jwksUrl !== undefined) {
    if (!isHttpUrl(jwksUrl, production)) {
      problems.push(`AUTH_JWKS_URL must be an ${production ? 'https' : 'http(s)'} URL`);
    }
    return { kind: 'jwks', jwksUrl, issuer: value('AUTH_ISSUER'), audience: value('AUTH_AUDIENCE') };
  }
  if (production) problems.push('One of AUTH_JWT_SECRET or AUTH_JWKS_URL is required when NODE_ENV=production');
  return { kind: 'development' };
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
