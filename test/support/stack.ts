/**
 * The whole picture for gateway-level tests: a Salesforce emulator, a people subgraph, this subgraph and a real
 * Apollo Gateway composing the two, with helpers to connect a tenant and to query as a member.
 */
import { typeDefs } from '../../src/server';
import { type GraphQLResponse, type RunningGateway, startGateway } from '../../demo/gateway';
import { CONNECT_MUTATION, type MutationPayload } from '../../demo/operations';
import { adminToken, memberToken } from './jwt';
import { type PersonRecord, peopleTypeDefs, type RunningPeopleSubgraph, startPeopleSubgraph } from '../../demo/peopleSubgraph';
import { type EmulatorOptions, SalesforceEmulator } from '../../demo/salesforceEmulator';
import { startTestSubgraph, type TestSubgraph } from './subgraph';

export const STACK_CONSUMER_KEY = '3MVG9stackConsumerKey0001';
export const STACK_CONSUMER_SECRET = 'stack-consumer-secret-not-for-logs';

export interface Stack {
  emulator: SalesforceEmulator;
  people: RunningPeopleSubgraph;
  subgraph: TestSubgraph;
  gateway: RunningGateway;
  /** connectSalesforce as the tenant's admin, with the stack's app unless overridden. */
  connect(tenantId: string, overrides?: Record<string, unknown>): Promise<GraphQLResponse<{ connectSalesforce: MutationPayload }>>;
  asAdmin<T>(tenantId: string, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  asMember<T>(tenantId: string, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export { CONNECT_MUTATION, type MutationPayload };

export async function startStack(options: { emulator?: EmulatorOptions; people?: PersonRecord[]; env?: Record<string, string> } = {}): Promise<Stack> {
  const emulator = await SalesforceEmulator.start({
    apps: [{ consumerKey: STACK_CONSUMER_KEY, consumerSecret: STACK_CONSUMER_SECRET }],
    ...options.emulator,
  });
  const people = await startPeopleSubgraph(options.people ?? []);
  const subgraph = await startTestSubgraph(options.env ? { env: options.env } : {});
  const gateway = await startGateway([
    { name: 'people', url: people.url, typeDefs: peopleTypeDefs },
    { name: 'salesforce', url: subgraph.url, typeDefs },
  ]);
  const asAdmin = async <T>(tenantId: string, query: string, variables?: Record<string, unknown>) =>
    gateway.query<T>(query, { token: await adminToken(tenantId), ...(variables ? { variables } : {}) });
  const asMember = async <T>(tenantId: string, query: string, variables?: Record<string, unknown>) =>
    gateway.query<T>(query, { token: await memberToken(tenantId), ...(variables ? { variables } : {}) });
  return {
    emulator,
    people,
    subgraph,
    gateway,
    asAdmin,
    asMember,
    connect: (tenantId, overrides = {}) =>
      asAdmin(tenantId, CONNECT_MUTATION, {
        input: { consumerKey: STACK_CONSUMER_KEY, consumerSecret: STACK_CONSUMER_SECRET, instanceUrl: emulator.url, ...overrides },
      }),
    async stop() {
      await gateway.stop();
      await subgraph.stop();
      await people.stop();
      await emulator.close();
    },
  };
}
