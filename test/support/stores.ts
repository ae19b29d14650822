/**
 * The two stores' backing databases for contract tests: a fresh SQLite file, or a schema of its own on the tests'
 * PostgreSQL, each dropped again in teardown.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { PostgresConnectionStore } from '../../src/connections/postgresStore';
import { SqliteConnectionStore } from '../../src/connections/sqliteStore';
import type { ConnectionStore } from '../../src/connections/types';
import { testDatabaseUrl } from './postgres';

/** Opens a store over one backing database; calling `open` again must see the same data. */
export interface Backend {
  open(): Promise<ConnectionStore>;
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

export function sqliteBackend(): Backend {
  let dir = '';
  return {
    setup: async () => {
      dir = mkdtempSync(join(tmpdir(), 'genfin-store-'));
    },
    open: async () => SqliteConnectionStore.open(join(dir, 'nested', 'connections.sqlite')),
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function postgresBackend(): Backend {
  const schema = `test_connections_${randomBytes(6).toString('hex')}`;
  return {
    setup: async () => {},
    open: () => PostgresConnectionStore.connect(testDatabaseUrl(), { schema }),
    teardown: async () => {
      const client = new Client({ connectionString: testDatabaseUrl() });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The store of the current test in a describeEachStore suite. */
export interface CurrentStore {
  (): ConnectionStore;
  /** Opens the backing database again (what a restart does); the store it returns is closed after the test. */
  reopen(): Promise<ConnectionStore>;
}

/**
 * A contract suite run once per backend: `body` gets the store opened for the current test (a fresh one per test,
 * closed after it), with the backend set up before the suite and torn down after.
 */
export function describeEachStore(title: string, body: (currentStore: CurrentStore) => void): void {
  describe.each([
    ['SQLite', sqliteBackend],
    ['PostgreSQL', postgresBackend],
  ])(`${title}: %s`, (_name, makeBackend) => {
    const backend = makeBackend();
    let store: ConnectionStore | undefined;
    beforeAll(() => backend.setup());
    afterAll(() => backend.teardown());
    beforeEach(async () => {
      store = await backend.open();
    });
    afterEach(() => store?.close());
    const current = (() => {
      if (store === undefined) throw new Error('describeEachStore: the store is opened in beforeEach; ask for it inside a test or hook');
      return store;
    }) as CurrentStore;
    current.reopen = async () => {
      store = await backend.open();
      return store;
    };
    body(current);
  });
}
