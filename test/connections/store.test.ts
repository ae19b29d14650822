import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { openConnectionStore, SQLITE_FILE_NAME } from '../../src/connections/openStore';
import { PostgresConnectionStore } from '../../src/connections/postgresStore';
import { encryptionKeyFromBase64, generateEncryptionKey, SecretBox } from '../../src/connections/secretBox';
import { SqliteConnectionStore } from '../../src/connections/sqliteStore';
import { connectionScope, toConnectionView, type ConnectionRecord, type ConnectionStore } from '../../src/connections/types';
import { testDatabaseUrl } from '../support/postgres';
import { connectionRecord } from '../support/records';
import { describeEachStore } from '../support/stores';

const PG_URL = testDatabaseUrl();

function newRecord(overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return connectionRecord({
    orgId: '00D000000000001EAA',
    contactFields: ['Email', 'Phone', 'Title'],
    customFields: [{ name: 'Genfin_Tier__c', label: 'Genfin Tier', type: 'picklist' }],
    connectedAt: new Date('2024-05-01T10:00:00.123Z'),
    lastValidatedAt: new Date('2024-05-01T10:00:01.456Z'),
    updatedAt: new Date('2024-05-01T10:00:02.789Z'),
    ...overrides,
  });
}

describeEachStore('ConnectionStore contract', (currentStore) => {
  let store: ConnectionStore;
  beforeEach(() => {
    store = currentStore();
  });

  it('pings', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('returns null for a missing tenant', async () => {
    expect(await store.get('no-such-tenant')).toBeNull();
  });

  it('round-trips a record, dates included', async () => {
    const record = newRecord();
    await store.upsert(record);
    const loaded = await store.get(record.tenantId);
    expect(loaded).toEqual(record);
    expect(loaded?.connectedAt).toBeInstanceOf(Date);
  });

  it('round-trips nulls and an empty contact field list', async () => {
    const record = newRecord({ lastValidatedAt: null, lastError: null, contactFields: [] });
    await store.upsert(record);
    expect(await store.get(record.tenantId)).toEqual(record);
  });

  it('upsert replaces the whole row', async () => {
    const first = newRecord({ status: 'ERROR', lastError: 'invalid_client' });
    await store.upsert(first);
    const second = newRecord({
      tenantId: first.tenantId,
      instanceUrl: 'https://other.my.salesforce.com',
      apiVersion: 'v62.0',
      consumerKeyHint: '••••AbCd',
      sealedCredentials: 'v1.fedcba9876543210.iv2.tag2.ct2',
      credentialsId: randomUUID(),
      contactFields: ['MobilePhone'],
      status: 'CONNECTED',
      lastError: null,
      connectedAt: new Date('2024-06-01T00:00:00.000Z'),
      lastValidatedAt: null,
      updatedAt: new Date('2024-06-01T00:00:00.000Z'),
    });
    await store.upsert(second);
    expect(await store.get(first.tenantId)).toEqual(second);
  });

  it('update changes status and error, bumps updatedAt, and leaves the rest alone', async () => {
    const record = newRecord();
    await store.upsert(record);
    const before = Date.now();
    await store.update(record.tenantId, { status: 'ERROR', lastError: 'INVALID_SESSION_ID' });
    const loaded = await store.get(record.tenantId);
    expect(loaded).toEqual({
      ...record,
      status: 'ERROR',
      lastError: 'INVALID_SESSION_ID',
      updatedAt: expect.any(Date),
    });
    expect(loaded!.updatedAt.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('update sets lastValidatedAt when given', async () => {
    const record = newRecord({ status: 'ERROR', lastError: 'boom', lastValidatedAt: null });
    await store.upsert(record);
    const validatedAt = new Date('2024-07-01T12:34:56.789Z');
    await store.update(record.tenantId, { status: 'CONNECTED', lastError: null, lastValidatedAt: validatedAt });
    expect(await store.get(record.tenantId)).toMatchObject({
      status: 'CONNECTED',
      lastError: null,
      lastValidatedAt: validatedAt,
      credentialsId: record.credentialsId,
    });
  });

  it('update with credentialsId changes only the row that still holds those credentials', async () => {
    const record = newRecord();
    await store.upsert(record);
    await store.update(record.tenantId, { status: 'ERROR', lastError: 'from a replaced connection' }, { credentialsId: 'some-older-credentials' });
    expect(await store.get(record.tenantId)).toMatchObject({ status: 'CONNECTED', lastError: null });
    await store.update(record.tenantId, { status: 'ERROR', lastError: 'current' }, { credentialsId: record.credentialsId });
    expect(await store.get(record.tenantId)).toMatchObject({ status: 'ERROR', lastError: 'current' });
  });

  it('update with a whole scope applies only while the row still holds it (one compare-and-set), and says so', async () => {
    const customFields = [{ name: 'Genfin_Tier__c', label: 'Genfin Tier', type: 'picklist' }];
    const record = newRecord({ customFields, unavailableFields: [] });
    await store.upsert(record);
    const asRead = (await store.get(record.tenantId))!;
    expect(await store.update(record.tenantId, { status: 'ERROR', lastError: 'seen under the scope' }, connectionScope(asRead))).toBe(true);
    expect(await store.get(record.tenantId)).toMatchObject({ status: 'ERROR', lastError: 'seen under the scope' });
    // An admin changes the fields; an outcome observed under the old fields no longer lands.
    await store.update(record.tenantId, { unavailableFields: ['Genfin_Tier__c'] });
    expect(await store.update(record.tenantId, { status: 'CONNECTED', lastError: null }, connectionScope(asRead))).toBe(false);
    expect(await store.get(record.tenantId)).toMatchObject({ status: 'ERROR', unavailableFields: ['Genfin_Tier__c'] });
    // Field definitions compare by value, whatever key order they were built with.
    await store.update(record.tenantId, { unavailableFields: [] });
    const reordered = [{ type: 'picklist', name: 'Genfin_Tier__c', label: 'Genfin Tier' }];
    expect(await store.update(record.tenantId, { lastError: 'again' }, { ...connectionScope(asRead), customFields: reordered })).toBe(true);
  });

  it('update on a missing tenant is a no-op', async () => {
    const tenantId = `tenant-${randomUUID()}`;
    await store.update(tenantId, { status: 'ERROR', lastError: 'x' });
    expect(await store.get(tenantId)).toBeNull();
  });

  it('update changes field settings and org id, and keeps what it is not given', async () => {
    const record = newRecord();
    await store.upsert(record);
    const customFields = [
      { name: 'Birthdate', label: 'Birthdate', type: 'date' },
      { name: 'Genfin_Tier__c', label: 'Genfin Tier', type: 'picklist' },
    ];
    await store.update(record.tenantId, { customFields, unavailableFields: ['Genfin_Tier__c'], orgId: '00D000000000002EAA' });
    expect(await store.get(record.tenantId)).toEqual({
      ...record,
      customFields,
      unavailableFields: ['Genfin_Tier__c'],
      orgId: '00D000000000002EAA',
      updatedAt: expect.any(Date),
    });
  });

  it('delete returns true when a row existed and false otherwise', async () => {
    const record = newRecord();
    await store.upsert(record);
    expect(await store.delete(record.tenantId)).toBe(true);
    expect(await store.get(record.tenantId)).toBeNull();
    expect(await store.delete(record.tenantId)).toBe(false);
  });

  it('keeps tenants isolated', async () => {
    const a = newRecord({ consumerKeyHint: '••••AAAA' });
    const b = newRecord({ consumerKeyHint: '••••BBBB' });
    await store.upsert(a);
    await store.upsert(b);
    await store.update(a.tenantId, { status: 'ERROR', lastError: 'a only' });
    await store.delete(a.tenantId);
    expect(await store.get(a.tenantId)).toBeNull();
    expect(await store.get(b.tenantId)).toEqual(b);
  });

  it('keeps data across close and reopen', async () => {
    const record = newRecord();
    await store.upsert(record);
    await store.close();
    store = await currentStore.reopen();
    expect(await store.get(record.tenantId)).toEqual(record);
  });

  it('close is idempotent', async () => {
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('listSealed pages through every row by tenant id', async () => {
    const prefix = `page-${randomUUID()}`;
    const records = [3, 1, 4, 0, 2].map((n) => newRecord({ tenantId: `${prefix}-${n}`, sealedCredentials: `v1.key${n}.iv.tag.ct` }));
    for (const record of records) await store.upsert(record);
    const seen: string[] = [];
    let after: string | null = prefix;
    for (;;) {
      const page = await store.listSealed(after, 2);
      const ours = page.filter((row) => row.tenantId.startsWith(prefix));
      seen.push(...ours.map((row) => row.tenantId));
      if (page.length < 2 || ours.length < page.length) break;
      after = page.at(-1)!.tenantId;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4].map((n) => `${prefix}-${n}`));
    const first = (await store.listSealed(prefix, 1))[0];
    expect(first).toEqual({ tenantId: `${prefix}-0`, instanceUrl: 'https://acme.my.salesforce.com', sealedCredentials: 'v1.key0.iv.tag.ct' });
    expect((await store.listSealed(null, 1000)).map((row) => row.tenantId)).toEqual(expect.arrayContaining(seen));
  });

  it('replaceSealed swaps only the sealed value, and only while it is still the one read', async () => {
    const record = newRecord({ sealedCredentials: 'v1.old.iv.tag.ct' });
    await store.upsert(record);
    expect(await store.replaceSealed(record.tenantId, 'v1.old.iv.tag.ct', 'v1.new.iv.tag.ct')).toBe(true);
    expect(await store.get(record.tenantId)).toEqual({ ...record, sealedCredentials: 'v1.new.iv.tag.ct' });

    // A reconnect in between: the stale compare-and-set must not overwrite it.
    const reconnected = { ...record, sealedCredentials: 'v1.reconnect.iv.tag.ct', credentialsId: randomUUID() };
    await store.upsert(reconnected);
    expect(await store.replaceSealed(record.tenantId, 'v1.new.iv.tag.ct', 'v1.resealed.iv.tag.ct')).toBe(false);
    expect(await store.get(record.tenantId)).toEqual(reconnected);
    expect(await store.replaceSealed(`tenant-${randomUUID()}`, 'v1.new.iv.tag.ct', 'x')).toBe(false);
  });

  it('sealedKeySamples gives one row per key id with its count', async () => {
    const keyA = randomBytes(8).toString('hex');
    const keyB = randomBytes(8).toString('hex');
    const a1 = newRecord({ tenantId: `a1-${randomUUID()}`, sealedCredentials: `v1.${keyA}.iv.tag.ct1` });
    const a2 = newRecord({ tenantId: `a2-${randomUUID()}`, sealedCredentials: `v1.${keyA}.iv.tag.ct2` });
    const b1 = newRecord({ tenantId: `b1-${randomUUID()}`, sealedCredentials: `v1.${keyB}.iv.tag.ct3`, instanceUrl: 'https://b.my.salesforce.com' });
    for (const record of [a1, a2, b1]) await store.upsert(record);
    const samples = await store.sealedKeySamples();
    expect(samples.find((s) => s.keyId === keyA)).toEqual({
      keyId: keyA,
      rows: 2,
      tenantId: a1.tenantId,
      instanceUrl: a1.instanceUrl,
      sealedCredentials: a1.sealedCredentials,
    });
    expect(samples.find((s) => s.keyId === keyB)).toEqual({
      keyId: keyB,
      rows: 1,
      tenantId: b1.tenantId,
      instanceUrl: 'https://b.my.salesforce.com',
      sealedCredentials: b1.sealedCredentials,
    });
    expect(new Set(samples.map((s) => s.keyId)).size).toBe(samples.length);
  });
});

describe('SqliteConnectionStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'genfin-sqlite-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores only sealed credentials on disk', async () => {
    const file = join(dir, 'at-rest.sqlite');
    const box = new SecretBox((() => {
      const key = encryptionKeyFromBase64(generateEncryptionKey());
      return { current: key, all: [key] };
    })());
    const consumerSecret = `PLAINTEXT-SECRET-${randomUUID()}`;
    const record = newRecord({
      sealedCredentials: box.seal(JSON.stringify({ consumerKey: '3MVG9-consumer-key', consumerSecret }), 'tenant-x'),
      tenantId: 'tenant-x',
    });

    const store = SqliteConnectionStore.open(file);
    await store.upsert(record);
    // Check while open too: WAL mode keeps fresh writes in the -wal file until checkpoint.
    const readAll = () =>
      Buffer.concat([file, `${file}-wal`, `${file}-shm`].filter(existsSync).map((f) => readFileSync(f)));
    const whileOpen = readAll();
    await store.close();
    const afterClose = readAll();

    for (const bytes of [whileOpen, afterClose]) {
      expect(bytes.includes(consumerSecret)).toBe(false);
      expect(bytes.includes('3MVG9-consumer-key')).toBe(false);
    }
    // Sanity check that we read the right bytes.
    expect(afterClose.includes(record.sealedCredentials)).toBe(true);
  });

  it('refuses a database from a newer schema version', async () => {
    const file = join(dir, 'future.sqlite');
    await SqliteConnectionStore.open(file).close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => SqliteConnectionStore.open(file)).toThrow(/schema version 99/);
  });

  it('migrates a version 1 database, keeping its rows', async () => {
    const file = join(dir, 'v1.sqlite');
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(file);
    db.exec(`CREATE TABLE salesforce_connections (
      tenant_id TEXT PRIMARY KEY, instance_url TEXT NOT NULL, api_version TEXT NOT NULL, consumer_key_hint TEXT NOT NULL,
      sealed_credentials TEXT NOT NULL, credentials_id TEXT NOT NULL, contact_fields TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('CONNECTED', 'ERROR')), last_error TEXT, connected_at TEXT NOT NULL,
      last_validated_at TEXT, updated_at TEXT NOT NULL) STRICT`);
    db.prepare(`INSERT INTO salesforce_connections VALUES ('old', 'https://acme.my.salesforce.com', 'v60.0', '••••1234',
      'v1.x.y.z.w', 'cred-1', '["Id","Email"]', 'CONNECTED', NULL, '2024-01-01T00:00:00.000Z', NULL, '2024-01-01T00:00:00.000Z')`).run();
    db.pragma('user_version = 1');
    db.close();

    const store = SqliteConnectionStore.open(file);
    try {
      expect(await store.get('old')).toMatchObject({ tenantId: 'old', contactFields: ['Id', 'Email'], customFields: [], unavailableFields: [], orgId: null });
    } finally {
      await store.close();
    }
  });
});

describe('PostgresConnectionStore', () => {
  it('two instances creating the same schema concurrently both succeed', async () => {
    const schema = `test_race_${randomBytes(6).toString('hex')}`;
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => PostgresConnectionStore.connect(PG_URL, { schema })),
    );
    const stores = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    try {
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const record = newRecord();
      await stores[0]!.upsert(record);
      expect(await stores[3]!.get(record.tenantId)).toEqual(record);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      const client = new Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });

  it('quotes the schema name', async () => {
    const schema = `Test "quoted"; ${randomBytes(4).toString('hex')}`;
    const store = await PostgresConnectionStore.connect(PG_URL, { schema });
    try {
      const record = newRecord();
      await store.upsert(record);
      expect(await store.get(record.tenantId)).toEqual(record);
    } finally {
      await store.close();
      const client = new Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '""')}" CASCADE`);
      await client.end();
    }
  });

  it('rejects on an unreachable server without leaking the pool', async () => {
    await expect(PostgresConnectionStore.connect('postgres://postgres@127.0.0.1:1/test')).rejects.toThrow();
  });
});

