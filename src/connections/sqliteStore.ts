import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { COLUMNS, fromRow, patchWithTimestamp, type Row, type RowCodec, TABLE, toColumns } from './rows';
import { SqliteStoredContacts } from './sqliteContacts';
import { ANSWERS_TABLE, type StoredContacts } from './storedContacts';
import type { ConnectionPatch, ConnectionRecord, ConnectionScope, ConnectionStore, SealedCredentialsRow, SealedKeySample } from './types';

/** Migrations by the schema version they produce; `user_version` records the last one applied. */
const MIGRATIONS: ReadonlyArray<string> = [
  `CREATE TABLE IF NOT EXISTS ${TABLE} (
     tenant_id          TEXT PRIMARY KEY,
     instance_url       TEXT NOT NULL,
     api_version        TEXT NOT NULL,
     consumer_key_hint  TEXT NOT NULL,
     sealed_credentials TEXT NOT NULL,
     credentials_id     TEXT NOT NULL,
     contact_fields     TEXT NOT NULL,
     status             TEXT NOT NULL CHECK (status IN ('CONNECTED', 'ERROR')),
     last_error         TEXT,
     connected_at       TEXT NOT NULL,
     last_validated_at  TEXT,
     updated_at         TEXT NOT NULL
   ) STRICT`,
  `ALTER TABLE ${TABLE} ADD COLUMN org_id TEXT;
   ALTER TABLE ${TABLE} ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '[]';
   ALTER TABLE ${TABLE} ADD COLUMN unavailable_fields TEXT NOT NULL DEFAULT '[]';`,
  // The shared contact tier, tied to its connection as in PostgreSQL (see postgresStore.ts): deleting the
  // connection cascades, and a reconnect deletes the old credentials' answers before its row changes.
  `CREATE UNIQUE INDEX salesforce_connections_tenant_credentials ON ${TABLE} (tenant_id, credentials_id);
   CREATE TABLE ${ANSWERS_TABLE} (
     scope          TEXT NOT NULL,
     email          TEXT NOT NULL,
     tenant_id      TEXT NOT NULL,
     credentials_id TEXT NOT NULL,
     contacts       TEXT NOT NULL,
     fetched_at     TEXT NOT NULL,
     refreshing_until TEXT,
     PRIMARY KEY (scope, email),
     FOREIGN KEY (tenant_id, credentials_id) REFERENCES ${TABLE} (tenant_id, credentials_id) ON DELETE CASCADE
   ) STRICT;
   CREATE INDEX salesforce_contact_answers_tenant ON ${ANSWERS_TABLE} (tenant_id, credentials_id);
   CREATE INDEX salesforce_contact_answers_fetched ON ${ANSWERS_TABLE} (fetched_at);
   CREATE TRIGGER salesforce_connection_credentials_changed BEFORE UPDATE OF credentials_id ON ${TABLE}
     FOR EACH ROW WHEN OLD.credentials_id IS NOT NEW.credentials_id
     BEGIN
       DELETE FROM ${ANSWERS_TABLE} WHERE tenant_id = OLD.tenant_id AND credentials_id = OLD.credentials_id;
     END;`,
];
const SCHEMA_VERSION = MIGRATIONS.length;

const CODEC: RowCodec = {
  encodeDate: (date) => date.toISOString(),
  decodeDate: (value) => new Date(String(value)),
};

function migrate(db: Database.Database): void {
  // IMMEDIATE takes the write lock up front, so two processes opening a fresh file don't both migrate.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `SQLite database ${db.name} has schema version ${version}, newer than this build supports (${SCHEMA_VERSION})`,
      );
    }
    for (const migration of MIGRATIONS.slice(version)) db.exec(migration);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

export class SqliteConnectionStore implements ConnectionStore {
  private readonly selectStmt: Database.Statement<[string], Row>;
  private readonly upsertStmt: Database.Statement<[Record<string, unknown>]>;
  private readonly deleteStmt: Database.Statement<[string]>;
  private readonly pingStmt: Database.Statement<[]>;

  readonly contacts: StoredContacts;

  private constructor(private readonly db: Database.Database) {
    this.contacts = new SqliteStoredContacts(db);
    this.selectStmt = db.prepare(`SELECT ${COLUMNS.join(', ')} FROM ${TABLE} WHERE tenant_id = ?`);
    this.upsertStmt = db.prepare(`
      INSERT INTO ${TABLE} (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})
      ON CONFLICT (tenant_id) DO UPDATE SET
        ${COLUMNS.filter((c) => c !== 'tenant_id').map((c) => `${c} = excluded.${c}`).join(',\n        ')}
    `);
    this.deleteStmt = db.prepare(`DELETE FROM ${TABLE} WHERE tenant_id = ?`);
    this.pingStmt = db.prepare('SELECT 1');
  }

