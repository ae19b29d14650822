/**
 * Depth, alias and cost limits hold for introspection too (issue 17): graphql-armor skips `__schema` by default,
 * so `ofType { ofType { … } }` could nest as deep as one liked while introspection is on (development). The
 * standard introspection query is deeper and costlier than the defaults allow ordinary queries, so a document
 * that asks for introspection gets the allowance it needs (INTROSPECTION_MAX_DEPTH, INTROSPECTION_MAX_COST), no
 * more; the gateway's `_service { sdl }` query stays far below every limit.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { type GraphQLError, getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import { postGraphQL } from '../../demo/gateway';
import { asksForIntrospection, type GraphQLLimits, graphqlProtection, INTROSPECTION_MAX_COST, INTROSPECTION_MAX_DEPTH } from '../../src/http/graphqlLimits';
import { resolvers } from '../../src/resolvers';
import { typeDefs } from '../../src/server';
import { memberToken } from '../support/jwt';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph';

/** The defaults (config.ts). */
const DEFAULTS: GraphQLLimits = { maxTokens: 5_000, maxDepth: 12, maxAliases: 30, maxCost: 10_000 };

const schema = buildSubgraphSchema({ typeDefs, resolvers });

function refusals(query: string, limits: GraphQLLimits = DEFAULTS): string[] {
  const { validationRules } = graphqlProtection(limits);
  return validate(schema, parse(query, { maxTokens: limits.maxTokens }), [...specifiedRules, ...validationRules]).map((error: GraphQLError) => error.message);
}

/** `{ __schema { types { ofType { … name } } } }`, `depth` fields deep. */
function nestedSchemaQuery(depth: number): string {
  return `{ __schema { types { ${'ofType { '.repeat(depth - 3)}name${' }'.repeat(depth - 3)} } } }`;
}

/** graphql-js's introspection query with every option a tool may turn on. */
const FULL_INTROSPECTION = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true });

describe('limits on introspection', () => {
  it('lets the standard introspection query through with the default limits, though it is 15 deep and costs ~15,600', () => {
    expect(refusals(getIntrospectionQuery())).toEqual([]);
    expect(refusals(FULL_INTROSPECTION)).toEqual([]);
    // Whatever GRAPHQL_MAX_DEPTH and GRAPHQL_MAX_COST say (2 and 10 at the lowest).
    expect(refusals(FULL_INTROSPECTION, { ...DEFAULTS, maxDepth: 2, maxCost: 10 })).toEqual([]);
  });

  it('refuses a __schema query 19 deep, and one just past the allowance', () => {
    expect(refusals(nestedSchemaQuery(19))).toEqual([expect.stringMatching(/depth limit of 16 exceeded, found 19/)]);
    expect(refusals(nestedSchemaQuery(INTROSPECTION_MAX_DEPTH))).toEqual([]);
    expect(refusals(nestedSchemaQuery(INTROSPECTION_MAX_DEPTH + 1))).toEqual([expect.stringMatching(/depth limit/)]);
  });

  it('holds __type to the same allowance', () => {
    const nestedType = `{ __type(name: "Query") { ${'ofType { '.repeat(17)}name${' }'.repeat(17)} } }`;
    expect(refusals(nestedType)).toEqual([expect.stringMatching(/depth limit of 16 exceeded, found 19/)]);
  });

  it('counts introspection against the cost allowance', () => {
    // Twice the standard query's heaviest part, within the depth allowance: ~31,000 > 25,000.
    const fullType = FULL_INTROSPECTION.slice(FULL_INTROSPECTION.indexOf('fragment FullType'));
    const twice = `query { __schema { a: types { ...FullType } b: types { ...FullType } } }\n${fullType}`;
    expect(refusals(twice)).toEqual([expect.stringMatching(new RegExp(`Cost limit of ${INTROSPECTION_MAX_COST} exceeded`))]);
  });

  it('counts aliases in introspection', () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: types { name }`).join(' ');
    expect(refusals(`{ __schema { ${aliases} } }`)).toEqual([expect.stringMatching(/aliases/i)]);
  });

  it('gives an ordinary query no allowance: GRAPHQL_MAX_DEPTH holds for it, fragments adding no depth', () => {
    const entities = '{ _entities(representations: []) { ... on Person { salesforceContact { account { id } } } } }';
    expect(refusals(entities, { ...DEFAULTS, maxDepth: 4 })).toEqual([]);
    expect(refusals(entities, { ...DEFAULTS, maxDepth: 3 })).toEqual([expect.stringMatching(/depth limit of 3 exceeded, found 4/)]);
    expect(asksForIntrospection(parse(entities))).toBe(false);
    expect(asksForIntrospection(parse('query { ...F } fragment F on Query { __type(name: "Person") { name } }'))).toBe(true);
  });

  it("lets the gateway's and the router's SDL query through at the lowest limits config allows", () => {
    const lowest: GraphQLLimits = { maxTokens: 100, maxDepth: 2, maxAliases: 0, maxCost: 10 };
    expect(refusals('query __ApolloGetServiceDefinition__ { _service { sdl } }', lowest)).toEqual([]);
    expect(refusals('query SubgraphIntrospectQuery { _service { sdl } }', lowest)).toEqual([]);
  });
});

describe('introspection through a subgraph in development mode (introspection on)', () => {
  let subgraph: TestSubgraph;
  let token: string;

  beforeAll(async () => {
    subgraph = await startTestSubgraph();
    token = await memberToken('acme');
  });
  afterAll(() => subgraph.stop());

  it('refuses a __schema query nested 19 deep with the depth error', async () => {
    const answer = await postGraphQL(subgraph.url, nestedSchemaQuery(19), { token });
    expect(answer.status).toBe(400);
    expect(answer.data).toBeUndefined();
    expect(answer.errors?.[0]?.message).toMatch(/depth limit of 16 exceeded, found 19/);
  });

  it("answers graphql-js's standard introspection query with the default limits", async () => {
    for (const query of [getIntrospectionQuery(), FULL_INTROSPECTION]) {
      const answer = await postGraphQL<{ __schema: { types: Array<{ name: string }> } }>(subgraph.url, query, { token });
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.__schema.types.map((type) => type.name)).toContain('SalesforceContact');
    }
  });
});
