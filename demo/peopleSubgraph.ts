/**
 * A small stand-in for the Genfin subgraph that owns Person: people with ids, names and emails, served over HTTP.
 * Used by the demo, the tests and the bench; whoever starts it owns the process's signals.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import gql from 'graphql-tag';

export interface PersonRecord {
  id: string;
  email: string | null;
  name: string;
}

export const peopleTypeDefs = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Person @key(fields: "id") {
    id: ID!
    name: String!
    email: String
  }

  type Query {
    "The tenant's people, the first \`first\` of them when given."
    people(first: Int): [Person!]!
    person(id: ID!): Person
  }
`;

export interface RunningPeopleSubgraph {
  url: string;
  setPeople(people: PersonRecord[]): void;
  stop(): Promise<void>;
}

export interface PeopleSubgraphOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
}

export async function startPeopleSubgraph(initial: PersonRecord[] = [], options: PeopleSubgraphOptions = {}): Promise<RunningPeopleSubgraph> {
  let people = initial;
  const server = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: peopleTypeDefs,
      resolvers: {
        Query: {
          people: (_: unknown, { first }: { first?: number | null }) => (first === undefined || first === null ? people : people.slice(0, Math.max(0, first))),
          person: (_: unknown, { id }: { id: string }) => people.find((p) => p.id === id) ?? null,
        },
        Person: {
          __resolveReference: ({ id }: { id: string }) => people.find((p) => p.id === id) ?? null,
        },
      },
    }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    stopOnTerminationSignals: false,
  });
  const { url } = await startStandaloneServer(server, { listen: { port: options.port ?? 0, host: '127.0.0.1' } });
  return {
    url,
    setPeople(next) {
      people = next;
    },
    stop: () => server.stop(),
  };
}
