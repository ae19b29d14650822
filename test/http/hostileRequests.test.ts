/**
 * What a caller who reaches the port may make this subgraph do (issue 11): refused before its body is read when
 * it is not the router or has no valid token, bounded when it is, and answered in GraphQL's JSON shape with the
 * right status in every case — never an HTML page, a stack or a file path.
 */
import { SignJWT } from 'jose';
import { postGraphQL } from '../../demo/gateway';
import { memberToken, signTestToken, TEST_JWT_SECRET } from '../support/jwt';
import { type Stack, startStack } from '../support/stack';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph';

const ROUTER_SECRET = 'router-secret-for-hostile-tests';

interface RawAnswer {
  status: number;
  contentType: string | null;
  text: string;
}

async function raw(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

/** GraphQL's error shape, with only a message and a code: no stack, no path on disk, no HTML. */
function expectGraphQLRefusal(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.contentType).toMatch(/^application\/json/);
  const body = JSON.parse(answer.text) as { errors: Array<{ message: string; extensions: { code: string } }> };
  expect(body.errors[0]?.extensions.code).toBe(code);
  expect(answer.text).not.toMatch(/<html|<pre|\bat \w+ \(|\/work\/|node_modules|\.ts:\d+/i);
}

/** A body no JSON parser accepts: answering 401 to it (not 400) shows the refusal came before parsing. */
const UNPARSABLE_5MB = Buffer.alloc(5 * 1024 * 1024, '{');

describe('requests refused before their body is read', () => {
  let subgraph: TestSubgraph;

  beforeAll(async () => {
    subgraph = await startTestSubgraph({ env: { ROUTER_SECRET } });
  });
  afterAll(() => subgraph.stop());

  it('refuses a 5 MB body without the router secret with 401, unread', async () => {
    expectGraphQLRefusal(await raw(subgraph.url, UNPARSABLE_5MB), 401, 'UNAUTHENTICATED');
  });

  it('refuses a bearer token that does not verify with 401, unread', async () => {
    const forged = await signTestToken({ tenantId: 'acme', secret: 'another-secret-that-is-long-enough-0123456789' });
    const answer = await raw(subgraph.url, UNPARSABLE_5MB, { 'router-authorization': ROUTER_SECRET, authorization: `Bearer ${forged}` });
    expectGraphQLRefusal(answer, 401, 'UNAUTHENTICATED');
    expect(answer.text).toMatch(/signature/);
  });

  it('lets the router ask for _service without a token, but only with a small body', async () => {
    const sdl = await raw(subgraph.url, JSON.stringify({ query: '{ _service { sdl } }' }), { 'router-authorization': ROUTER_SECRET });
    expect(sdl.status).toBe(200);
    expect(JSON.parse(sdl.text).data._service.sdl).toContain('salesforceContact');
    const padded = JSON.stringify({ query: `{ _service { sdl } } # ${'x'.repeat(20_000)}` });
    // Too large for `_service`: what it lacks is a token (issue 17), so 401 rather than 413.
    expectGraphQLRefusal(await raw(subgraph.url, padded, { 'router-authorization': ROUTER_SECRET }), 401, 'UNAUTHENTICATED');
    const anythingElse = await raw(subgraph.url, JSON.stringify({ query: '{ salesforceConnection { status } }' }), { 'router-authorization': ROUTER_SECRET });
    expectGraphQLRefusal(anythingElse, 401, 'UNAUTHENTICATED');
  });

  it('keeps /health answering while hostile bodies arrive', async () => {
    const hostile = Array.from({ length: 8 }, () => raw(subgraph.url, UNPARSABLE_5MB).catch(() => null));
    const health = await fetch(subgraph.url.replace('/graphql', '/health'));
    expect(health.status).toBe(200);
    await Promise.all(hostile);
  });
});

describe('what an authenticated caller may send', () => {
  let subgraph: TestSubgraph;
  let headers: Record<string, string>;

  beforeAll(async () => {
    subgraph = await startTestSubgraph({ env: { GRAPHQL_BODY_LIMIT_BYTES: String(256 * 1024), GRAPHQL_MAX_DEPTH: '3' } });
    headers = { authorization: `Bearer ${await memberToken('acme')}` };
  });
  afterAll(() => subgraph.stop());

  it('answers malformed JSON with 400 in GraphQL shape', async () => {
    expectGraphQLRefusal(await raw(subgraph.url, '{"query": "{ salesforceConnection { status } }"', headers), 400, 'BAD_REQUEST');
  });

  it('answers a body that does not decompress with 400, logging no error', async () => {
    const answer = await raw(subgraph.url, Buffer.from('not gzip at all'), { ...headers, 'content-encoding': 'gzip' });
    expectGraphQLRefusal(answer, 400, 'BAD_REQUEST');
    expect(subgraph.logs()).not.toContain('Unexpected error while serving HTTP');
  });

  it('answers a body over the limit with 413 in GraphQL shape', async () => {
    expectGraphQLRefusal(await raw(subgraph.url, JSON.stringify({ query: `# ${'x'.repeat(300 * 1024)}\n{ __typename }` }), headers), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers an unknown path with 404 JSON rather than an HTML page', async () => {
    const response = await fetch(subgraph.url.replace('/graphql', '/nothing-here'));
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('stops parsing 5,000 aliased fields at the token limit, cheaply', async () => {
    const aliases = Array.from({ length: 5_000 }, (_, i) => `a${i}: __typename`).join(' ');
    const answer = await raw(subgraph.url, JSON.stringify({ query: `{ ${aliases} }` }), headers);
    expect(answer.status).toBe(400);
    expect(answer.text.length).toBeLessThan(2_000);
    expect(answer.text).toMatch(/more that 5000 tokens/);
  });

  it('refuses too many aliases, too deep a query (GRAPHQL_MAX_DEPTH) and more than one operation per document', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: salesforceConnection { status }`).join(' ');
    const tooManyAliases = await postGraphQL(subgraph.url, `{ ${aliases} }`, { token: await memberToken('acme') });
    expect(tooManyAliases.errors?.[0]?.message).toMatch(/aliases/i);

    // This schema has no cycles, so depth is bounded anyway; GRAPHQL_MAX_DEPTH=3 here shows the limit holds.
    const nested = `{ _entities(representations: []) { ... on Person { salesforceContact { account { id } } } } }`;
    const tooDeep = await postGraphQL(subgraph.url, nested, { token: await memberToken('acme') });
    expect(tooDeep.errors?.[0]?.message).toMatch(/depth/i);

    const two = await raw(subgraph.url, JSON.stringify({ query: 'query A { __typename } query B { __typename }', operationName: 'A' }), headers);
    expect(two.status).toBe(400);
    expect(two.text).toMatch(/one operation/);
  });

  it('gives no "Did you mean" schema suggestions', async () => {
    const answer = await postGraphQL(subgraph.url, '{ salesforceConection { status } }', { token: await memberToken('acme') });
    expect(answer.errors?.[0]?.message).toBeDefined();
    expect(JSON.stringify(answer)).not.toMatch(/Did you mean/);
  });
});

describe('pinned token claims and algorithms', () => {
  let subgraph: TestSubgraph;
  const issuer = 'https://id.genfin.example/';
  const audience = 'salesforce-subgraph';

  const token = (claims: { iss?: string; aud?: string; alg?: 'HS256' | 'HS512' }) => {
    let jwt = new SignJWT({ org_id: 'acme', roles: ['member'] }).setProtectedHeader({ alg: claims.alg ?? 'HS256' }).setSubject('u1').setIssuedAt().setExpirationTime('1h');
    if (claims.iss !== undefined) jwt = jwt.setIssuer(claims.iss);
    if (claims.aud !== undefined) jwt = jwt.setAudience(claims.aud);
    return jwt.sign(new TextEncoder().encode(TEST_JWT_SECRET));
  };

  beforeAll(async () => {
    subgraph = await startTestSubgraph({ env: { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience } });
  });
  afterAll(() => subgraph.stop());

  it.each([
    ['the right issuer and audience', { iss: issuer, aud: audience }, 200],
    ['another audience', { iss: issuer, aud: 'another-service' }, 401],
    ['another issuer', { iss: 'https://evil.example/', aud: audience }, 401],
    ['no audience', { iss: issuer }, 401],
    ['HS512 instead of HS256', { iss: issuer, aud: audience, alg: 'HS512' as const }, 401],
  ])('a token with %s (%j) → %i', async (_what, claims, status) => {
    const answer = await raw(subgraph.url, JSON.stringify({ query: '{ salesforceConnection { status } }' }), { authorization: `Bearer ${await token(claims)}` });
    expect(answer.status).toBe(status);
  });
});

describe('representations and emails a request may ask for', () => {
  let stack: Stack;
  const ENTITIES = 'query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Person { id salesforceContact { id } } } }';

  beforeAll(async () => {
    stack = await startStack({
      emulator: {
        contacts: [
          { Id: '003000000000001AAA', Email: 'kate@acme.com', LastName: 'Kate' },
          ...Array.from({ length: 5 }, (_, i) => ({ Id: `00300000000001${i}AAA`, Email: `p${i}@acme.com`, LastName: `P${i}` })),
        ],
      },
      env: { MAX_ENTITY_REPRESENTATIONS: '4', MAX_EMAILS_PER_REQUEST: '2' },
    });
    const connected = await stack.connect('limits');
    expect(connected.data?.connectSalesforce.userErrors).toEqual([]);
  });
  afterAll(() => stack.stop());

  async function entities(reps: unknown[]) {
    return postGraphQL<{ _entities: Array<{ id: string; salesforceContact: { id: string } | null } | null> }>(stack.subgraph.url, ENTITIES, {
      token: await memberToken('limits'),
      variables: { reps },
    });
  }

  it('resolves the first representations and answers the excess with REPRESENTATION_LIMIT_EXCEEDED', async () => {
    const reps = Array.from({ length: 6 }, (_, i) => ({ __typename: 'Person', id: `x${i}` }));
    const answer = await entities(reps);
    if (answer.data?._entities === undefined) throw new Error(JSON.stringify(answer));
    expect(answer.data?._entities.slice(0, 4).map((e) => e?.id)).toEqual(['x0', 'x1', 'x2', 'x3']);
    expect(answer.data?._entities.slice(4)).toEqual([null, null]);
    expect(answer.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['_entities', 4], 'REPRESENTATION_LIMIT_EXCEEDED'],
      [['_entities', 5], 'REPRESENTATION_LIMIT_EXCEEDED'],
    ]);
  });

  it('looks up the first distinct emails and answers the rest with EMAIL_LIMIT_EXCEEDED; a repeated email is free', async () => {
    stack.emulator.resetCounters();
    const reps = ['p0@acme.com', 'p1@acme.com', 'P0@acme.com', 'p2@acme.com'].map((email, i) => ({ __typename: 'Person', id: `q${i}`, email }));
    const answer = await entities(reps);
    expect(answer.data?._entities.map((e) => e?.salesforceContact?.id ?? null)).toEqual(['003000000000010AAA', '003000000000011AAA', '003000000000010AAA', null]);
    expect(answer.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['_entities', 3, 'salesforceContact'], 'EMAIL_LIMIT_EXCEEDED']]);
    expect(stack.emulator.requests.filter((r) => r.soql !== undefined).map((r) => r.soql?.includes('p2@acme.com'))).toEqual([false]);
  });

  it('treats a non-string email as no email: a null contact, a warning, no stack and no INTERNAL_SERVER_ERROR', async () => {
    const answer = await entities([{ __typename: 'Person', id: 'n1', email: 42 }, { __typename: 'Person', id: 'n2', email: { $ne: null } }]);
    expect(answer.errors).toBeUndefined();
    expect(answer.data?._entities).toEqual([
      { id: 'n1', salesforceContact: null },
      { id: 'n2', salesforceContact: null },
    ]);
    const lines = stack.subgraph.logs().split('\n').filter((line) => line.includes('non-string email'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.includes('"level":40') && !line.includes('stack'))).toBe(true);
  });

  it('does not look up an email that lower-casing would fold onto another address (Kelvin sign)', async () => {
    stack.emulator.resetCounters();
    const answer = await entities([{ __typename: 'Person', id: 'k1', email: '\u212Aate@acme.com' }]);
    expect(answer.data?._entities).toEqual([{ id: 'k1', salesforceContact: null }]);
    expect(stack.emulator.counters.query).toBe(0);
  });
});
