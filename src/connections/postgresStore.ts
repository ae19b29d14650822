import { Pool } from 'pg';
import {
  parseConnectionStatus,
  parseContactFields,
  type ConnectionRecord,
  type ConnectionStatusUpdate,
  type ConnectionStore,
} from './types';

/** Arbitrary constant shared by every instance of this service: serializes schema creation across processes. */
const SCHEMA_LOCK_KEY = 0x67656e66696e; // 'genfin'

interface Row {
  tenant_id: string;
  instance_url: string;
  api_version: string;
  consumer_key_hint: string;
  sealed_credentials: string;
  credentials_id: string;
  contact_fields: unknown;
  status: string;
  last_error: string | null;
  connected_at: Date;
  last_validated_at: Date | null;
  updated_at: Date;
}

const COLUMNS =
  'tenant_id, instance_url, api_version, consumer_key_hint, sealed_credentials, credentials_id, ' +
  'contact_fields, status, last_error, connected_at, last_validated_at, updated_at';

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
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
    connectedAt: row.connected_at,
    lastValidatedAt: row.last_validated_at,
    updatedAt: row.updated_at,
  };
}

export class PostgresConnectionStore implements ConnectionStore {
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    /** Schema-qualified (or search_path-resolved) table name, already quoted. */
    private readonly table: string,
  ) {}

  static async connect(connectionString: string, options: { schema?: string } = {}): Promise<PostgresConnectionStore> {
    const pool = new Pool({ connectionString });
    // Without a listener, an idle client losing its connection would crash the process. The pool already
    // discards that client, and the next query surfaces the problem to its caller.
    pool.on('error', () => {});

    const schema = options.schema === undefined ? null : quoteIdentifier(options.schema);
    const table = schema === null ? 'salesforce_connections' : `${schema}.salesforce_connections`;
    try {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // CREATE ... IF NOT EXISTS is not race-free: two instances starting together can both try to create.
        await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
        if (schema !== null) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await client.query(`
          CREATE TABLE IF NOT EXISTS ${table} (
            tenant_id          text PRIMARY KEY,
            instance_url       text NOT NULL,
            api_version        text NOT NULL,
            consumer_key_hint  text NOT NULL,
            sealed_credentials text NOT NULL,
            credentials_id     text NOT NULL,
            contact_fields     jsonb NOT NULL,
            status             text NOT NULL CHECK (status IN ('CONNECTED', 'ERROR')),
            last_error         text,
            connected_at       timestamptz NOT NULL,
            last_validated_at  timestamptz,
            updated_at         timestamptz NOT NULL
          )
        `);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresConnectionStore(pool, table);
  }

  async get(tenantId: string): Promise<ConnectionRecord | null> {
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${this.table} WHERE tenant_id = $1`, [tenantId]);
    const row = rows[0];
    return row === undefined ? null : fromRow(row);
  }

  async upsert(record: ConnectionRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.table} (${COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12)
       ON CONFLICT (tenant_id) DO UPDATE SET
         instance_url = EXCLUDED.instance_url,
         api_version = EXCLUDED.api_version,
         consumer_key_hint = EXCLUDED.consumer_key_hint,
         sealed_credentials = EXCLUDED.sealed_credentials,
         credentials_id = EXCLUDED.credentials_id,
         contact_fields = EXCLUDED.contact_fields,
         status = EXCLUDED.status,
         last_error = EXCLUDED.last_error,
         connected_at = EXCLUDED.connected_at,
         last_validated_at = EXCLUDED.last_validated_at,
         updated_at = EXCLUDED.updated_at`,
      [
        record.tenantId,
        record.instanceUrl,
        record.apiVersion,
        record.consumerKeyHint,
        record.sealedCredentials,
        record.credentialsId,
        // Stringified explicitly: pg would otherwise send a JS array as a Postgres array literal.
        JSON.stringify(record.contactFields),
        record.status,
        record.lastError,
        record.connectedAt,
        record.lastValidatedAt,
        record.updatedAt,
      ],
    );
  }

  async delete(tenantId: string): Promise<boolean> {
    const result = await this.pool.query(`DELETE FROM ${this.table} WHERE tenant_id = $1`, [tenantId]);
    return (result.rowCount ?? 0) > 0;
  }

  async updateStatus(tenantId: string, update: ConnectionStatusUpdate): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.table}
       SET status = $2,
           last_error = $3,
           last_validated_at = COALESCE($4::timestamptz, last_validated_at),
           updated_at = $5
       WHERE tenant_id = $1`,
      [tenantId, update.status, update.lastError, update.lastValidatedAt ?? null, new Date()],
    );
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    // pool.end() throws if called twice.
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
