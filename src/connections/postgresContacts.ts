/**
 * The shared contact tier in PostgreSQL (see storedContacts.ts): what every replica on the database shares. The
 * table and the rules that tie each answer to its connection are created by postgresStore.ts's migrations.
 */
import type { Pool, PoolClient } from 'pg';
import { isUnavailability, queryStore, StoreUnavailableError } from './storeErrors';
import { type AnswerScope, decodeContacts, encodeContacts, REFRESH_CLAIM_MS, type StoredAnswer, type StoredContacts } from './storedContacts';

/** foreign_key_violation: the answer's connection was deleted or its credentials replaced meanwhile. */
const FOREIGN_KEY_VIOLATION = '23503';

interface AnswerRow {
  email: string;
  contacts: unknown;
  fetched_at: Date;
}

export class PostgresStoredContacts implements StoredContacts {
  constructor(
    private readonly pool: Pool,
    /** Qualified and quoted as needed. */
    private readonly table: string,
  ) {}

  async read(scope: AnswerScope, emails: readonly string[], since: Date): Promise<Map<string, StoredAnswer>> {
    const found = new Map<string, StoredAnswer>();
    if (emails.length === 0) return found;
    const { rows } = await queryStore<AnswerRow>(this.pool,
      `SELECT email, contacts, fetched_at FROM ${this.table} WHERE scope = $1 AND email = ANY($2::text[]) AND fetched_at >= $3`,
      [scope.scope, emails, since],
    );
    for (const row of rows) {
      const contacts = decodeContacts(row.contacts);
      if (contacts !== null) found.set(row.email, { contacts, fetchedAt: row.fetched_at });
    }
    return found;
  }

  async write(scope: AnswerScope, answers: ReadonlyMap<string, StoredAnswer>): Promise<boolean> {
    if (answers.size === 0) return true;
    const emails: string[] = [];
    const contacts: string[] = [];
    const fetchedAt: Date[] = [];
    for (const [email, answer] of answers) {
      emails.push(email);
      contacts.push(encodeContacts(answer.contacts));
      fetchedAt.push(answer.fetchedAt);
    }
    try {
      await queryStore(this.pool,
        `INSERT INTO ${this.table} AS kept (scope, email, tenant_id, credentials_id, contacts, fetched_at)
         SELECT $1, email, $2, $3, contacts::jsonb, fetched_at
         FROM unnest($4::text[], $5::text[], $6::timestamptz[]) AS answer(email, contacts, fetched_at)
         ON CONFLICT (scope, email) DO UPDATE SET contacts = EXCLUDED.contacts, fetched_at = EXCLUDED.fetched_at, refreshing_until = NULL
         WHERE kept.fetched_at < EXCLUDED.fetched_at`,
        [scope.scope, scope.tenantId, scope.credentialsId, emails, contacts, fetchedAt],
      );
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) return false;
      throw error;
    }
  }

  async forget(scope: AnswerScope): Promise<void> {
    await queryStore(this.pool, `DELETE FROM ${this.table} WHERE scope = $1`, [scope.scope]);
  }

  async claimRefresh(scope: AnswerScope, emails: readonly string[], staleBefore: Date): Promise<string[]> {
    if (emails.length === 0) return [];
    const now = new Date();
    const { rows } = await queryStore<{ email: string }>(this.pool,
      `WITH claimed AS (
         UPDATE ${this.table} SET refreshing_until = $4
         WHERE scope = $1 AND email = ANY($2::text[]) AND fetched_at < $3 AND (refreshing_until IS NULL OR refreshing_until < $5)
         RETURNING email
       ), kept AS (
         SELECT email FROM ${this.table} WHERE scope = $1 AND email = ANY($2::text[])
       )
       SELECT email FROM claimed
       UNION ALL
       SELECT wanted FROM unnest($2::text[]) AS wanted WHERE wanted NOT IN (SELECT email FROM kept)`,
      [scope.scope, emails, staleBefore, new Date(now.getTime() + REFRESH_CLAIM_MS), now],
    );
    return rows.map((row) => row.email);
  }

  /**
   * One replica at a time (a transaction-scoped advisory lock on the table's name; the others skip this round), so
   * the cost does not grow with the number of replicas and two sweeps never deadlock each other.
   */
  async sweep(before: Date, maxPerTenant: number): Promise<number> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw new StoreUnavailableError(error);
    });
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ mine: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS mine', [this.table]);
      const swept = rows[0]?.mine === true ? await this.sweepLocked(client, before, maxPerTenant) : 0;
      await client.query('COMMIT');
      return swept;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw isUnavailability(error) ? new StoreUnavailableError(error) : error;
    } finally {
      client.release();
    }
  }

  private async sweepLocked(client: PoolClient, before: Date, maxPerTenant: number): Promise<number> {
    const old = await client.query(`DELETE FROM ${this.table} WHERE fetched_at < $1`, [before]);
    // Only tenants over the bound are ranked, so a sweep of a table within bounds costs one aggregate.
    const over = await client.query(
      `DELETE FROM ${this.table} AS kept USING (
         SELECT scope, email FROM (
           SELECT scope, email, row_number() OVER (PARTITION BY tenant_id ORDER BY fetched_at DESC) AS rank
           FROM ${this.table}
           WHERE tenant_id IN (SELECT tenant_id FROM ${this.table} GROUP BY tenant_id HAVING count(*) > $1)
         ) ranked WHERE rank > $1
       ) AS extra
       WHERE kept.scope = extra.scope AND kept.email = extra.email`,
      [maxPerTenant],
    );
    return (old.rowCount ?? 0) + (over.rowCount ?? 0);
  }
}
