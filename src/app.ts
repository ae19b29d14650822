/**
 * Wiring: from a validated Config to a running subgraph, and back down on stop.
 */
import type { DestinationStream } from 'pino';
import { createVerifier } from './auth/viewer';
import type { Config } from './config';
import { checkStoredSecrets, resolveKeyring } from './connections/encryptionKey';
import { ConnectionDirectory, type CurrentConnection } from './connections/connectionDirectory';
import { openConnectionStore } from './connections/openStore';
import { PostgresChangeListener } from './connections/postgresChanges';
import { PostgresConnectionStore } from './connections/postgresStore';
import { SecretBox } from './connections/secretBox';
import { ConnectionService } from './connections/service';
import type { StoredContacts } from './connections/storedContacts';
import { keepMs } from './loaders/answerWindows';
import { isAvailabilityFailure, isCredentialsRefusal } from './salesforce/failures';
import { BURST_WAIT_GROWTH, type SharedTier, SharedContactLookups } from './loaders/sharedContactLookups';
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
import { TenantRateLimiter } from './salesforce/tenantRateLimiter';
import { TokenManager } from './salesforce/tokens';
import { type RunningServer, startServer } from './server';

export interface App extends RunningServer {
  logger: Logger;
  /** Set when no auth was configured outside production. */
  devAdminToken: string | undefined;
}

const TOKEN_IDLE_TTL_MS = 15 * 60_000;
/** How long a Contact describe is trusted; a lookup's INVALID_FIELD re-checks it at once anyway. */
const DESCRIBE_TTL_MS = 10 * 60_000;
/** How often each replica sweeps the shared contact tier. */
const SWEEP_EVERY_MS = 60_000;
/** How long an org's list of API versions is trusted (it changes with Salesforce's three releases a year). */
const API_VERSIONS_TTL_MS = 60 * 60_000;
/** While PostgreSQL's change notifications are heard, how long a tenant's connection is trusted without a re-read. */
const DIRECTORY_MAX_AGE_MS = 30_000;
/**
 * Proofs of hearing per CONNECTION_RECHECK_MS: the listening connection's round trip comes this many times per
 * recheck interval, so one late or lost answer does not yet stop the directory trusting what it heard.
 */
const PROOFS_PER_RECHECK = 4;

