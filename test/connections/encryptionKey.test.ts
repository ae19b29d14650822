import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { credentialsAad } from '../../src/connections/credentials';
import { checkStoredSecrets, DEV_KEY_FILE_NAME, resolveKeyring, StoredSecretsUnreadableError } from '../../src/connections/encryptionKey';
import { encryptionKeyFromBase64, generateEncryptionKey, type Keyring, SecretBox, sealedKeyId } from '../../src/connections/secretBox';
import type { SealedKeySample } from '../../src/connections/types';
import { createLogger } from '../../src/logger';

const KEY_A = generateEncryptionKey();
const KEY_B = generateEncryptionKey();
const KEY_C = generateEncryptionKey();
const SECRET = JSON.stringify({ consumerKey: 'k', consumerSecret: 's' });

function capture(): { logger: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void out.push(line) });
  return { logger, lines: () => out.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

function keyring(current: string, previous: string[] = []): Keyring {
  return resolveKeyring({ encryptionKey: current, previousEncryptionKeys: previous, dataDir: '/nonexistent' }, capture().logger);
}

function sample(tenantId: string, sealedWith: string, rows = 1): SealedKeySample {
  const instanceUrl = 'https://acme.my.salesforce.com';
  const sealedCredentials = new SecretBox(keyring(sealedWith)).seal(SECRET, credentialsAad(tenantId, instanceUrl));
  return { keyId: sealedKeyId(sealedCredentials)!, rows, tenantId, instanceUrl, sealedCredentials };
}

describe('resolveKeyring', () => {
  it('seals with ENCRYPTION_KEY and opens secrets sealed with a key of ENCRYPTION_KEY_PREVIOUS', () => {
    const aad = credentialsAad('t1', 'https://acme.my.salesforce.com');
    const old = new SecretBox(keyring(KEY_A)).seal(SECRET, aad);
    const ring = keyring(KEY_B, [KEY_A, KEY_B]);
    expect(ring.current.id).toBe(encryptionKeyFromBase64(KEY_B).id);
    expect(ring.all.map((k) => k.id)).toEqual([encryptionKeyFromBase64(KEY_B).id, encryptionKeyFromBase64(KEY_A).id]);
    const box = new SecretBox(ring);
    expect(box.open(old, aad)).toBe(SECRET);
    const resealed = box.seal(box.open(old, aad), aad);
    expect(sealedKeyId(resealed)).toBe(encryptionKeyFromBase64(KEY_B).id);
    // The new key alone opens the re-sealed secret, not the old one.
    const newOnly = new SecretBox(keyring(KEY_B));
    expect(newOnly.open(resealed, aad)).toBe(SECRET);
    expect(() => newOnly.open(old, aad)).toThrow(/unknown encryption key id/);
  });

  it('keeps the development fallback: a generated key file in DATA_DIR when ENCRYPTION_KEY is unset', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genfin-keyring-'));
    try {
      const first = resolveKeyring({ encryptionKey: undefined, previousEncryptionKeys: [KEY_A], dataDir }, capture().logger);
      const again = resolveKeyring({ encryptionKey: undefined, previousEncryptionKeys: [], dataDir }, capture().logger);
      expect(fs.existsSync(path.join(dataDir, DEV_KEY_FILE_NAME))).toBe(true);
      expect(again.current.id).toBe(first.current.id);
      expect(first.all).toHaveLength(2);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('checkStoredSecrets', () => {
  const storeOf = (samples: SealedKeySample[]) => ({ sealedKeySamples: async () => samples });

  it('starts when there are no stored secrets', async () => {
    await expect(checkStoredSecrets(storeOf([]), keyring(KEY_B), capture().logger)).resolves.toBeUndefined();
  });

  it('starts when a stored secret opens with the current or a previous key', async () => {
    const { logger, lines } = capture();
    await checkStoredSecrets(storeOf([sample('t1', KEY_A, 3), sample('t2', KEY_B)]), keyring(KEY_B, [KEY_A]), logger);
    expect(lines().filter((l) => l.level === 50)).toEqual([]);
  });

  it('refuses to start, naming ENCRYPTION_KEY, when only a retired key sealed what is stored', async () => {
    const error = await checkStoredSecrets(storeOf([sample('t1', KEY_A, 5)]), keyring(KEY_B), capture().logger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoredSecretsUnreadableError);
    const message = (error as Error).message;
    expect(message).toContain('ENCRYPTION_KEY');
    expect(message).toContain('ENCRYPTION_KEY_PREVIOUS');
    expect(message).toContain('None of the stored Salesforce credentials (5 rows) can be decrypted with ENCRYPTION_KEY');
    expect(message).toContain(encryptionKeyFromBase64(KEY_A).id);
    expect(message).not.toContain(KEY_A);
    expect(message).not.toContain(KEY_B);
    expect(message).not.toContain('\n');
  });

  it('starts but logs an error naming how many rows are unreadable when only some key ids are unknown', async () => {
    const { logger, lines } = capture();
    await checkStoredSecrets(storeOf([sample('t1', KEY_A, 4), sample('t2', KEY_B, 2), sample('t3', KEY_C, 1)]), keyring(KEY_B), logger);
    const errors = lines().filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ unreadableRows: 5 });
    expect(String(errors[0]!.msg)).toMatch(/^5 stored Salesforce credentials .*ENCRYPTION_KEY/);
  });

  it('does not blame the keys for a secret under a configured key that was changed behind our back', async () => {
    const { logger, lines } = capture();
    const tampered = { ...sample('t1', KEY_B), tenantId: 'someone-else' };
    await checkStoredSecrets(storeOf([tampered]), keyring(KEY_B), logger);
    expect(lines().filter((l) => l.level === 50)).toEqual([expect.objectContaining({ tenantId: 'someone-else' })]);
  });
});
