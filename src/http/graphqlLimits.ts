/**
 * What one GraphQL document may cost to parse, validate and execute, whoever sends it: a token cap that stops the
 * parser early, one operation per document, and depth, alias, directive and cost limits from graphql-armor (which
 * also hides "Did you mean …" suggestions, so nobody maps the schema by typos). The defaults are far above what
 * the Genfin gateway sends (its `_entities` query is a few dozen tokens, depth 5, no aliases).
 */
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type ValidationRule } from 'graphql';

export interface GraphQLLimits {
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

export interface GraphQLProtection {
  parseOptions: { maxTokens: number };
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
}

/** A document that holds more than one operation is refused, whichever one is asked for. */
export const singleOperationRule: ValidationRule = (context) => ({
  Document(node) {
    const operations = node.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION).length;
    if (operations > 1) {
      context.reportError(new GraphQLError(`A document may hold one operation, got ${operations}`, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
    }
  },
});

export function graphqlProtection(limits: GraphQLLimits): GraphQLProtection {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: 50 },
    costLimit: { maxCost: limits.maxCost },
    blockFieldSuggestion: { enabled: true },
    // graphql-js stops at the limit while lexing (parseOptions below): no second, slower parse.
    maxTokens: { enabled: false },
  });
  const { plugins, validationRules } = armor.protect();
  return { parseOptions: { maxTokens: limits.maxTokens }, plugins, validationRules: [singleOperationRule, ...validationRules] };
}
