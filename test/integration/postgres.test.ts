/**
 * The same subgraph on PostgreSQL (DATABASE_URL): a connection saved by one process is served by the next, and
 * the row holds no plaintext secret.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { postGraphQL } from '../../demo/gateway';
import { adminToken, memberToken } from '../support/jwt';
import { createScratchDatabase } from '../support/postgres';
import { SalesforceEmulator } from '../../demo/salesforceEmulator';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph';

const CONSUMER_KEY = 'pg-consumer-key-0001';
const CONSUMER_SECRET = 'pg-consumer-secret-do-not-leak';

describe('with DATABASE_URL=postgres://…', () => {
  const tenantId = `pg-${randomBytes(6).toString('hex')}`;
  let emulator: SalesforceEmulator;
  let subgraph: TestSubgraph | undefined;
  let database: { url: string; drop(): Promise<void> };
  let DATABASE_URL = '';

  beforeAll(async () => {
    // A database of its own: the shared one may hold rows sealed by another run's key, which a start refuses.
    database = await createScratchDatabase('pgsubgraph');
    DATABASE_URL = database.url;
    emulator = await SalesforceEmulator.start({
      apps: [{ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET }],
      contacts: [{ Id: '003000000000001AAA', Email: 'ada@example.com', LastName: 'Lovelace' }],
    });
  });

  afterAll(async () => {
    await subgraph?.stop();
    await emulator.close();
    await database?.drop();
  });

  it('connects, survives a restart and looks up contacts', async () => {
    subgraph = await startTestSubgraph({ env: { DATABASE_URL } });
    const connected = await postGraphQL<{ connectSalesforce: { userErrors: unknown[] } }>(
      subgraph.url,
      `mutation($input: ConnectSalesforceInput!) { connectSalesforce(input: $input) { userErrors { code message } } }`,
      { token: await adminToken(tenantId), variables: { input: { consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, instanceUrl: emulator.url } } },
    );
    expect(connected.data?.connectSalesforce.userErrors).toEqual([]);
    await subgraph.stop();

    subgraph = await startTestSubgraph({ env: { DATABASE_URL } });
    const looked = await postGraphQL<{ _entities: Array<{ salesforceContact: { id: string; lastName: string } | null }> }>(
      subgraph.url,
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Person { salesforceContact { id lastName } } } }`,
      { token: await memberToken(tenantId), variables: { reps: [{ __typename: 'Person', id: 'p1', email: 'ADA@example.com' }] } },
    );
    expect(looked.errors).toBeUndefined();
    expect(looked.data?._entities[0]?.salesforceContact).toEqual({ id: '003000000000001AAA', lastName: 'Lovelace' });
  });

  it('stores no plaintext credentials in the row', async () => {
    const client = new Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT * FROM salesforce_connections WHERE tenant_id = $1', [tenantId]);
      expect(rows).toHaveLength(1);
      const text = JSON.stringify(rows);
      expect(text).not.toContain(CONSUMER_SECRET);
      expect(text).not.toContain(CONSUMER_KEY);
    } finally {
      await client.end();
    }
  });
});
