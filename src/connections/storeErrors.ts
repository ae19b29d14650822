/**
 * The connection store failing (the database unreachable, restarting, refusing connections, timing out): not
 * Salesforce's doing, and said so wherever it surfaces (GraphQL's STORE_UNAVAILABLE, logs). The driver's error stays
 * as the cause, for the logs only: it can name hosts and users.
 */
import type { Pool, QueryResult, QueryResultRow } from 'pg';

export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';

  constructor(cause: unknown) {
    super(`The connection store could not be reached or did not answer: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** SQLSTATE class 23: the database answered, and refused what was asked (a foreign key, a unique key). */
function isIntegrityViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('23');
}

/** A query on the pool whose failure to answer is reported as StoreUnavailableError (a refusal stays as it is). */
export function queryStore<R extends QueryResultRow = QueryResultRow>(pool: Pool, text: string, values?: unknown[]): Promise<QueryResult<R>> {
  return pool.query<R>(text, values).catch((error: unknown) => {
    throw isIntegrityViolation(error) ? error : new StoreUnavailableError(error);
  });
}
