/**
 * What one GraphQL document may cost to parse, validate and execute, whoever sends it: a token cap that stops the
 * parser early, one operation per document, and depth, alias, directive and cost limits from graphql-armor (which
 * also hides "Did you mean …" suggestions, so nobody maps the schema by typos). The defaults are far above what
 * the Genfin gateway sends (its `_entities` query is a few dozen tokens, depth 4, no aliases).
 *
 * Depth is the nesting of fields (fragments add none), and introspection is measured like any other selection
 * (graphql-armor skips `__schema` by default): `ofType { ofType { … } }` nests as deep as one likes. A document
 * that asks for `__schema` or `__type` (only when introspection is on: development) gets at least the allowance
 * the standard introspection query needs; see INTROSPECTION_MAX_DEPTH.
 */
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import { BREAK, type DocumentNode, GraphQLError, Kind, type ValidationRule, visit, visitInParallel } from 'graphql';

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

/**
 * The standard introspection query (graphql-js `getIntrospectionQuery()`, which GraphiQL, Apollo Sandbox and code
 * generators send) is 15 fields deep (its `ofType` chain) and costs ~15,600 by graphql-armor's estimate; one more
 * level of `ofType`, as some tools ask, makes it 16 and ~23,400. A document that asks for introspection may go that
 * far even when GRAPHQL_MAX_DEPTH or GRAPHQL_MAX_COST are lower (12 and 10,000 by default), and no further: a
 * `__schema` query 19 deep is refused. Lists nested in introspection (`fields { type { fields … } }`), the costly
 * kind, are held to 3 levels by graphql-js itself (MaxIntrospectionDepthRule).
 */
export const INTROSPECTION_MAX_DEPTH = 16;
export const INTROSPECTION_MAX_COST = 25_000;

/** Every graphql-armor protection off, to turn on one by one. */
const ALL_OFF = {
  maxDepth: { enabled: false },
  costLimit: { enabled: false },
  maxAliases: { enabled: false },
  maxDirectives: { enabled: false },
  blockFieldSuggestion: { enabled: false },
  // graphql-js stops at the token limit while lexing (parseOptions below): no second, slower parse.
  maxTokens: { enabled: false },
} as const;

export function graphqlProtection(limits: GraphQLLimits): GraphQLProtection {
  const armor = new ApolloArmor({
    ...ALL_OFF,
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: 50 },
    blockFieldSuggestion: { enabled: true },
  });
  const { plugins, validationRules } = armor.protect();
  const ordinary = depthAndCostRule(limits.maxDepth, limits.maxCost);
  const introspection = depthAndCostRule(Math.max(limits.maxDepth, INTROSPECTION_MAX_DEPTH), Math.max(limits.maxCost, INTROSPECTION_MAX_COST));
  // The allowance covers the whole document, ordinary fields beside `__schema` too: the schema's own types have no
  // cycles, so its ordinary selections cannot nest that deep anyway.
  const depthAndCost: ValidationRule = (context) => (asksForIntrospection(context.getDocument()) ? introspection : ordinary)(context);
  return { parseOptions: { maxTokens: limits.maxTokens }, plugins, validationRules: [singleOperationRule, depthAndCost, ...validationRules] };
}

/** graphql-armor's depth and cost rules, counting introspection and not counting fragments as levels. */
function depthAndCostRule(maxDepth: number, maxCost: number): ValidationRule {
  const { validationRules } = new ApolloArmor({
    ...ALL_OFF,
    maxDepth: { n: maxDepth, ignoreIntrospection: false, flattenFragments: true },
    costLimit: { maxCost, ignoreIntrospection: false, flattenFragments: true },
  }).protect();
  return (context) => visitInParallel(validationRules.map((rule) => rule(context)));
}

/** Whether the document selects `__schema` or `__type` anywhere (in a fragment too). */
export function asksForIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value !== '__schema' && node.name.value !== '__type') return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}