  static open(filePath: string): SqliteConnectionStore {
    mkdirSync(dirname(filePath), { recursive: true, mode: 0o700 });
    // Owner-only from the first byte (SQLite gives its -wal and -shm files the database file's permissions).
    closeSync(openSync(filePath, 'a', 0o600));
    chmodSync(filePath, 0o600);
    const db = new Database(filePath);
    try {
      db.pragma('journal_mode = WAL');
      // Wait for another connection's write lock instead of failing at once with SQLITE_BUSY.
      db.pragma('busy_timeout = 5000');
      // The contact tier's answers reference their connection (cascade on delete).
      db.pragma('foreign_keys = ON');
      migrate(db);
      return new SqliteConnectionStore(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async get(tenantId: string): Promise<ConnectionRecord | null> {
    const row = this.selectStmt.get(tenantId);
    return row === undefined ? null : fromRow(row, CODEC);
  }

  async upsert(record: ConnectionRecord): Promise<void> {
    this.upsertStmt.run(Object.fromEntries(toColumns(record, CODEC)));
  }

  async delete(tenantId: string): Promise<boolean> {
    return this.deleteStmt.run(tenantId).changes > 0;
  }

  async update(tenantId: string, patch: ConnectionPatch, expected: Partial<ConnectionScope> = {}): Promise<boolean> {
    const columns = toColumns(patchWithTimestamp(patch), CODEC);
    const guards = toColumns(expected, CODEC);
    const assignments = columns.map(([column]) => `${column} = @${column}`).join(', ');
    const conditions = guards.map(([column]) => ` AND ${column} = @expected_${column}`).join('');
    const result = this.db.prepare(`UPDATE ${TABLE} SET ${assignments} WHERE tenant_id = @tenant_id${conditions}`).run({
      ...Object.fromEntries(columns),
      ...Object.fromEntries(guards.map(([column, value]) => [`expected_${column}`, value])),
      tenant_id: tenantId,
    });
    return result.changes > 0;
  }

  async listSealed(afterTenantId: string | null, limit: number): Promise<SealedCredentialsRow[]> {
    const rows = this.db
      .prepare<[string | null, string | null, number], { tenant_id: string; instance_url: string; sealed_credentials: string }>(
        `SELECT tenant_id, instance_url, sealed_credentials FROM ${TABLE}
         WHERE ? IS NULL OR tenant_id > ? ORDER BY tenant_id LIMIT ?`,
      )
      .all(afterTenantId, afterTenantId, limit);
    return rows.map((row) => ({ tenantId: row.tenant_id, instanceUrl: row.instance_url, sealedCredentials: row.sealed_credentials }));
  }

  async replaceSealed(tenantId: string, expected: string, next: string): Promise<boolean> {
    const result = this.db
      .prepare(`UPDATE ${TABLE} SET sealed_credentials = ? WHERE tenant_id = ? AND sealed_credentials = ?`)
      .run(next, tenantId, expected);
    return result.changes > 0;
  }

  async sealedKeySamples(): Promise<SealedKeySample[]> {
    // The key id is the text between the first and second dots; SQLite takes the bare columns of a MIN() group
    // from the row holding the minimum, so each group's sample is its first tenant.
    const rows = this.db
      .prepare<[], { key_id: string; row_count: number; tenant_id: string; instance_url: string; sealed_credentials: string }>(
        `SELECT key_id, COUNT(*) AS row_count, MIN(tenant_id) AS tenant_id, instance_url, sealed_credentials
         FROM (SELECT CASE WHEN instr(rest, '.') > 0 THEN substr(rest, 1, instr(rest, '.') - 1) ELSE rest END AS key_id,
                      tenant_id, instance_url, sealed_credentials
               FROM (SELECT CASE WHEN instr(sealed_credentials, '.') > 0 THEN substr(sealed_credentials, instr(sealed_credentials, '.') + 1) ELSE '' END AS rest, tenant_id, instance_url, sealed_credentials
                     FROM ${TABLE}))
         GROUP BY key_id ORDER BY key_id`,
      )
      .all();
    return rows.map((row) => ({
      keyId: row.key_id,
      rows: row.row_count,
      tenantId: row.tenant_id,
      instanceUrl: row.instance_url,
      sealedCredentials: row.sealed_credentials,
    }));
  }

  async ping(): Promise<void> {
    this.pingStmt.get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
