/**
 * Wiring: from a validated Config to a running subgraph, and back down on stop.
 */
import type { DestinationStream } from 'pino';
import { createVerifier } from './auth/viewer';
import type { Config } from './config';
import { resolveEncryptionKey } from './connections/encryptionKey';
import { openConnectionStore } from './connections/openStore';
import { SecretBox } from './connections/secretBox';
import { ConnectionService } from './connections/service';
import { SharedContactLookups } from './loaders/sharedContactLookups';
import { createLogger, type Logger } from './logger';
import { Metrics } from './observability/metrics';
import { ApiBudget, BUDGET_EXHAUSTED_CODE } from './salesforce/apiBudget';
import { ApiUsageTracker } from './salesforce/apiUsage';
import { ApiVersionCache } from './salesforce/apiVersions';
import { CircuitBreakers, isCircuitRefusal } from './salesforce/circuitBreaker';
import { DescribeCache } from './salesforce/describe';
import { SalesforceError } from './salesforce/errors';
import { SalesforceHttp } from './salesforce/http';
import { revokeToken } from './salesforce/oauth';
import { RequestSlots } from './salesforce/requestSlots';
import { TokenManager } from './salesforce/tokens';
import { type RunningServer, startServer } from './server';

export interface App extends RunningServer {
  logger: Logger;
  /** Set when no auth was configured outside production. */
  devAdminToken: string | undefined;
}

/** Tenants whose token, describe, API usage and breaker are kept in memory. */
const CACHED_TENANTS = 10_000;
const TOKEN_IDLE_TTL_MS = 15 * 60_000;
/** How long a Contact describe is trusted; a lookup's INVALID_FIELD re-checks it at once anyway. */
const DESCRIBE_TTL_MS = 10 * 60_000;
/** How long an org's list of API versions is trusted (it changes with Salesforce's three releases a year). */
const API_VERSIONS_TTL_MS = 60 * 60_000;

export async function startApp(config: Config, options: { logDestination?: DestinationStream; host?: string } = {}): Promise<App> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const metrics = new Metrics({ tenantLabels: config.metricsTenantLabel });
  const key = resolveEncryptionKey(config.encryptionKey, config.dataDir, logger);
  const store = await openConnectionStore(config.databaseUrl, config.dataDir);
  const { resilience } = config;

  const http = new SalesforceHttp({
    timeoutMs: config.salesforceTimeoutMs,
    retry: { baseMs: resilience.retryBaseMs },
    observer: {
      request(kind, outcome, seconds) {
        metrics.salesforceRequest(kind, outcome, seconds);
        if (kind === 'token') metrics.tokenRequest(outcome === 'success' ? 'success' : 'failure');
      },
      retry: (kind) => metrics.salesforceRetry(kind),
    },
  });
  const apiUsage = new ApiUsageTracker(CACHED_TENANTS, (tenantId, usage) => metrics.apiUsage(tenantId, usage.used, usage.max));
  // The lookups call the connection service, and the service clears their cache on changes: tied after both exist.
  let lookups: SharedContactLookups | undefined = undefined;
  const connections = new ConnectionService({
    store,
    secretBox: new SecretBox({ current: key, all: [key] }),
    http,
    apiVersions: new ApiVersionCache({ maxInstances: CACHED_TENANTS, ttlMs: API_VERSIONS_TTL_MS }),
    tokens: new TokenManager({
      maxTenants: CACHED_TENANTS,
      idleTtlMs: TOKEN_IDLE_TTL_MS,
      onOrphan: (token) => void revokeToken(http, token).catch(() => undefined),
      refusalTtlMs: resilience.tokenRefusalTtlMs,
    }),
    describes: new DescribeCache({ maxTenants: CACHED_TENANTS, ttlMs: DESCRIBE_TTL_MS }),
    apiUsage,
    budget: new ApiBudget(apiUsage, resilience.apiBudgetPercent),
    breakers: new CircuitBreakers({
      threshold: resilience.breakerThreshold,
      cooldownMs: resilience.breakerCooldownMs,
      maxTenants: CACHED_TENANTS,
      onStateChange: (tenantId, state) => metrics.circuitState(tenantId, state),
    }),
    requestSlots: new RequestSlots({ perTenant: resilience.maxConcurrentRequestsPerTenant }),
    urlPolicy: { allowLoopback: config.salesforceAllowLoopback },
    logger,
    lookupDeadlineMs: resilience.requestDeadlineMs,
    onChange: (tenantId) => lookups?.clear(tenantId),
  });
  lookups = new SharedContactLookups({
    ttlMs: config.contactCache.ttlMs,
    maxEntries: config.contactCache.maxEntries,
    batchWindowMs: resilience.batchWindowMs,
    burstQuietMs: resilience.burstQuietMs,
    burstMaxWaitMs: resilience.burstMaxWaitMs,
    lookup: (tenantId, emails) => timedLookup(metrics, emails.length, () => connections.lookup(tenantId, emails)),
    onCache: (result, count) => metrics.contactCache(result, count),
  });
  const { verifier, devAdminToken } = await createVerifier(config.auth);

  const server = await startServer({
    port: config.port,
    ...(options.host !== undefined ? { host: options.host } : {}),
    services: { connections, lookups, logger, requestDeadlineMs: resilience.requestDeadlineMs },
    verifier,
    routerSecret: config.routerSecret,
    metrics,
    pingStore: () => store.ping(),
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    shutdownDrainDelayMs: config.shutdownDrainDelayMs,
  });
  logger.info({ url: server.url, store: config.databaseUrl === undefined ? 'sqlite' : 'postgres' }, 'Salesforce subgraph ready');
  if (devAdminToken !== undefined) {
    logger.warn(
      `No AUTH_JWT_SECRET or AUTH_JWKS_URL: using a development secret for this process. Admin token for tenant "dev": ${devAdminToken}`,
    );
  }

  return {
    ...server,
    logger,
    devAdminToken,
    /** Stop serving, then close what serving used: Salesforce pools (bounded), pending batches, the store. */
    async stop() {
      await server.stop();
      lookups.close();
      await http.close(config.shutdownTimeoutMs);
      await store.close();
    },
  };
}

async function timedLookup<T>(metrics: Metrics, emails: number, lookup: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await lookup();
    metrics.contactLookup('success', (performance.now() - started) / 1000, emails);
    return result;
  } catch (error) {
    metrics.contactLookup('failure', (performance.now() - started) / 1000, emails);
    if (isCircuitRefusal(error)) metrics.circuitRefusal();
    if (error instanceof SalesforceError && error.errorCode === BUDGET_EXHAUSTED_CODE) metrics.budgetRefusal();
    throw error;
  }
}
