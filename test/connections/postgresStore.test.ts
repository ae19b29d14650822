/**
 * PostgreSQL only: versioned migrations under concurrency, a schema newer than the build, and the change
 * notification every replica listens to.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, type Notification } from 'pg';
import { changeChannel, POSTGRES_SCHEMA_VERSION, PostgresConnectionStore } from '../../src/connections/postgresStore';
import type { ConnectionRecord } from '../../src/connections/types';
import { testDatabaseUrl } from '../support/postgres';
import { connectionRecord } from '../support/records';

const PG_URL = testDatabaseUrl();

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function newRecord(tenantId: string): ConnectionRecord {
  return connectionRecord({ tenantId });
}

describe('PostgresConnectionStore schema and notifications', () => {
  let schema: string;

  beforeEach(() => {
    schema = `test_pgstore_${randomBytes(6).toString('hex')}`;
  });

  afterEach(async () => {
    await withClient((client) => client.query(`DROP SCHEMA IF EXISTS ${quote(schema)} CASCADE`));
  });

  it('three replicas racing on an empty schema all start, and the schema is created once at the latest version', async () => {
    const results = await Promise.allSettled([1, 2, 3].map(() => PostgresConnectionStore.connect(PG_URL, { schema })));
    const stores = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    try {
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const { rows } = await withClient((client) => client.query(`SELECT version FROM ${quote(schema)}.salesforce_schema_version`));
      expect(rows).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
      const triggers = await withClient((client) =>
        client.query(
          `SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = $1 AND c.relname = 'salesforce_connections' AND NOT t.tgisinternal ORDER BY tgname`,
          [schema],
        ),
      );
      // One announces changes, one retires a reconnected connection's shared contact answers.
      expect(triggers.rows).toEqual([{ tgname: 'salesforce_connection_changed' }, { tgname: 'salesforce_connection_credentials_changed' }]);
      const record = newRecord(`tenant-${randomUUID()}`);
      await stores[0]!.upsert(record);
      expect(await stores[2]!.get(record.tenantId)).toEqual(record);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('takes a database from before schema versions as the baseline, keeping its rows', async () => {
    // What this store created before it kept a version: the table with its later columns, no version table.
    await withClient(async (client) => {
      await client.query(`CREATE SCHEMA ${quote(schema)}`);
      await client.query(`CREATE TABLE ${quote(schema)}.salesforce_connections (
        tenant_id text PRIMARY KEY, instance_url text NOT NULL, api_version text NOT NULL, consumer_key_hint text NOT NULL,
        sealed_credentials text NOT NULL, credentials_id text NOT NULL, contact_fields jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('CONNECTED', 'ERROR')), last_error text, connected_at timestamptz NOT NULL,
        last_validated_at timestamptz, updated_at timestamptz NOT NULL,
        org_id text, custom_fields jsonb NOT NULL DEFAULT '[]', unavailable_fields jsonb NOT NULL DEFAULT '[]')`);
      await client.query(`INSERT INTO ${quote(schema)}.salesforce_connections
        (tenant_id, instance_url, api_version, consumer_key_hint, sealed_credentials, credentials_id, contact_fields, status, connected_at, updated_at)
        VALUES ('old', 'https://acme.my.salesforce.com', 'v60.0', '••••1234', 'v1.x.y.z.w', 'cred-1', '["Email"]', 'CONNECTED', now(), now())`);
    });
    const store = await PostgresConnectionStore.connect(PG_URL, { schema });
    try {
      expect(await store.get('old')).toMatchObject({ tenantId: 'old', credentialsId: 'cred-1', contactFields: ['Email'] });
      const { rows } = await withClient((client) => client.query(`SELECT version FROM ${quote(schema)}.salesforce_schema_version`));
      expect(rows).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
    } finally {
      await store.close();
    }
  });

  it('refuses a schema version newer than this build, without touching rows', async () => {
    await (await PostgresConnectionStore.connect(PG_URL, { schema })).close();
    const future = POSTGRES_SCHEMA_VERSION + 7;
    await withClient(async (client) => {
      await client.query(`UPDATE ${quote(schema)}.salesforce_schema_version SET version = $1`, [future]);
      await client.query(`DROP TRIGGER salesforce_connection_changed ON ${quote(schema)}.salesforce_connections`);
    });
    await expect(PostgresConnectionStore.connect(PG_URL, { schema })).rejects.toThrow(
      `database schema version ${future} is newer than this build supports (${POSTGRES_SCHEMA_VERSION}): upgrade this replica`,
    );
    // Nothing was migrated: the dropped trigger is not back, the version stays.
    const { rows } = await withClient((client) =>
      client.query(
        `SELECT (SELECT version FROM ${quote(schema)}.salesforce_schema_version) AS version,
                (SELECT count(*)::int FROM pg_trigger WHERE tgname = 'salesforce_connection_changed' AND tgrelid = $1::regclass) AS triggers`,
        [`${quote(schema)}.salesforce_connections`],
      ),
    );
    expect(rows).toEqual([{ version: future, triggers: 0 }]);
  });

  it('notifies the tenant id on its schema’s channel on insert, update and delete', async () => {
    const store = await PostgresConnectionStore.connect(PG_URL, { schema });
    const other = `test_pgstore_${randomBytes(6).toString('hex')}`;
    const otherStore = await PostgresConnectionStore.connect(PG_URL, { schema: other });
    const listener = new Client({ connectionString: PG_URL });
    await listener.connect();
    try {
      expect(store.channel).toBe(changeChannel(schema));
      expect(store.channel).toBe(`salesforce_connection_changed_${schema}`);
      const heard: Notification[] = [];
      listener.on('notification', (n) => heard.push(n));
      await listener.query(`LISTEN ${quote(changeChannel(schema))}`);
      const waitFor = async (count: number) => {
        for (let i = 0; i < 200 && heard.length < count; i++) await new Promise((r) => setTimeout(r, 10));
      };

      const record = newRecord(`tenant-${randomUUID()}`);
      await store.upsert(record);
      await waitFor(1);
      await store.update(record.tenantId, { status: 'ERROR', lastError: 'x' });
      await waitFor(2);
      await store.replaceSealed(record.tenantId, record.sealedCredentials, 'v1.other.iv.tag.ct');
      await waitFor(3);
      await store.delete(record.tenantId);
      await waitFor(4);
      // Another schema's changes are on another channel.
      await otherStore.upsert(newRecord('elsewhere'));
      await new Promise((r) => setTimeout(r, 100));

      expect(heard.map((n) => [n.channel, n.payload])).toEqual(Array.from({ length: 4 }, () => [changeChannel(schema), record.tenantId]));
    } finally {
      await listener.end();
      await store.close();
      await otherStore.close();
      await withClient((client) => client.query(`DROP SCHEMA IF EXISTS ${quote(other)} CASCADE`));
    }
  });
});

describe('the shared contact tier racing a reconnect (PostgreSQL)', () => {
  const schema = `test_answers_${randomBytes(6).toString('hex')}`;
  let store: PostgresConnectionStore;

  beforeAll(async () => {
    store = await PostgresConnectionStore.connect(PG_URL, { schema });
  });

  afterAll(async () => {
    await store.close();
    await withClient((client) => client.query(`DROP SCHEMA IF EXISTS ${quote(schema)} CASCADE`));
  });

  const answers = (email: string) => new Map([[email, { contacts: [], fetchedAt: new Date() }]]);
  const kept = (tenantId: string): Promise<number> =>
    withClient(async (client) => {
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quote(schema)}.salesforce_contact_answers WHERE tenant_id = $1`, [tenantId]);
      return Number(rows[0]?.n);
    });

  /**
   * A connected tenant with an answer written in a transaction left open; `change` (a reconnect, a disconnect) runs
   * meanwhile and must wait for that write's lock on the connection row, then leave no answer behind.
   */
  async function changeWhileAWriteIsOpen(change: (record: ConnectionRecord) => Promise<unknown>): Promise<void> {
    const record = newRecord(`tenant-${randomUUID()}`);
    await store.upsert(record);
    await withClient(async (writer) => {
      await writer.query('BEGIN');
      await writer.query(
        `INSERT INTO ${quote(schema)}.salesforce_contact_answers (scope, email, tenant_id, credentials_id, contacts, fetched_at)
         VALUES ('s', 'ada@x.com', $1, $2, '[]', now())`,
        [record.tenantId, record.credentialsId],
      );
      const changing = change(record);
      let changed = false;
      void changing.then(() => (changed = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(changed).toBe(false); // held by the write's lock on the connection row
      await writer.query('COMMIT');
      await changing;
    });
    expect(await kept(record.tenantId)).toBe(0);
  }

  it('a write under way when the reconnect comes: the reconnect waits for it, then deletes what it wrote', async () => {
    await changeWhileAWriteIsOpen((record) => store.upsert({ ...record, credentialsId: randomUUID() }));
  });

  it('a write under way when the disconnect comes: the disconnect waits for it, then deletes what it wrote', async () => {
    await changeWhileAWriteIsOpen((record) => store.delete(record.tenantId));
  });

  it('a reconnect committed while the write comes: the write keeps nothing', async () => {
    const record = newRecord(`tenant-${randomUUID()}`);
    await store.upsert(record);
    const scope = { tenantId: record.tenantId, credentialsId: record.credentialsId, scope: 's' };
    await withClient(async (admin) => {
      await admin.query('BEGIN');
      await admin.query(`UPDATE ${quote(schema)}.salesforce_connections SET credentials_id = $2 WHERE tenant_id = $1`, [record.tenantId, randomUUID()]);
      const write = store.contacts.write(scope, answers('ada@x.com'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await admin.query('COMMIT');
      expect(await write).toBe(false);
    });
    expect(await kept(record.tenantId)).toBe(0);
  });
});

describe('changeChannel', () => {
  it('is the plain name by default and per schema otherwise, always a valid identifier of at most 63 bytes', () => {
    expect(changeChannel()).toBe('salesforce_connection_changed');
    expect(changeChannel('tenant_a')).toBe('salesforce_connection_changed_tenant_a');
    for (const schema of ['Test "quoted"; x', 'a'.repeat(60), 'ünïcode', 'UPPER']) {
      const channel = changeChannel(schema);
      expect(channel).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(Buffer.byteLength(channel)).toBeLessThanOrEqual(63);
      expect(changeChannel(schema)).toBe(channel);
    }
    expect(changeChannel('Test A')).not.toBe(changeChannel('Test B'));
  });
});
