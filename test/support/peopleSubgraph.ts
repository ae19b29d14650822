/**
 * A small stand-in for the Genfin subgraph that owns Person: people with ids and emails, served over HTTP.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import gql from 'graphql-tag';

export interface PersonRecord {
  id: string;
  email: string | null;
  displayName: string;
}

export const peopleTypeDefs = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Person @key(fields: "id") {
    id: ID!
    email: String
    displayName: String!
  }

  type Query {
    people: [Person!]!
    person(id: ID!): Person
  }
`;

export interface RunningPeopleSubgraph {
  url: string;
  setPeople(people: PersonRecord[]): void;
  stop(): Promise<void>;
}

export async function startPeopleSubgraph(initial: PersonRecord[] = []): Promise<RunningPeopleSubgraph> {
  let people = initial;
  const server = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: peopleTypeDefs,
      resolvers: {
        Query: {
          people: () => people,
          person: (_: unknown, { id }: { id: string }) => people.find((p) => p.id === id) ?? null,
        },
        Person: {
          __resolveReference: ({ id }: { id: string }) => people.find((p) => p.id === id) ?? null,
        },
      },
    }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return {
    url,
    setPeople(next) {
      people = next;
    },
    stop: () => server.stop(),
  };
}
