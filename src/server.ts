/**
 * The HTTP side: Express with Apollo Server on /graphql, serving the subgraph schema built from schema.graphql.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import express from 'express';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import gql from 'graphql-tag';
import { requireAuthenticationPlugin } from './auth/requireAuth';
import type { TokenVerifier } from './auth/viewer';
import { type Context, createContextFactory, type Services } from './context';
import { resolvers } from './resolvers';

export const typeDefs = gql(fs.readFileSync(path.resolve(__dirname, '..', 'schema.graphql'), 'utf8'));

export interface ServerOptions {
  port: number;
  /** Host to bind; all interfaces unless given. */
  host?: string;
  services: Services;
  verifier: TokenVerifier;
  routerSecret: string | undefined;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stop accepting, let in-flight requests finish, close. */
  stop(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const app = express();
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<Context>({
    schema: buildSubgraphSchema({ typeDefs, resolvers }),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), requireAuthenticationPlugin()],
    includeStacktraceInErrorResponses: false,
    logger: options.services.logger,
  });
  await apollo.start();

  const context = createContextFactory(options);
  app.disable('x-powered-by');
  app.use('/graphql', express.json({ limit: '5mb' }), expressMiddleware(apollo, { context: ({ req }) => context({ headers: req.headers }) }));

  await new Promise<void>((resolve) => httpServer.listen(options.port, options.host, resolve));
  const { port } = httpServer.address() as AddressInfo;
  const shownHost = options.host === undefined || options.host === '0.0.0.0' ? 'localhost' : options.host;
  return {
    url: `http://${shownHost}:${port}/graphql`,
    port,
    stop: () => apollo.stop(),
  };
}
