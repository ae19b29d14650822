/**
 * A real Apollo Gateway in front of HTTP subgraphs, composed with @apollo/composition as a supergraph build
 * would be. The gateway forwards the caller's Authorization header to every subgraph, and its W3C trace context
 * (`traceparent`, `tracestate`) as a router propagating trace context does. Used by the demo, the tests and the
 * bench; whoever starts it owns the process's signals (it installs no handler of its own).
 */
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { Fetcher } from '@apollo/utils.fetcher';
import type { DocumentNode } from 'graphql';

export interface SubgraphDefinition {
  name: string;
  url: string;
  typeDefs: DocumentNode;
}

interface GatewayContext {
  authorization?: string;
  traceparent?: string;
  tracestate?: string;
}

export interface RunningGateway {
  url: string;
  /** POST a GraphQL operation to the gateway, as a client would. */
  query<T = unknown>(query: string, options?: { token?: string; variables?: Record<string, unknown>; headers?: Record<string, string> }): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

export interface GatewayOptions {
  /** Sent as `router-authorization` to every subgraph. */
  routerSecret?: string;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
}

export async function startGateway(subgraphs: SubgraphDefinition[], options: GatewayOptions = {}): Promise<RunningGateway> {
  const composed = composeServices(subgraphs.map(({ name, url, typeDefs }) => ({ name, url, typeDefs })));
  if (composed.errors !== undefined) {
    throw new Error(`Composition failed:\n${composed.errors.map((e) => e.message).join('\n')}`);
  }
  const gateway = new ApolloGateway({
    supergraphSdl: composed.supergraphSdl,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<GatewayContext>({
        url,
        // Node's fetch (undici) honours the subgraph's Keep-Alive timeout hint, so it never reuses a connection
        // the server is closing (the gateway's default agent can, and then gets ECONNRESET under load).
        fetcher: fetch as unknown as Fetcher,
        willSendRequest({ request, context }) {
          if (context.authorization !== undefined) request.http?.headers.set('authorization', context.authorization);
          if (context.traceparent !== undefined) request.http?.headers.set('traceparent', context.traceparent);
          if (context.tracestate !== undefined) request.http?.headers.set('tracestate', context.tracestate);
          if (options.routerSecret !== undefined) request.http?.headers.set('router-authorization', options.routerSecret);
        },
      }),
  });
  const server = new ApolloServer<GatewayContext>({ gateway, stopOnTerminationSignals: false });
  const { url } = await startStandaloneServer(server, {
    listen: { port: options.port ?? 0, host: '127.0.0.1' },
    context: async ({ req }) => {
      const { authorization, traceparent, tracestate } = req.headers;
      return {
        ...(authorization !== undefined ? { authorization } : {}),
        ...(typeof traceparent === 'string' ? { traceparent } : {}),
        ...(typeof tracestate === 'string' ? { tracestate } : {}),
      };
    },
  });
  return {
    url,
    query: (query, queryOptions = {}) => postGraphQL(url, query, queryOptions),
    stop: () => server.stop(),
  };
}

export async function postGraphQL<T>(
  url: string,
  query: string,
  { token, variables, headers = {} }: { token?: string; variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: response.status, ...body };
}
