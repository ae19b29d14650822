import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** AES-256-GCM envelope encryption for secrets at rest. */

export interface EncryptionKey {
  id: string;
  /** 32 bytes */
  key: Buffer;
}

export interface Keyring {
  /** key used to seal */
  current: EncryptionKey;
  /** all keys that may open (incl. current) */
  all: EncryptionKey[];
}

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

const BASE64 = /^(?:[A-Za-z0-9+/]*={0,2}|[A-Za-z0-9_-]*)$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The id is derived from the key itself, so rotating only means adding a key: nothing to keep in sync. */
function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function encryptionKeyFromBase64(b64: string): EncryptionKey {
  const text = b64.trim();
  // Buffer.from silently skips invalid characters, so validate first: a typo must not become a different key.
  if (text.length === 0 || !BASE64.test(text)) {
    throw new Error('ENCRYPTION_KEY must be base64 of 32 bytes, got a value that is not base64');
  }
  const key = Buffer.from(text, 'base64'); // Node's base64 decoder also accepts the url-safe alphabet
  if (key.length !== KEY_BYTES) {
    throw new Error(`ENCRYPTION_KEY must be base64 of ${KEY_BYTES} bytes, got ${key.length} bytes`);
  }
  return { id: keyId(key), key };
}

/** base64 of 32 random bytes, suitable for ENCRYPTION_KEY. */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** Decodes base64url, rejecting anything that does not re-encode identically (stray characters, non-zero pad bits). */
function decodePart(part: string, name: string): Buffer {
  const bytes = BASE64URL.test(part) ? Buffer.from(part, 'base64url') : null;
  if (bytes === null || bytes.toString('base64url') !== part) {
    throw new Error(`sealed secret is malformed: ${name} is not canonical base64url`);
  }
  return bytes;
}

/** The id of the key a sealed secret names (its second part), or null when it does not look sealed by us. */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === VERSION ? (parts[1] as string) : null;
}

export class SecretBox {
  private readonly current: EncryptionKey;
  private readonly keys = new Map<string, Buffer>();

  constructor(keyring: Keyring) {
    for (const k of [keyring.current, ...keyring.all]) {
      if (k.key.length !== KEY_BYTES) {
        throw new Error(`encryption key ${k.id} must be ${KEY_BYTES} bytes, got ${k.key.length} bytes`);
      }
      if (k.id !== keyId(k.key)) {
        throw new Error(`encryption key id ${k.id} does not match its key`);
      }
      this.keys.set(k.id, k.key);
    }
    this.current = keyring.current;
  }

  /** The id of the key `seal` uses. */
  get currentKeyId(): string {
    return this.current.id;
  }

  /** Whether a secret sealed under this key id could be opened (the id alone says nothing of its integrity). */
  hasKey(id: string): boolean {
    return this.keys.has(id);
  }

  /** `aad` (the tenant id) is authenticated but not stored, so a ciphertext copied to another tenant will not open. */
  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.current.id, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  open(sealed: string, aad: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5) {
      throw new Error(`sealed secret is malformed: expected 5 dot-separated parts, got ${parts.length}`);
    }
    const [version, id, ivPart, tagPart, ciphertextPart] = parts as [string, string, string, string, string];
    if (version !== VERSION) {
      throw new Error(`sealed secret has unsupported version '${version.slice(0, 8)}'`);
    }
    const key = this.keys.get(id);
    if (key === undefined) {
      throw new Error(`sealed secret uses unknown encryption key id '${id.slice(0, 32)}' (is an old key missing from the keyring?)`);
    }
    const iv = decodePart(ivPart, 'iv');
    const tag = decodePart(tagPart, 'tag');
    const ciphertext = decodePart(ciphertextPart, 'ciphertext');
    if (iv.length !== IV_BYTES) throw new Error(`sealed secret is malformed: iv must be ${IV_BYTES} bytes, got ${iv.length}`);
    // GCM would otherwise accept a truncated tag, which weakens authentication.
    if (tag.length !== TAG_BYTES) throw new Error(`sealed secret is malformed: tag must be ${TAG_BYTES} bytes, got ${tag.length}`);

    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    const plaintext = decipher.update(ciphertext);
    try {
      return Buffer.concat([plaintext, decipher.final()]).toString('utf8');
    } catch {
      throw new Error('sealed secret failed authentication: data was tampered with or belongs to another tenant');
    } finally {
      plaintext.fill(0);
    }
  }
}
