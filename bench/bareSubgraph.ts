/**
 * The throughput and latency baseline: this project's schema served the way src/server.ts serves it (Express,
 * express.json, Apollo Server's express integration), but with no auth, no store and no Salesforce — every
 * `Person.salesforceContact` is the same constant contact.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { typeDefs } from '../src/server';

const CONSTANT_CONTACT = {
  id: '003000000000001AAA',
  email: 'constant.contact@example.com',
  firstName: 'Constant',
  lastName: 'Contact',
  name: 'Constant Contact',
  title: 'Engineer',
  phone: '+1 555 0000',
  mobilePhone: null,
  department: 'Sales',
  accountId: '001000000000001AAA',
  accountName: 'Account 1',
  account: { id: '001000000000001AAA', name: 'Account 1' },
  owner: null,
  lastModifiedAt: '2024-05-01T10:00:00.000Z',
  recordUrl: 'https://example.lightning.force.com/lightning/r/Contact/003000000000001AAA/view',
  customFields: [],
};

export interface RunningBareSubgraph {
  url: string;
  stop(): Promise<void>;
}

export async function startBareSubgraph(): Promise<RunningBareSubgraph> {
  const app = express();
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs,
      resolvers: {
        Person: {
          __resolveReference: (reference: { id: string; email?: string | null }) => reference,
          salesforceContact: () => CONSTANT_CONTACT,
          salesforceContacts: () => [CONSTANT_CONTACT],
        },
        Query: { salesforceConnection: () => null },
      },
    }),
    // Apollo's defaults as src/server.ts sets them: the baseline must not pay for what the product turned off.
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginCacheControlDisabled()],
    includeStacktraceInErrorResponses: false,
    // Like the real server's pino logger at LOG_LEVEL=warn: info and debug dropped.
    logger: { debug: () => undefined, info: () => undefined, warn: (...args: unknown[]) => console.warn(...args), error: (...args: unknown[]) => console.error(...args) },
  });
  await apollo.start();
  app.disable('x-powered-by');
  app.use('/graphql', express.json({ limit: '5mb' }), expressMiddleware(apollo));
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/graphql`, stop: () => apollo.stop() };
}
