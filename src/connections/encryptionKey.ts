/**
 * The key that seals stored secrets. In production it must come from ENCRYPTION_KEY; in development, when unset,
 * one is generated on first start and kept beside the embedded database so restarts can still open old secrets.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';
import { type EncryptionKey, encryptionKeyFromBase64, generateEncryptionKey } from './secretBox';

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