describe('openConnectionStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'genfin-open-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens SQLite in the data dir when DATABASE_URL is unset', async () => {
    const store = await openConnectionStore(undefined, join(dir, 'data'));
    try {
      expect(store).toBeInstanceOf(SqliteConnectionStore);
      expect(existsSync(join(dir, 'data', SQLITE_FILE_NAME))).toBe(true);
    } finally {
      await store.close();
    }
  });

  // The scheme, not the URL, names the case: the URL may hold a password.
  it.each(['postgres', 'postgresql'])('opens PostgreSQL for a %s:// URL', async (scheme) => {
    const url = PG_URL.replace(/^postgres(ql)?:/, `${scheme}:`);
    const store = await openConnectionStore(url, dir);
    try {
      expect(store).toBeInstanceOf(PostgresConnectionStore);
      await store.ping();
    } finally {
      await store.close();
    }
  });

  it.each([
    'mysql://admin:hunter2@db.example.com/app',
    'sqlite:///var/data/x.db',
    'admin:hunter2@db.example.com',
    'https://user:pa/ss@w0rd:hunter2@host/db',
    '',
  ])('rejects %j naming DATABASE_URL without echoing a password', async (url) => {
    const error = await openConnectionStore(url, dir).then(
      () => null,
      (err: Error) => err,
    );
    expect(error?.message).toMatch(/DATABASE_URL/);
    expect(error?.message).toMatch(/postgres:\/\//);
    expect(error?.message).toMatch(/postgresql:\/\//);
    expect(error?.message).not.toContain('hunter2');
    expect(error?.message).not.toContain('w0rd');
  });
});

describe('toConnectionView', () => {
  it('drops the sealed credentials and credentials id', () => {
    const record = newRecord();
    const view = toConnectionView(record);
    expect(view).not.toHaveProperty('sealedCredentials');
    expect(view).not.toHaveProperty('credentialsId');
    expect(view).toMatchObject({ tenantId: record.tenantId, consumerKeyHint: record.consumerKeyHint });
  });
});
