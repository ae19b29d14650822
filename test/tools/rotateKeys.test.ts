/**
 * `npm run rotate-keys` as operators run it (a child process, configured by the environment), against SQLite and
 * PostgreSQL: rows sealed with key A are re-sealed under key B, keeping their credentials id, so that a process with
 * B alone then starts and opens them. Plus the compare-and-set that keeps a concurrent reconnect.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type Notification } from 'pg';
import { loadConfig } from '../../src/config';
import { startApp } from '../../src/app';
import { credentialsAad } from '../../src/connections/credentials';
import { StoredSecretsUnreadableError } from '../../src/connections/encryptionKey';
import { SQLITE_FILE_NAME } from '../../src/connections/openStore';
import { changeChannel, PostgresConnectionStore } from '../../src/connections/postgresStore';
import { encryptionKeyFromBase64, generateEncryptionKey, SecretBox, sealedKeyId } from '../../src/connections/secretBox';
import { SqliteConnectionStore } from '../../src/connections/sqliteStore';
import type { ConnectionRecord, ConnectionStore } from '../../src/connections/types';
import { rotateKeys } from '../../src/tools/rotateKeys';
import { TEST_JWT_SECRET } from '../support/jwt';
import { testDatabaseUrl } from '../support/postgres';
import { connectionRecord } from '../support/records';

const ROOT = path.resolve(__dirname, '../..');
const KEY_A = generateEncryptionKey();
const KEY_B = generateEncryptionKey();
const KEY_C = generateEncryptionKey();
const ID_B = encryptionKeyFromBase64(KEY_B).id;
const INSTANCE_URL = 'https://acme.my.salesforce.com';
/** More than one batch of 100. */
const ROWS = 230;

const boxOf = (current: string, previous: string[] = []) => {
  const key = encryptionKeyFromBase64(current);
  return new SecretBox({ current: key, all: [key, ...previous.map(encryptionKeyFromBase64)] });
};

function credentialsOf(tenantId: string): string {
  return JSON.stringify({ consumerKey: `key-${tenantId}`, consumerSecret: `secret-${tenantId}` });
}

