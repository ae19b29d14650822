/**
 * The shared contact tier in the embedded SQLite store (see storedContacts.ts): one process's, kept across its
 * restarts. The table and the rules that tie each answer to its connection are created by sqliteStore.ts's
 * migrations; foreign keys are on for the store's connection.
 */
import type Database from 'better-sqlite3';
import { TABLE } from './rows';
import { ANSWERS_TABLE, type AnswerScope, decodeContacts, encodeContacts, REFRESH_CLAIM_MS, type StoredAnswer, type StoredContacts } from './storedContacts';

interface AnswerRow {
  email: string;
  contacts: string;
  fetched_at: string;
}

export class SqliteStoredContacts implements StoredContacts {
  private readonly readStmt: Database.Statement<[string, string, string], AnswerRow>;
  private readonly writeStmt: Database.Statement<Record<string, unknown>>;
  private readonly connectedStmt: Database.Statement<[string, string], { found: number }>;
  private readonly sweepOldStmt: Database.Statement<[string]>;
  private readonly forgetStmt: Database.Statement<[string]>;
  private readonly claim: (scope: string, emails: string, staleBefore: string, until: string, now: string) => string[];
  private readonly sweepOverStmt: Database.Statement<[number, number]>;

  constructor(db: Database.Database) {
    this.readStmt = db.prepare(
      `SELECT email, contacts, fetched_at FROM ${ANSWERS_TABLE}
       WHERE scope = ? AND email IN (SELECT value FROM json_each(?)) AND fetched_at >= ?`,
    );
    // `WHERE true` keeps SQLite from reading ON CONFLICT as part of the SELECT's join.
    this.writeStmt = db.prepare(
      `INSERT INTO ${ANSWERS_TABLE} AS kept (scope, email, tenant_id, credentials_id, contacts, fetched_at)
       SELECT @scope, json_extract(value, '$[0]'), @tenant_id, @credentials_id, json_extract(value, '$[1]'), json_extract(value, '$[2]')
       FROM json_each(@answers) WHERE true
       ON CONFLICT (scope, email) DO UPDATE SET contacts = excluded.contacts, fetched_at = excluded.fetched_at, refreshing_until = NULL
       WHERE kept.fetched_at < excluded.fetched_at`,
    );
    const keptStmt = db.prepare<[string, string], { email: string }>(
      `SELECT email FROM ${ANSWERS_TABLE} WHERE scope = ? AND email IN (SELECT value FROM json_each(?))`,
    );
    const claimStmt = db.prepare<[string, string, string, string, string], { email: string }>(
      `UPDATE ${ANSWERS_TABLE} SET refreshing_until = ?
       WHERE scope = ? AND email IN (SELECT value FROM json_each(?)) AND fetched_at < ? AND (refreshing_until IS NULL OR refreshing_until < ?)
       RETURNING email`,
    );
    // One transaction: what is kept and what is claimed are read together.
    this.claim = db.transaction((scope: string, emails: string, staleBefore: string, until: string, now: string) => {
      const kept = new Set(keptStmt.all(scope, emails).map((row) => row.email));
      const claimed = claimStmt.all(until, scope, emails, staleBefore, now).map((row) => row.email);
      return [...claimed, ...(JSON.parse(emails) as string[]).filter((email) => !kept.has(email))];
    });
    this.connectedStmt = db.prepare(`SELECT count(*) AS found FROM ${TABLE} WHERE tenant_id = ? AND credentials_id = ?`);
    this.sweepOldStmt = db.prepare(`DELETE FROM ${ANSWERS_TABLE} WHERE fetched_at < ?`);
    this.forgetStmt = db.prepare(`DELETE FROM ${ANSWERS_TABLE} WHERE scope = ?`);
    this.sweepOverStmt = db.prepare(
      `DELETE FROM ${ANSWERS_TABLE} WHERE rowid IN (
         SELECT rowid FROM (
           SELECT rowid, row_number() OVER (PARTITION BY tenant_id ORDER BY fetched_at DESC) AS rank
           FROM ${ANSWERS_TABLE}
           WHERE tenant_id IN (SELECT tenant_id FROM ${ANSWERS_TABLE} GROUP BY tenant_id HAVING count(*) > ?)
         ) WHERE rank > ?
       )`,
    );
  }

  async read(scope: AnswerScope, emails: readonly string[], since: Date): Promise<Map<string, StoredAnswer>> {
    const found = new Map<string, StoredAnswer>();
    if (emails.length === 0) return found;
    for (const row of this.readStmt.all(scope.scope, JSON.stringify(emails), since.toISOString())) {
      const contacts = decodeContacts(row.contacts);
      if (contacts !== null) found.set(row.email, { contacts, fetchedAt: new Date(row.fetched_at) });
    }
    return found;
  }

  async write(scope: AnswerScope, answers: ReadonlyMap<string, StoredAnswer>): Promise<boolean> {
    if (answers.size === 0) return true;
    // One process writes this file, synchronously: the check and the insert cannot be split by a change (and the
    // foreign key would refuse the insert anyway).
    if (this.connectedStmt.get(scope.tenantId, scope.credentialsId)?.found !== 1) return false;
    const rows = [...answers].map(([email, answer]) => [email, encodeContacts(answer.contacts), answer.fetchedAt.toISOString()]);
    this.writeStmt.run({ scope: scope.scope, tenant_id: scope.tenantId, credentials_id: scope.credentialsId, answers: JSON.stringify(rows) });
    return true;
  }

  async forget(scope: AnswerScope): Promise<void> {
    this.forgetStmt.run(scope.scope);
  }

  async claimRefresh(scope: AnswerScope, emails: readonly string[], staleBefore: Date): Promise<string[]> {
    if (emails.length === 0) return [];
    const now = Date.now();
    return this.claim(scope.scope, JSON.stringify(emails), staleBefore.toISOString(), new Date(now + REFRESH_CLAIM_MS).toISOString(), new Date(now).toISOString());
  }

  async sweep(before: Date, maxPerTenant: number): Promise<number> {
    const old = this.sweepOldStmt.run(before.toISOString()).changes;
    return old + this.sweepOverStmt.run(maxPerTenant, maxPerTenant).changes;
  }
}
