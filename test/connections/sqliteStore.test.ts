/** The embedded store's file holds sealed secrets and tenant metadata: only its owner may read it. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteConnectionStore } from '../../src/connections/sqliteStore';

describe('SqliteConnectionStore files', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genfin-sqlite-mode-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates the database (and its WAL) owner-only, in an owner-only folder', async () => {
    const file = path.join(dir, 'data', 'connections.sqlite');
    const store = SqliteConnectionStore.open(file);
    try {
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      for (const extra of ['-wal', '-shm']) {
        if (fs.existsSync(file + extra)) expect(fs.statSync(file + extra).mode & 0o777).toBe(0o600);
      }
    } finally {
      await store.close();
    }
  });

  it('tightens an existing database file that others could read', async () => {
    const file = path.join(dir, 'connections.sqlite');
    fs.writeFileSync(file, '', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const store = SqliteConnectionStore.open(file);
    await store.close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });
});
