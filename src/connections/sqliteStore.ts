import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  parseConnectionStatus,
  parseContactFields,
  type ConnectionRecord,
  type ConnectionStatusUpdate,
  type ConnectionStore,
} from './types';

/** Bump together with a migration in `migrate` when the table changes. */
const SCHEMA_VERSION = 1;

interface Row {
  tenant_id: string;
  instance_url: string;
  api_version: string;
  consumer_key_hint: string;
  sealed_credentials: string;
  credentials_id: string;
  contact_fields: string;
  status: string;
  last_error: string | null;
  connected_at: string;
  last_validated_at: string | null;
  updated_at: string;
}

const COLUMNS =
  'tenant_id, instance_url, api_version, consumer_key_hint, sealed_credentials, credentials_id, ' +
  'contact_fields, status, last_error, connected_at, last_validated_at, updated_at';

function migrate(db: Database.Database): void {
  // IMMEDIATE takes the write lock up front, so two processes opening a fresh file don't both migrate.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `SQLite database ${db.name} has schema version ${version}, newer than this build supports (${SCHEMA_VERSION})`,
      );
    }
    if (version === SCHEMA_VERSION) return;
    db.exec(`
      CREATE TABLE IF NOT EXISTS salesforce_connections (
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
      ) STRICT
    `);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function fromRow(row: Row): ConnectionRecord {
  return {
    tenantId: row.tenant_id,
    instanceUrl: row.instance_url,
    apiVersion: row.api_version,
    consumerKeyHint: row.consumer_key_hint,
    sealedCredentials: row.sealed_credentials,
    credentialsId: row.credentials_id,
    contactFields: parseContactFields(row.contact_fields),
    status: parseConnectionStatus(row.status),
    lastError: row.last_error,
    connectedAt: new Date(row.connected_at),
    lastValidatedAt: row.last_validated_at === null ? null : new Date(row.last_validated_at),
    updatedAt: new Date(row.updated_at),
  };
}

export class SqliteConnectionStore implements ConnectionStore {
  private readonly selectStmt: Database.Statement<[string], Row>;
  private readonly upsertStmt: Database.Statement<Row>;
  private readonly deleteStmt: Database.Statement<[string]>;
  private readonly updateStatusStmt: Database.Statement<
    [{ tenant_id: string; status: string; last_error: string | null; last_validated_at: string | null; updated_at: string }]
  >;
  private readonly pingStmt: Database.Statement<[]>;

  private constructor(private readonly db: Database.Database) {
    this.selectStmt = db.prepare(`SELECT ${COLUMNS} FROM salesforce_connections WHERE tenant_id = ?`);
    this.upsertStmt = db.prepare(`
      INSERT INTO salesforce_connections (${COLUMNS})
      VALUES (@tenant_id, @instance_url, @api_version, @consumer_key_hint, @sealed_credentials, @credentials_id,
              @contact_fields, @status, @last_error, @connected_at, @last_validated_at, @updated_at)
      ON CONFLICT (tenant_id) DO UPDATE SET
        instance_url = excluded.instance_url,
        api_version = excluded.api_version,
        consumer_key_hint = excluded.consumer_key_hint,
        sealed_credentials = excluded.sealed_credentials,
        credentials_id = excluded.credentials_id,
        contact_fields = excluded.contact_fields,
        status = excluded.status,
        last_error = excluded.last_error,
        connected_at = excluded.connected_at,
        last_validated_at = excluded.last_validated_at,
        updated_at = excluded.updated_at
    `);
    this.deleteStmt = db.prepare('DELETE FROM salesforce_connections WHERE tenant_id = ?');
    this.updateStatusStmt = db.prepare(`
      UPDATE salesforce_connections
      SET status = @status,
          last_error = @last_error,
          last_validated_at = COALESCE(@last_validated_at, last_validated_at),
          updated_at = @updated_at
      WHERE tenant_id = @tenant_id
    `);
    this.pingStmt = db.prepare('SELECT 1');
  }

  static open(filePath: string): SqliteConnectionStore {
    mkdirSync(dirname(filePath), { recursive: true });
    const db = new Database(filePath);
    try {
      db.pragma('journal_mode = WAL');
      // Wait for another connection's write lock instead of failing at once with SQLITE_BUSY.
      db.pragma('busy_timeout = 5000');
      migrate(db);
      return new SqliteConnectionStore(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async get(tenantId: string): Promise<ConnectionRecord | null> {
    const row = this.selectStmt.get(tenantId);
    return row === undefined ? null : fromRow(row);
  }

  async upsert(record: ConnectionRecord): Promise<void> {
    this.upsertStmt.run({
      tenant_id: record.tenantId,
      instance_url: record.instanceUrl,
      api_version: record.apiVersion,
      consumer_key_hint: record.consumerKeyHint,
      sealed_credentials: record.sealedCredentials,
      credentials_id: record.credentialsId,
      contact_fields: JSON.stringify(record.contactFields),
      status: record.status,
      last_error: record.lastError,
      connected_at: record.connectedAt.toISOString(),
      last_validated_at: record.lastValidatedAt?.toISOString() ?? null,
      updated_at: record.updatedAt.toISOString(),
    });
  }

  async delete(tenantId: string): Promise<boolean> {
    return this.deleteStmt.run(tenantId).changes > 0;
  }

  async updateStatus(tenantId: string, update: ConnectionStatusUpdate): Promise<void> {
    this.updateStatusStmt.run({
      tenant_id: tenantId,
      status: update.status,
      last_error: update.lastError,
      last_validated_at: update.lastValidatedAt?.toISOString() ?? null,
      updated_at: new Date().toISOString(),
    });
  }

  async ping(): Promise<void> {
    this.pingStmt.get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
