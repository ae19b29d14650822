import { join } from 'node:path';
import { PostgresConnectionStore } from './postgresStore';
import { SqliteConnectionStore } from './sqliteStore';
import type { ConnectionStore } from './types';

export const SQLITE_FILE_NAME = 'genfin-salesforce.sqlite';

/** Replaces everything up to the last '@' so a password (even one with unescaped '/' or '@') is never echoed. */
function redactUserinfo(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?.*@/s, '$1***@');
}

/** DATABASE_URL unset → SQLite file in `dataDir`; postgres:// or postgresql:// → PostgreSQL. */
export async function openConnectionStore(
  databaseUrl: string | undefined,
  dataDir: string,
  options: { poolSize?: number } = {},
): Promise<ConnectionStore> {
  if (databaseUrl === undefined) {
    return SqliteConnectionStore.open(join(dataDir, SQLITE_FILE_NAME));
  }
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    return PostgresConnectionStore.connect(databaseUrl, options);
  }
  const shown = databaseUrl.trim() === '' ? 'an empty string' : `'${redactUserinfo(databaseUrl)}'`;
  throw new Error(
    `DATABASE_URL must be unset (to use SQLite in ${dataDir}) or a postgres:// or postgresql:// URL, got ${shown}`,
  );
}
