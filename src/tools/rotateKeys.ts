/**
 * `npm run rotate-keys` (or `node dist/tools/rotateKeys.js` where only the build is installed): re-seals every
 * stored secret that is not sealed under the current ENCRYPTION_KEY, so that the keys in ENCRYPTION_KEY_PREVIOUS
 * can then be dropped. Reads the environment the service reads (DATABASE_URL, or DATA_DIR for SQLite;
 * ENCRYPTION_KEY; ENCRYPTION_KEY_PREVIOUS).
 *
 * Safe while replicas serve: rows go in batches by tenant id, and each is replaced only if it still holds the
 * value read (compare-and-set), so a tenant reconnecting meanwhile keeps its new credentials. Only the sealed
 * value changes: credentials_id (which token caches key on) stays, so no tenant is disconnected or needs a new
 * token. Prints one summary line; exits 1 if any row could not be read, 78 on a configuration error.
 */
import pino from 'pino';
import { ConfigError, loadStoreConfig } from '../config';
import { credentialsAad } from '../connections/credentials';
import { resolveKeyring } from '../connections/encryptionKey';
import { openConnectionStore } from '../connections/openStore';
import { SecretBox, sealedKeyId } from '../connections/secretBox';
import type { ConnectionStore } from '../connections/types';
import { createLogger } from '../logger';

export const DEFAULT_BATCH_SIZE = 100;

export interface RotationSummary {
  /** The key everything is now sealed under. */
  currentKeyId: string;
  resealed: number;
  alreadyCurrent: number;
  /** Tenants whose secret none of the keys opens (never the secret itself). */
  unreadable: string[];
  /** Rows that changed (a reconnect, a disconnect) between reading and re-sealing: left as they now are. */
  skippedConcurrent: number;
}

/** Re-seals, batch by batch, every row whose secret is not under `box`'s current key. */
export async function rotateKeys(
  store: Pick<ConnectionStore, 'listSealed' | 'replaceSealed'>,
  box: SecretBox,
  options: { batchSize?: number } = {},
): Promise<RotationSummary> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const summary: RotationSummary = { currentKeyId: box.currentKeyId, resealed: 0, alreadyCurrent: 0, unreadable: [], skippedConcurrent: 0 };
  let after: string | null = null;
  for (;;) {
    const rows = await store.listSealed(after, batchSize);
    for (const row of rows) {
      if (sealedKeyId(row.sealedCredentials) === box.currentKeyId) {
        summary.alreadyCurrent += 1;
        continue;
      }
      const aad = credentialsAad(row.tenantId, row.instanceUrl);
      let next: string;
      try {
        next = box.seal(box.open(row.sealedCredentials, aad), aad);
      } catch {
        summary.unreadable.push(row.tenantId);
        continue;
      }
      if (await store.replaceSealed(row.tenantId, row.sealedCredentials, next)) summary.resealed += 1;
      else summary.skippedConcurrent += 1;
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < batchSize) return summary;
    after = last.tenantId;
  }
}

export function summaryLine(summary: RotationSummary): string {
  const unreadable = summary.unreadable.length > 0 ? `; unreadable tenant ids: ${JSON.stringify(summary.unreadable)}` : '';
  return (
    `rotate-keys: ${summary.resealed} re-sealed under key ${summary.currentKeyId}, ${summary.alreadyCurrent} already current, ` +
    `${summary.unreadable.length} unreadable, ${summary.skippedConcurrent} skipped (changed concurrently)${unreadable}`
  );
}

async function main(): Promise<number> {
  let config;
  try {
    config = loadStoreConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 78;
    }
    throw error;
  }
  if (config.encryptionKey === undefined) {
    // Never the generated development key: re-sealing every tenant under a key only this shell knows would make
    // the secrets unreadable for every replica.
    process.stderr.write('rotate-keys: set ENCRYPTION_KEY to the key to re-seal under (and ENCRYPTION_KEY_PREVIOUS to the old ones)\n');
    return 78;
  }
  // Logs go to stderr; stdout carries only the summary.
  const logger = createLogger(process.env.LOG_LEVEL?.trim() || 'warn', pino.destination({ dest: 2, sync: true }));
  const box = new SecretBox(resolveKeyring(config, logger));
  const store = await openConnectionStore(config.databaseUrl, config.dataDir);
  let summary: RotationSummary;
  try {
    summary = await rotateKeys(store, box);
  } finally {
    await store.close();
  }
  process.stdout.write(`${summaryLine(summary)}\n`);
  return summary.unreadable.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`rotate-keys failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
