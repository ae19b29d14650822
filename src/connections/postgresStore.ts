import { Pool } from 'pg';
import { COLUMNS, fromRow, patchWithTimestamp, type Row, type RowCodec, TABLE, toColumns } from './rows';
import type { ConnectionPatch, ConnectionRecord, ConnectionStore } from './types';

/** Arbitrary constant shared by every instance of this service: serializes schema creation across processes. */
const SCHEMA_LOCK_KEY = 0x67656e66696e; // 'genfin'

/** pg hands back timestamptz as Date already. */
const CODEC: RowCodec = {
  encodeDate: (date) => date,
  decodeDate: (value) => (value instanceof Date ? value : new Date(String(value))),
};

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
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
    const table = schema === null ? TABLE : `${schema}.${TABLE}`;
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
        await client.query(`
          ALTER TABLE ${table}
            ADD COLUMN IF NOT EXISTS org_id text,
            ADD COLUMN IF NOT EXISTS custom_fields jsonb NOT NULL DEFAULT '[]',
            ADD COLUMN IF NOT EXISTS unavailable_fields jsonb NOT NULL DEFAULT '[]'
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
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS.join(', ')} FROM ${this.table} WHERE tenant_id = $1`, [tenantId]);
    const row = rows[0];
    return row === undefined ? null : fromRow(row, CODEC);
  }

  async upsert(record: ConnectionRecord): Promise<void> {
    const columns = toColumns(record, CODEC);
    const names = columns.map(([column]) => column);
    await this.pool.query(
      `INSERT INTO ${this.table} (${names.join(', ')})
       VALUES (${names.map((_c, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (tenant_id) DO UPDATE SET
         ${names.filter((c) => c !== 'tenant_id').map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`,
      columns.map(([, value]) => value),
    );
  }

  async delete(tenantId: string): Promise<boolean> {
    const result = await this.pool.query(`DELETE FROM ${this.table} WHERE tenant_id = $1`, [tenantId]);
    return (result.rowCount ?? 0) > 0;
  }

  async update(tenantId: string, patch: ConnectionPatch, credentialsId?: string): Promise<void> {
    const keys = credentialsId === undefined ? [tenantId] : [tenantId, credentialsId];
    const guard = credentialsId === undefined ? '' : ' AND credentials_id = $2';
    const columns = toColumns(patchWithTimestamp(patch), CODEC);
    const assignments = columns.map(([column], i) => `${column} = $${keys.length + i + 1}`).join(', ');
    await this.pool.query(`UPDATE ${this.table} SET ${assignments} WHERE tenant_id = $1${guard}`, [...keys, ...columns.map(([, value]) => value)]);
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
