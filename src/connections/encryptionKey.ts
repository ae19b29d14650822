/**
 * The keys that seal stored secrets. In production the current one must come from ENCRYPTION_KEY; in development,
 * when unset, one is generated on first start and kept beside the embedded database so restarts can still open old
 * secrets. Retired keys (ENCRYPTION_KEY_PREVIOUS) still open what they sealed until `npm run rotate-keys` re-seals it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { StoreConfig } from '../config';
import type { Logger } from '../logger';
import { credentialsAad } from './credentials';
import { type EncryptionKey, encryptionKeyFromBase64, generateEncryptionKey, type Keyring, SecretBox } from './secretBox';
import type { ConnectionStore, SealedKeySample } from './types';

export const DEV_KEY_FILE_NAME = 'encryption.key';

export function resolveEncryptionKey(configured: string | undefined, dataDir: string, logger: Logger): EncryptionKey {
  if (configured !== undefined) return encryptionKeyFromBase64(configured);
  const file = path.join(dataDir, DEV_KEY_FILE_NAME);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `${generateEncryptionKey()}\n`, { mode: 0o600, flag: 'wx' });
  }
  logger.warn(
    { file },
    'ENCRYPTION_KEY is not set: using a development key kept beside the embedded database. Set ENCRYPTION_KEY (base64 of 32 random bytes) for any real use; NODE_ENV=production requires it.',
  );
  return encryptionKeyFromBase64(fs.readFileSync(file, 'utf8'));
}

/** Seals with ENCRYPTION_KEY (or the development key); opens with it and every key of ENCRYPTION_KEY_PREVIOUS. */
export function resolveKeyring(config: Pick<StoreConfig, 'encryptionKey' | 'previousEncryptionKeys' | 'dataDir'>, logger: Logger): Keyring {
  const current = resolveEncryptionKey(config.encryptionKey, config.dataDir, logger);
  const all = new Map<string, EncryptionKey>([[current.id, current]]);
  for (const previous of config.previousEncryptionKeys) {
    const key = encryptionKeyFromBase64(previous);
    if (!all.has(key.id)) all.set(key.id, key);
  }
  return { current, all: [...all.values()] };
}

/** No stored secret can be opened with the configured keys: serving would fail every tenant. */
export class StoredSecretsUnreadableError extends Error {
  override readonly name = 'StoredSecretsUnreadableError';

  constructor(
    /** Rows whose key this process lacks. */
    readonly rows: number,
    /** The key ids they were sealed under (a digest of the key, not the key). */
    readonly sealedKeyIds: string[],
    keyring: Keyring,
  ) {
    const previous = keyring.all.filter((key) => key.id !== keyring.current.id).map((key) => key.id);
    super(
      `None of the stored Salesforce credentials (${rows} ${rows === 1 ? 'row' : 'rows'}) can be decrypted with ENCRYPTION_KEY (key id ${keyring.current.id})` +
        (previous.length > 0 ? ` or ENCRYPTION_KEY_PREVIOUS (key ids ${previous.join(', ')})` : ' (ENCRYPTION_KEY_PREVIOUS is empty)') +
        `: they were sealed under key id ${sealedKeyIds.join(', ')}. Set ENCRYPTION_KEY to the key they were sealed with, ` +
        'or add it to ENCRYPTION_KEY_PREVIOUS, and start again.',
    );
  }
}

/**
 * At start: try to open one stored secret per key id found in the store. Refuses (StoredSecretsUnreadableError)
 * when there are secrets and none of their key ids is ours; logs an error when only some are not. A secret under
 * one of our keys that still does not open was changed behind our back: logged, but it says nothing of the keys.
 */
export async function checkStoredSecrets(store: Pick<ConnectionStore, 'sealedKeySamples'>, keyring: Keyring, logger: Logger): Promise<void> {
  const samples = await store.sealedKeySamples();
  if (samples.length === 0) return;
  const box = new SecretBox(keyring);
  const unknown: SealedKeySample[] = [];
  let opened = 0;
  for (const sample of samples) {
    if (!box.hasKey(sample.keyId)) {
      unknown.push(sample);
      continue;
    }
    try {
      box.open(sample.sealedCredentials, credentialsAad(sample.tenantId, sample.instanceUrl));
      opened += 1;
    } catch (error) {
      logger.error(
        { tenantId: sample.tenantId, keyId: sample.keyId, reason: (error as Error).message },
        'Stored Salesforce credentials sealed under a configured key do not open; the row was changed outside this service, and the tenant must reconnect Salesforce',
      );
    }
  }
  const unreadable = unknown.reduce((sum, sample) => sum + sample.rows, 0);
  const keyIds = unknown.map((sample) => sample.keyId.slice(0, 32));
  if (unknown.length === samples.length) throw new StoredSecretsUnreadableError(unreadable, keyIds, keyring);
  if (unknown.length > 0) {
    logger.error(
      { unreadableRows: unreadable, keyIds, readableKeyGroups: opened },
      `${unreadable} stored Salesforce credentials were sealed under keys missing from ENCRYPTION_KEY and ENCRYPTION_KEY_PREVIOUS: their tenants' lookups fail with SALESFORCE_CREDENTIALS_UNREADABLE until the key is restored or they reconnect`,
    );
  }
}
