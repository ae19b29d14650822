/**
 * The HTTP side: Express with Apollo Server on /graphql (the subgraph schema built from schema.graphql), the
 * operational endpoints beside it, request ids on every request, and a graceful stop.
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import express, { type Response } from 'express';
import { adminPageRouter } from './admin/adminPage';
import type { Authentication } from './auth/authenticate';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import gql from 'graphql-tag';
import { requireAuthenticationPlugin } from './auth/requireAuth';
import type { TokenVerifier } from './auth/viewer';
import { StoreUnavailableError } from './connections/storeErrors';
import { storeUnavailable } from './errors';
import { type Context, createContextFactory, type Services } from './context';
import { clientErrorHandler, notFoundHandler } from './http/graphqlErrorResponse';
import { type GraphQLLimits, graphqlProtection } from './http/graphqlLimits';
import { bodyOnlyAt } from './http/bodylessRoutes';
import { requestGate } from './http/requestGate';
import { operationsRouter, Readiness } from './observability/health';
import type { Metrics } from './observability/metrics';
import { requestIdMiddleware, requestLoggingPlugin } from './observability/requestLogging';
import { continueTrace, operationSpansPlugin, serverSpans, traceContextOf } from './observability/tracing/requestSpans';
import { isTracingOn } from './observability/tracing/spans';
import type { Logger } from './logger';
import { resolvers } from './resolvers';

export const typeDefs = gql(fs.readFileSync(path.resolve(__dirname, '..', 'schema.graphql'), 'utf8'));

/** What a request to /graphql may weigh and cost; see README "Security". */
export interface RequestLimits extends GraphQLLimits {
  bodyLimitBytes: number;
  anonymousBodyLimitBytes: number;
  refusedBodyDiscardBytes: number;
  refusedBodyDiscardMs: number;
}

export interface ServerOptions {
  port: number;
  /** Host to bind; all interfaces unless given. */
  host?: string;
  services: Services;
  verifier: TokenVerifier;
  routerSecret: string | undefined;
  limits: RequestLimits;
  metrics: Metrics;
  pingStore: () => Promise<void>;
  /** How long a stop waits for in-flight requests before closing their connections. */
  shutdownTimeoutMs: number;
  /** How long a stop keeps serving with /ready at 503 before it stops accepting. */
  shutdownDrainDelayMs: number;
  /** Serve the admin's connect page at /admin/salesforce (ADMIN_UI). */
  adminUi: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  readiness: Readiness;
  /** Stop accepting, let in-flight requests finish (bounded by shutdownTimeoutMs), close. */
  stop(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const app = express();
  const httpServer = http.createServer(app);
  // Gateways keep connections to subgraphs open; Node's 5 s idle timeout would close them just as a gateway
  // reuses one (ECONNRESET). Outlive the usual client idle timeouts instead.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const readiness = new Readiness();
  const protection = graphqlProtection(options.limits);
  const apollo = new ApolloServer<Context>({
    schema: buildSubgraphSchema({ typeDefs, resolvers }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: options.shutdownTimeoutMs }),
      // No field sets a cache hint and no response is cached: the default cache-control plugin would only cost a
      // hook on every field of every response (measured: the largest of Apollo's own costs on a warm page).
      ApolloServerPluginCacheControlDisabled(),
      requireAuthenticationPlugin(),
      requestLoggingPlugin(),
      // Tracing off, no hook per request for a span nobody records.
      ...(isTracingOn() ? [operationSpansPlugin()] : []),
      ...(protection.plugins as ApolloServerPlugin<Context>[]),
    ],
    parseOptions: protection.parseOptions,
    validationRules: protection.validationRules,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    logger: options.services.logger,
    formatError: (formatted, error) => maskInternalError(formatted, error, options.services.logger),
    // index.ts owns SIGTERM/SIGINT: Apollo's own handler would stop the server, then re-raise the signal and
    // end the process with 143 instead of a clean exit after the drain.
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  const context = createContextFactory(options);
  app.disable('x-powered-by');
  app.use(
    bodyOnlyAt('/graphql', { maxBytes: options.limits.refusedBodyDiscardBytes, maxMs: options.limits.refusedBodyDiscardMs }, options.services.logger),
  );
  app.use(operationsRouter({ readiness, pingStore: options.pingStore, metrics: options.metrics }));
  app.use(
    '/graphql',
    serverSpans('/graphql'),
    requestIdMiddleware(),
    requestGate({ verifier: options.verifier, routerSecret: options.routerSecret, logger: options.services.logger, ...options.limits }),
    continueTrace(),
    expressMiddleware(apollo, {
      context: ({ res }) => context({ authentication: res.locals.authentication as Authentication, requestId: requestIdOf(res), traceContext: traceContextOf(res) }),
    }),
  );
  if (options.adminUi === true) app.use(adminPageRouter());
  app.use(notFoundHandler());
  app.use(clientErrorHandler((error) => options.services.logger.error({ err: error }, 'Unexpected error while serving HTTP')));

  await listen(httpServer, options.port, options.host).catch(async (error: unknown) => {
    await apollo.stop();
    throw error;
  });
  readiness.markReady();
  const { port } = httpServer.address() as AddressInfo;
  const shownHost = options.host === undefined || options.host === '0.0.0.0' ? 'localhost' : options.host;
  return {
    url: `http://${shownHost}:${port}/graphql`,
    port,
    readiness,
    async stop() {
      readiness.markDraining();
      if (options.shutdownDrainDelayMs > 0) await sleep(options.shutdownDrainDelayMs);
      await apollo.stop();
    },
  };
}

/** Resolves once listening; rejects (EADDRINUSE, EACCES) instead of leaving the error unhandled. */
function listen(httpServer: http.Server, port: number, host: string | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
}

/**
 * Errors we did not raise on purpose (a store failure, a bug) can carry connection strings or internals: the
 * caller gets a generic message, the log gets the original.
 */
function maskInternalError(formatted: GraphQLFormattedError, error: unknown, logger: Logger): GraphQLFormattedError {
  if (formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR') return formatted;
  const cause = unwrapResolverError(error);
  if (cause instanceof StoreUnavailableError) {
    logger.warn({ err: cause.message, path: formatted.path }, 'The connection store could not be reached');
    const { message, extensions } = storeUnavailable();
    return { ...formatted, message, extensions };
  }
  logger.error({ err: unwrapResolverError(error), path: formatted.path }, 'Internal error while serving GraphQL');
  return { ...formatted, message: 'Internal server error' };
}

function requestIdOf(res: Response): string {
  return String(res.locals.requestId);
}