function record(tenantId: string, sealedWith: string): ConnectionRecord {
  return connectionRecord({
    tenantId,
    instanceUrl: INSTANCE_URL,
    consumerKeyHint: '••••1234',
    sealedCredentials: boxOf(sealedWith).seal(credentialsOf(tenantId), credentialsAad(tenantId, INSTANCE_URL)),
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runRotateKeys(env: Record<string, string>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...env };
  delete childEnv.NODE_ENV;
  if (env.DATABASE_URL === undefined) delete childEnv.DATABASE_URL;
  return new Promise((resolve) => {
    execFile('npm', ['run', '--silent', 'rotate-keys'], { cwd: ROOT, env: childEnv, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

interface Backend {
  name: string;
  /** The environment the service and the tool read to reach this store. */
  env: Record<string, string>;
  dataDir: string;
  open(): Promise<ConnectionStore>;
  cleanUp(): Promise<void>;
}

function sqlite(): Backend {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genfin-rotate-'));
  return {
    name: 'SQLite',
    env: { DATA_DIR: dataDir },
    dataDir,
    open: async () => SqliteConnectionStore.open(path.join(dataDir, SQLITE_FILE_NAME)),
    cleanUp: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** A schema of its own, reached by the tool (which takes no schema option) through the URL's search_path. */
function postgres(): Backend {
  const schema = `test_rotate_${randomBytes(6).toString('hex')}`;
  const base = testDatabaseUrl();
  const url = `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genfin-rotate-pg-'));
  return {
    name: 'PostgreSQL',
    env: { DATABASE_URL: url, DATA_DIR: dataDir },
    dataDir,
    // The schema's own store (and trigger channel); the tool and the app reach the same table via search_path.
    open: () => PostgresConnectionStore.connect(base, { schema }),
    cleanUp: async () => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      const client = new Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

async function allRows(store: ConnectionStore): Promise<ConnectionRecord[]> {
  const rows = await store.listSealed(null, 10_000);
  return Promise.all(rows.map(async (row) => (await store.get(row.tenantId))!));
}

describe.each([['SQLite', sqlite], ['PostgreSQL', postgres]])('npm run rotate-keys on %s', (_name, makeBackend) => {
  let backend: Backend;
  let store: ConnectionStore;

  beforeAll(async () => {
    backend = makeBackend();
    store = await backend.open();
  });

  afterAll(async () => {
    await store?.close();
    await backend?.cleanUp();
  });

  const startWith = (env: Record<string, string>) =>
    startApp(
      loadConfig({ PORT: '0', AUTH_JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'silent', ...backend.env, ...env }),
      { host: '127.0.0.1' },
    );

  it('re-seals every row under the new key, keeping credentials ids, after which the new key alone starts', async () => {
    const tenants = Array.from({ length: ROWS }, (_, i) => `tenant-${String(i).padStart(4, '0')}`);
    for (const tenantId of tenants) await store.upsert(record(tenantId, KEY_A));

    // Before rotation, a replica with the new key alone is refused: it could open none of the secrets.
    const refused = await startWith({ ENCRYPTION_KEY: KEY_B }).then(
      async (app) => {
        await app.stop();
        return null;
      },
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(StoredSecretsUnreadableError);
    expect((refused as Error).message).toMatch(/^None of the stored Salesforce credentials \(230 rows\) can be decrypted with ENCRYPTION_KEY /);

    await store.upsert(record('tenant-already-b', KEY_B));
    const before = new Map((await allRows(store)).map((r) => [r.tenantId, r]));

    const run = await runRotateKeys({ ...backend.env, ENCRYPTION_KEY: KEY_B, ENCRYPTION_KEY_PREVIOUS: KEY_A });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      `rotate-keys: ${ROWS} re-sealed under key ${ID_B}, 1 already current, 0 unreadable, 0 skipped (changed concurrently)\n`,
    );
    expect(run.code).toBe(0);

    const after = await allRows(store);
    expect(after).toHaveLength(ROWS + 1);
    const onlyB = boxOf(KEY_B);
    for (const row of after) {
      const previous = before.get(row.tenantId)!;
      expect(sealedKeyId(row.sealedCredentials)).toBe(ID_B);
      expect(onlyB.open(row.sealedCredentials, credentialsAad(row.tenantId, row.instanceUrl))).toBe(credentialsOf(row.tenantId));
      // Only the seal changed: same credentials id (token caches), same everything else.
      expect({ ...row, sealedCredentials: '' }).toEqual({ ...previous, sealedCredentials: '' });
    }
    expect(before.get('tenant-already-b')!.sealedCredentials).toBe(after.find((r) => r.tenantId === 'tenant-already-b')!.sealedCredentials);

    // Now the new key alone is enough to start.
    const app = await startWith({ ENCRYPTION_KEY: KEY_B });
    await app.stop();

    // Run again: nothing left to do.
    const again = await runRotateKeys({ ...backend.env, ENCRYPTION_KEY: KEY_B });
    expect(again.stdout).toBe(`rotate-keys: 0 re-sealed under key ${ID_B}, ${ROWS + 1} already current, 0 unreadable, 0 skipped (changed concurrently)\n`);
    expect(again.code).toBe(0);
  });

  it('reports the tenants it cannot read, never their secrets, and exits non-zero', async () => {
    const lost = record(`tenant-lost-${randomUUID()}`, KEY_C);
    const old = record(`tenant-old-${randomUUID()}`, KEY_A);
    await store.upsert(lost);
    await store.upsert(old);
    const run = await runRotateKeys({ ...backend.env, ENCRYPTION_KEY: KEY_B, ENCRYPTION_KEY_PREVIOUS: KEY_A });
    expect(run.stdout).toBe(
      `rotate-keys: 1 re-sealed under key ${ID_B}, ${ROWS + 1} already current, 1 unreadable, 0 skipped (changed concurrently); ` +
        `unreadable tenant ids: ${JSON.stringify([lost.tenantId])}\n`,
    );
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).not.toContain(`secret-${lost.tenantId}`);
    expect(await store.get(lost.tenantId)).toEqual(lost);
    await store.delete(lost.tenantId);
  });

  it('refuses a bad ENCRYPTION_KEY_PREVIOUS naming the variable, not the value', async () => {
    const run = await runRotateKeys({ ...backend.env, ENCRYPTION_KEY: KEY_B, ENCRYPTION_KEY_PREVIOUS: `${KEY_A},bm90LWEta2V5` });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('ENCRYPTION_KEY_PREVIOUS entry 2 of 2');
    expect(run.stderr).not.toContain('bm90LWEta2V5');
    expect(run.stdout).toBe('');
  });

  it('refuses to run without ENCRYPTION_KEY rather than re-seal under a generated key, changing nothing', async () => {
    const row = record(`tenant-nokey-${randomUUID()}`, KEY_A);
    await store.upsert(row);
    const run = await runRotateKeys({ ...backend.env, ENCRYPTION_KEY_PREVIOUS: KEY_A });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('set ENCRYPTION_KEY');
    expect(await store.get(row.tenantId)).toEqual(row);
    await store.delete(row.tenantId);
  });
});

describe('rotateKeys', () => {
  let dir: string;
  let store: SqliteConnectionStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genfin-rotate-unit-'));
    store = SqliteConnectionStore.open(path.join(dir, 'connections.sqlite'));
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves a row that changed after it was read (a reconnect) as the reconnect wrote it', async () => {
    const rows = ['t-1', 't-2', 't-3'].map((tenantId) => record(tenantId, KEY_A));
    for (const row of rows) await store.upsert(row);
    const reconnect = record('t-2', KEY_B);
    const racing: Pick<ConnectionStore, 'listSealed' | 'replaceSealed'> = {
      listSealed: (after, limit) => store.listSealed(after, limit),
      replaceSealed: async (tenantId, expected, next) => {
        // A replica saves a reconnect for t-2 between our read and our write.
        if (tenantId === 't-2') await store.upsert(reconnect);
        return store.replaceSealed(tenantId, expected, next);
      },
    };
    const summary = await rotateKeys(racing, boxOf(KEY_B, [KEY_A]), { batchSize: 2 });
    expect(summary).toEqual({ currentKeyId: ID_B, resealed: 2, alreadyCurrent: 0, unreadable: [], skippedConcurrent: 1 });
    expect(await store.get('t-2')).toEqual(reconnect);
    expect(sealedKeyId((await store.get('t-1'))!.sealedCredentials)).toBe(ID_B);
    expect((await store.get('t-1'))!.credentialsId).toBe(rows[0]!.credentialsId);
  });
});

describe('re-sealing on PostgreSQL', () => {
  it('fires the change notification (a harmless refresh for listening replicas)', async () => {
    const schema = `test_rotate_notify_${randomBytes(6).toString('hex')}`;
    const url = testDatabaseUrl();
    const store = await PostgresConnectionStore.connect(url, { schema });
    const listener = new Client({ connectionString: url });
    await listener.connect();
    try {
      const row = record(`t-${randomUUID()}`, KEY_A);
      await store.upsert(row);
      const heard: Notification[] = [];
      listener.on('notification', (n) => heard.push(n));
      await listener.query(`LISTEN "${changeChannel(schema)}"`);
      const summary = await rotateKeys(store, boxOf(KEY_B, [KEY_A]));
      expect(summary.resealed).toBe(1);
      for (let i = 0; i < 200 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(heard.map((n) => n.payload)).toEqual([row.tenantId]);
      expect((await store.get(row.tenantId))!.credentialsId).toBe(row.credentialsId);
    } finally {
      await listener.end();
      await store.close();
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });
});