export async function startApp(config: Config, options: { logDestination?: DestinationStream; host?: string } = {}): Promise<App> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const metrics = new Metrics({ tenantLabels: config.metricsTenantLabel });
  const keyring = resolveKeyring(config, logger);
  const store = await openConnectionStore(config.databaseUrl, config.dataDir, { poolSize: config.databasePoolSize });
  // Keys that open none of the stored secrets would fail every tenant: refuse to start instead.
  await checkStoredSecrets(store, keyring, logger).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const { resilience } = config;
  // The shared tier failing costs Salesforce calls, not answers; the store away, connections served as last read.
  const tierFailure = warningAtMostEveryMinute(logger, 'The shared contact tier failed; asking Salesforce instead');
  const storeOutage = warningAtMostEveryMinute(logger, 'The connection store cannot be read; serving connections as last read (up to STORE_OUTAGE_GRACE_MS after)');
  /** Tenants whose connection, token, describe, API usage and circuit are kept in memory: all sized alike. */
  const tenants = config.maxActiveTenants;

  const http = new SalesforceHttp({
    timeoutMs: config.salesforceTimeoutMs,
    retry: { baseMs: resilience.retryBaseMs },
    maxResponseBytes: config.salesforceLimits.maxResponseBytes,
    observer: {
      request(kind, outcome, seconds) {
        metrics.salesforceRequest(kind, outcome, seconds);
        if (kind === 'token') metrics.tokenRequest(outcome === 'success' ? 'success' : 'failure');
      },
      retry: (kind) => metrics.salesforceRetry(kind),
    },
  });
  const apiUsage = new ApiUsageTracker(tenants, (tenantId, usage) => metrics.apiUsage(tenantId, usage.used, usage.max));
  // The directory tells the service of changes, and the service writes through the directory: tied after both exist.
  let connections: ConnectionService | undefined = undefined;
  let lookupsOnceStarted: SharedContactLookups<CurrentConnection> | undefined = undefined;
  const directory = new ConnectionDirectory({
    store,
    maxTenants: config.maxActiveTenants,
    maxAgeMs: DIRECTORY_MAX_AGE_MS,
    recheckMs: config.connectionRecheckMs,
    // SQLite is written by this process alone; PostgreSQL's changes are heard once the listener is up, and only
    // while it keeps proving it hears them.
    listening: !(store instanceof PostgresConnectionStore),
    requireProof: store instanceof PostgresConnectionStore,
    outageGraceMs: config.storeOutageGraceMs,
    onOutage: (_tenantId, error) => storeOutage(error),
    onEvict: (tenantId) => connections?.connectionEvicted(tenantId),
    onChange: (tenantId, previous, next) => {
      metrics.connectionChanged();
      connections?.connectionChanged(tenantId, previous, next);
      // What was read under the connection as it was is never served again: it leaves memory too.
      if (previous !== null) lookupsOnceStarted?.forget(previous);
    },
    onLoad: (tenantId, connection) => connections?.connectionLoaded(tenantId, connection),
  });
  const listener =
    store instanceof PostgresConnectionStore && config.databaseUrl !== undefined
      ? await PostgresChangeListener.start({
          connectionString: config.databaseUrl,
          channel: store.channel,
          logger,
          onChange: (tenantId) => void directory.changedElsewhere(tenantId).catch((error: unknown) => logger.warn({ tenantId, err: error }, 'Could not re-read a changed connection')),
          onListening: (listening, recovered) => {
            directory.setListening(listening);
            metrics.changeListener(listening, recovered);
          },
          onHeard: (at) => directory.heard(at),
          heartbeatMs: Math.max(25, Math.floor(config.connectionRecheckMs / PROOFS_PER_RECHECK)),
        })
      : null;
  connections = new ConnectionService({
    store,
    secretBox: new SecretBox(keyring),
    http,
    apiVersions: new ApiVersionCache({ maxInstances: tenants, ttlMs: API_VERSIONS_TTL_MS }),
    tokens: new TokenManager({
      maxTenants: tenants,
      idleTtlMs: TOKEN_IDLE_TTL_MS,
      onOrphan: (token) => void revokeToken(http, token).catch(() => undefined),
      refusalTtlMs: resilience.tokenRefusalTtlMs,
    }),
    describes: new DescribeCache({ maxTenants: tenants, ttlMs: DESCRIBE_TTL_MS }),
    apiUsage,
    budget: new ApiBudget(apiUsage, resilience.apiBudgetPercent),
    breakers: new CircuitBreakers({
      threshold: resilience.breakerThreshold,
      cooldownMs: resilience.breakerCooldownMs,
      maxTenants: tenants,
      onStateChange: (tenantId, state) => metrics.circuitState(tenantId, state),
    }),
    requestSlots: new RequestSlots({ perTenant: resilience.maxConcurrentRequestsPerTenant }),
    rateLimiter: new TenantRateLimiter({
      callsPerSecond: config.salesforceLimits.tenantCallsPerSecond,
      burst: config.salesforceLimits.tenantCallsBurst,
      maxTenants: tenants,
      onRefusal: () => metrics.tenantThrottle(),
    }),
    lookupLimits: {
      maxRecords: config.salesforceLimits.maxLookupRecords,
      maxBytes: config.salesforceLimits.maxLookupBytes,
      maxContactsPerEmail: config.salesforceLimits.maxContactsPerEmail,
      // Counts only: never an email.
      onLimit: (event) => {
        metrics.lookupTruncated(event.reason);
        logger.warn(
          event,
          event.reason === 'contacts_per_email'
            ? 'Dropped the least recently modified contacts of emails over SALESFORCE_MAX_CONTACTS_PER_EMAIL'
            : 'Stopped reading a Salesforce lookup over SALESFORCE_MAX_LOOKUP_RECORDS / SALESFORCE_MAX_LOOKUP_BYTES; it fails as unavailable',
        );
      },
    },
    urlPolicy: { allowLoopback: config.salesforceAllowLoopback },
    logger,
    lookupDeadlineMs: resilience.requestDeadlineMs,
    directory,
  });
  const service = connections;
  const lookups = new SharedContactLookups<CurrentConnection>({
    ttlMs: config.contactCache.ttlMs,
    staleWhileRevalidateMs: config.contactCache.staleWhileRevalidateMs,
    staleIfErrorMs: config.contactCache.staleIfErrorMs,
    canServeStale: isAvailabilityFailure,
    isRefusal: isCredentialsRefusal,
    onStale: (count) => metrics.staleAnswers(count),
    maxEntries: config.contactCache.maxEntries,
    maxBytes: config.contactCache.maxBytes,
    tenantShare: config.contactCache.tenantShare,
    batchWindowMs: resilience.batchWindowMs,
    burstQuietMs: resilience.burstQuietMs,
    burstMaxWaitMs: resilience.burstMaxWaitMs,
    burstLongestWaitMs: longestBurstWaitMs(resilience),
    lookup: (connection, emails) => timedLookup(metrics, emails.length, () => service.lookup(connection, emails)),
    keyOf: (connection) => connection.scope,
    tenantOf: (connection) => connection.record.tenantId,
    onCache: (result, count) => metrics.contactCache(result, count),
    ...(config.contactCache.shared ? { sharedTier: sharedTierOf(store.contacts), onSharedTierError: (operation, error) => tierFailure(error, { operation }) } : {}),
  });
  // Swept even with the shared tier off: rows kept before it was turned off go too.
  const sweeper = startSweeping(store.contacts, config.contactCache, logger);
  lookupsOnceStarted = lookups;
  metrics.watchContactCache(() => lookups.cacheStats());
  metrics.watchChangeHearing(() => directory.isListening);
  const { verifier, devAdminToken } = await createVerifier(config.auth);

  const server = await startServer({
    port: config.port,
    ...(options.host !== undefined ? { host: options.host } : {}),
    services: {
      connections: service,
      directory,
      lookups,
      logger,
      requestDeadlineMs: resilience.requestDeadlineMs,
      maxEmailsPerRequest: config.requestLimits.maxEmailsPerRequest,
      maxRepresentations: config.requestLimits.maxRepresentations,
    },
    verifier,
    routerSecret: config.routerSecret,
    limits: config.requestLimits,
    metrics,
    pingStore: () => store.ping(),
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    shutdownDrainDelayMs: config.shutdownDrainDelayMs,
    adminUi: config.adminUi,
  });
  logger.info({ url: server.url, store: config.databaseUrl === undefined ? 'sqlite' : 'postgres', adminUi: config.adminUi }, 'Salesforce subgraph ready');
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
      clearInterval(sweeper);
      await listener?.stop();
      await http.close(config.shutdownTimeoutMs);
      await store.close();
    },
  };
}

