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
import { createLogger, type Logger } from './logger';
import { SalesforceHttp } from './salesforce/http';
import { ApiUsageTracker } from './salesforce/apiUsage';
import { DescribeCache } from './salesforce/describe';
import { TokenManager } from './salesforce/tokens';
import { type RunningServer, startServer } from './server';

export interface App extends RunningServer {
  logger: Logger;
  /** Set when no auth was configured outside production. */
  devAdminToken: string | undefined;
}

/** Tenants whose token, describe and API usage are kept in memory. */
const CACHED_TENANTS = 10_000;
const TOKEN_IDLE_TTL_MS = 15 * 60_000;
/** How long a Contact describe is trusted; a lookup's INVALID_FIELD re-checks it at once anyway. */
const DESCRIBE_TTL_MS = 10 * 60_000;

export async function startApp(config: Config, options: { logDestination?: DestinationStream; host?: string } = {}): Promise<App> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const key = resolveEncryptionKey(config.encryptionKey, config.dataDir, logger);
  const store = await openConnectionStore(config.databaseUrl, config.dataDir);
  const http = new SalesforceHttp({ timeoutMs: config.salesforceTimeoutMs });
  const tokens = new TokenManager({ maxTenants: CACHED_TENANTS, idleTtlMs: TOKEN_IDLE_TTL_MS });
  const connections = new ConnectionService({
    store,
    secretBox: new SecretBox({ current: key, all: [key] }),
    http,
    tokens,
    describes: new DescribeCache({ maxTenants: CACHED_TENANTS, ttlMs: DESCRIBE_TTL_MS }),
    apiUsage: new ApiUsageTracker(CACHED_TENANTS),
    urlPolicy: { allowLoopback: config.salesforceAllowLoopback },
    logger,
  });
  const { verifier, devAdminToken } = await createVerifier(config.auth);

  const server = await startServer({
    port: config.port,
    ...(options.host !== undefined ? { host: options.host } : {}),
    services: { connections, logger },
    verifier,
    routerSecret: config.routerSecret,
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
    async stop() {
      await server.stop();
      await http.close();
      await store.close();
    },
  };
}
