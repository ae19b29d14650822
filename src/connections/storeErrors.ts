/**
 * The connection store failing to answer (the database unreachable, restarting, refusing or dropping connections,
 * timing out): not Salesforce's doing, and said so wherever it surfaces (GraphQL's STORE_UNAVAILABLE, logs). Only
 * such failures: a query the database answered with an error of another kind (a bug of ours, bad data) stays as it
 * is, an internal error. The driver's error is kept as the cause; GraphQL never shows it (it can name hosts).
 */
import type { Pool, QueryResult, QueryResultRow } from 'pg';

export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';

  constructor(cause: unknown) {
    super(`The connection store could not be reached or did not answer: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Whether a driver error means the database did not answer: a network error (Node's E… codes), the driver's own
 * timeouts and lost connections (no code), or a SQLSTATE of class 08 (connection exception), 57P01–57P03 (the
 * server shutting down or not yet accepting), 53300 (too many connections).
 */
export function isUnavailability(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === undefined || code === null) return error instanceof Error;
  if (typeof code !== 'string') return false;
  if (/^E[A-Z]+$/.test(code)) return true;
  return code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code);
}

/** A query on the pool whose failure to be answered is reported as StoreUnavailableError (any other error as it is). */
export function queryStore<R extends QueryResultRow = QueryResultRow>(pool: Pool, text: string, values?: unknown[]): Promise<QueryResult<R>> {
  return pool.query<R>(text, values).catch((error: unknown) => {
    throw isUnavailability(error) ? new StoreUnavailableError(error) : error;
  });
}
