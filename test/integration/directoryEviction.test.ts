/**
 * Issue "A connection change must leave nothing behind", point 4: a tenant pushed out of a replica's connection
 * directory (more tenants active than MAX_ACTIVE_TENANTS) misses the notification of a reconnect made
 * on another replica. What that replica kept of the old connection (here its API usage reading) must not act on
 * the new one when the tenant comes back.
 *
 * Two subgraphs on one PostgreSQL database; replica R1 keeps one tenant in its directory. Requests go straight to
 * the subgraphs as the gateway would send them (`_entities`).
 */
import { postGraphQL } from '../../demo/gateway';
import { CONNECT_MUTATION } from '../../demo/operations';
import { SalesforceEmulator } from '../../demo/salesforceEmulator';
import { adminToken, memberToken } from '../support/jwt';
import { createScratchDatabase } from '../support/postgres';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph';

const EMAIL = 'ada@eviction.example';
const ORG_A_APP = { consumerKey: 'eviction-org-a-consumer-key', consumerSecret: 'eviction-org-a-consumer-secret' };
const ORG_B_APP = { consumerKey: 'eviction-org-b-consumer-key', consumerSecret: 'eviction-org-b-consumer-secret' };
const ENTITIES = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Person { salesforceContact { id } } } }`;

interface EntitiesData {
  _entities: Array<{ salesforceContact: { id: string } | null }>;
}

describe('a tenant pushed out of a replica’s directory', () => {
  let database: { url: string; drop(): Promise<void> };
  let orgA: SalesforceEmulator;
  let orgB: SalesforceEmulator;
  let r1: TestSubgraph;
  let r2: TestSubgraph;

  beforeAll(async () => {
    database = await createScratchDatabase('eviction');
    orgA = await SalesforceEmulator.start({ apps: [ORG_A_APP], contacts: [{ Id: '003A00000000001AAA', Email: EMAIL, LastName: 'Ada-in-A' }] });
    orgB = await SalesforceEmulator.start({ apps: [ORG_B_APP], contacts: [{ Id: '003B00000000001AAA', Email: EMAIL, LastName: 'Ada-in-B' }] });
    const env = { DATABASE_URL: database.url, CONTACT_CACHE_TTL_MS: '0' };
    r1 = await startTestSubgraph({ env: { ...env, MAX_ACTIVE_TENANTS: '1' } });
    r2 = await startTestSubgraph({ env });
  });

  afterAll(async () => {
    await r1?.stop();
    await r2?.stop();
    await orgA?.close();
    await orgB?.close();
    await database?.drop();
  });

  async function connect(replica: TestSubgraph, tenantId: string, org: SalesforceEmulator, app: typeof ORG_A_APP): Promise<void> {
    const response = await postGraphQL<{ connectSalesforce: { userErrors: unknown[] } }>(replica.url, CONNECT_MUTATION, {
      token: await adminToken(tenantId),
      variables: { input: { ...app, instanceUrl: org.url } },
    });
    expect(response.data?.connectSalesforce.userErrors).toEqual([]);
  }

  async function lookUp(replica: TestSubgraph, tenantId: string): Promise<{ id: string | null; codes: unknown[] }> {
    const response = await postGraphQL<EntitiesData>(replica.url, ENTITIES, {
      token: await memberToken(tenantId),
      variables: { reps: [{ __typename: 'Person', id: 'p-ada', email: EMAIL }] },
    });
    return { id: response.data?._entities[0]?.salesforceContact?.id ?? null, codes: (response.errors ?? []).map((e) => e.extensions?.code) };
  }

  it("does not pause the new org for the old org's API usage", async () => {
    await connect(r2, 'evicted', orgA, ORG_A_APP);
    await connect(r2, 'other', orgA, ORG_A_APP);

    // On R1, the tenant's org A is over Genfin's budget (90% by default): its lookups are paused there.
    orgA.setApiUsage(95_000);
    expect(await lookUp(r1, 'evicted')).toEqual({ id: '003A00000000001AAA', codes: [] });
    orgA.setApiUsage(0);
    expect((await lookUp(r1, 'evicted')).codes).toEqual(['SALESFORCE_RATE_LIMITED']);

    // Another tenant's request pushes it out of R1's directory (it holds one), then it reconnects to org B on R2.
    expect(await lookUp(r1, 'other')).toEqual({ id: '003A00000000001AAA', codes: [] });
    await connect(r2, 'evicted', orgB, ORG_B_APP);

    orgB.resetCounters();
    expect(await lookUp(r1, 'evicted')).toEqual({ id: '003B00000000001AAA', codes: [] });
    expect(orgB.counters.query).toBe(1);
  });
});
