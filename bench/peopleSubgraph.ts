/**
 * The benchmark's stand-in for the subgraph that owns Person: every person is computed from its id
 * (`<set>~<index>`, see fixtures.ts), so concurrent queries can each ask for their own people and 1e5 distinct
 * people cost no memory here.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import gql from 'graphql-tag';
import { displayedEmailFor, parsePersonId } from './fixtures';

export const benchPeopleTypeDefs = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Person @key(fields: "id") {
    id: ID!
    email: String
    displayName: String!
  }

  type Query {
    "The people with these ids, in order; null for an id that names nobody."
    peopleByIds(ids: [ID!]!): [Person]!
  }
`;

interface Person {
  id: string;
  email: string;
  displayName: string;
}

function personById(id: string): Person | null {
  const parsed = parsePersonId(id);
  if (parsed === null) return null;
  return { id, email: displayedEmailFor(parsed.set, parsed.index), displayName: `Person ${parsed.index} of ${parsed.set}` };
}

export interface RunningBenchPeople {
  url: string;
  stop(): Promise<void>;
}

export async function startBenchPeopleSubgraph(): Promise<RunningBenchPeople> {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: benchPeopleTypeDefs,
      resolvers: {
        Query: {
          peopleByIds: (_: unknown, { ids }: { ids: string[] }) => ids.map(personById),
        },
        Person: {
          __resolveReference: ({ id }: { id: string }) => personById(id),
        },
      },
    }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}