/**
 * How long a batch of a burst that keeps arriving may wait at most (its wait doubles from burstMaxWaitMs): the
 * lookups' default growth, but never more than a quarter of a request's deadline, which must leave Salesforce time
 * to answer.
 */
function longestBurstWaitMs({ burstMaxWaitMs, requestDeadlineMs }: Config['resilience']): number {
  return Math.max(burstMaxWaitMs, Math.min(BURST_WAIT_GROWTH * burstMaxWaitMs, Math.floor(requestDeadlineMs / 4)));
}

/** The store's contact tier as lookups use it: answers under a connection's scope. */
function sharedTierOf(contacts: StoredContacts): SharedTier<CurrentConnection> {
  const scopeOf = ({ record, scope }: CurrentConnection) => ({ tenantId: record.tenantId, credentialsId: record.credentialsId, scope });
  return {
    read: (connection, emails, since) => contacts.read(scopeOf(connection), emails, since),
    write: (connection, answers) => contacts.write(scopeOf(connection), answers),
    claimRefresh: (connection, emails, staleBefore) => contacts.claimRefresh(scopeOf(connection), emails, staleBefore),
    forget: (connection) => contacts.forget(scopeOf(connection)),
  };
}

/**
 * A warning for a condition that repeats on every request while it lasts (the store away): written at most once a
 * minute, with the error's message only.
 */
function warningAtMostEveryMinute(logger: Logger, message: string): (error: unknown, fields?: Record<string, unknown>) => void {
  let warnedAt = -Infinity;
  return (error, fields = {}) => {
    if (Date.now() - warnedAt < 60_000) return;
    warnedAt = Date.now();
    logger.warn({ ...fields, err: error instanceof Error ? error.message : String(error) }, message);
  };
}

/**
 * Every SWEEP_EVERY_MS (with jitter, so replicas spread out): drop answers no lookup would use any more, and each
 * tenant's oldest beyond its bound.
 */
function startSweeping(contacts: StoredContacts, options: Config['contactCache'], logger: Logger): NodeJS.Timeout {
  const kept = keepMs(options);
  const timer = setInterval(
    () => {
      contacts.sweep(new Date(Date.now() - kept), options.sharedMaxPerTenant).then(
        (swept) => logger.debug({ swept }, 'Swept the shared contact tier'),
        (error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'Could not sweep the shared contact tier'),
      );
    },
    SWEEP_EVERY_MS * (0.75 + Math.random() / 2),
  );
  timer.unref();
  return timer;
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
