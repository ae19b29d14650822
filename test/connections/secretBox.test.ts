import { randomBytes } from 'node:crypto';
import { encryptionKeyFromBase64, generateEncryptionKey, SecretBox, type EncryptionKey } from '../../src/connections/secretBox';

const PLAINTEXT = JSON.stringify({ consumerKey: '3MVG9-key-plaintext', consumerSecret: 'TOP-SECRET-4242' });
const TENANT = 'tenant-a';

function boxWith(current: EncryptionKey, all: EncryptionKey[] = [current]): SecretBox {
  return new SecretBox({ current, all });
}

/** Runs `fn`, expecting it to throw, and returns the message. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

/** Flips one character of a base64url string to another valid character. */
function flip(part: string, index = 0): string {
  const c = part[index];
  return part.slice(0, index) + (c === 'A' ? 'B' : 'A') + part.slice(index + 1);
}

describe('encryptionKeyFromBase64', () => {
  it('accepts base64 of 32 bytes and derives a 16-hex-char id', () => {
    const key = encryptionKeyFromBase64(generateEncryptionKey());
    expect(key.key).toHaveLength(32);
    expect(key.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('derives the same id from the same key', () => {
    const b64 = generateEncryptionKey();
    expect(encryptionKeyFromBase64(b64).id).toBe(encryptionKeyFromBase64(b64).id);
    expect(encryptionKeyFromBase64(generateEncryptionKey()).id).not.toBe(encryptionKeyFromBase64(b64).id);
  });

  it.each([16, 31, 33, 64])('rejects %i bytes', (n) => {
    expect(() => encryptionKeyFromBase64(randomBytes(n).toString('base64'))).toThrow(
      `ENCRYPTION_KEY must be base64 of 32 bytes, got ${n} bytes`,
    );
  });

  it.each(['', '   ', 'not base64!!', 'a'.repeat(43) + '$'])('rejects non-base64 %j without echoing it', (value) => {
    const message = errorOf(() => encryptionKeyFromBase64(value));
    expect(message).toMatch(/ENCRYPTION_KEY/);
    if (value.trim()) expect(message).not.toContain(value.trim());
  });

  it('accepts the url-safe alphabet', () => {
    const raw = randomBytes(32);
    expect(encryptionKeyFromBase64(raw.toString('base64url')).key.equals(raw)).toBe(true);
  });
});

describe('SecretBox', () => {
  const keyA = encryptionKeyFromBase64(generateEncryptionKey());
  const keyB = encryptionKeyFromBase64(generateEncryptionKey());
  const box = boxWith(keyA);

  it('round-trips', () => {
    const sealed = box.seal(PLAINTEXT, TENANT);
    expect(box.open(sealed, TENANT)).toBe(PLAINTEXT);
  });

  it('round-trips empty and non-ASCII plaintext', () => {
    expect(box.open(box.seal('', TENANT), TENANT)).toBe('');
    expect(box.open(box.seal('sécret ☃ 🔑', TENANT), TENANT)).toBe('sécret ☃ 🔑');
  });

  it('produces the documented format and does not contain the plaintext', () => {
    const sealed = box.seal(PLAINTEXT, TENANT);
    const parts = sealed.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe(keyA.id);
    expect(Buffer.from(parts[2]!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[3]!, 'base64url')).toHaveLength(16);
    expect(sealed).not.toContain('TOP-SECRET');
  });

  it('uses a random IV, so sealing twice differs', () => {
    const a = box.seal(PLAINTEXT, TENANT);
    const b = box.seal(PLAINTEXT, TENANT);
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it('fails with the wrong AAD (ciphertext moved to another tenant)', () => {
    const sealed = box.seal(PLAINTEXT, TENANT);
    expect(() => box.open(sealed, 'tenant-b')).toThrow(/failed authentication/);
  });

  it.each([
    ['iv', 2],
    ['tag', 3],
    ['ciphertext', 4],
  ])('fails when the %s is tampered with', (_name, index) => {
    const parts = box.seal(PLAINTEXT, TENANT).split('.');
    parts[index] = flip(parts[index]!);
    expect(() => box.open(parts.join('.'), TENANT)).toThrow(/failed authentication/);
  });

  it('fails when the last character of the ciphertext is changed', () => {
    const parts = box.seal(PLAINTEXT, TENANT).split('.');
    const ct = parts[4]!;
    for (const c of 'AQgw_-') {
      if (ct.endsWith(c)) continue;
      parts[4] = ct.slice(0, -1) + c;
      expect(() => box.open(parts.join('.'), TENANT)).toThrow();
    }
  });

  it.each([
    ['version', (p: string[]) => (p[0] = 'v2'), /unsupported version/],
    ['key id', (p: string[]) => (p[1] = keyB.id), /unknown encryption key id/],
    ['iv length', (p: string[]) => (p[2] = p[2]!.slice(4)), /iv must be 12 bytes/],
    ['tag length', (p: string[]) => (p[3] = p[3]!.slice(4)), /tag must be 16 bytes/],
    ['stray characters', (p: string[]) => (p[4] = p[4] + '!'), /not canonical base64url/],
    ['part count', (p: string[]) => p.push('x'), /expected 5 dot-separated parts/],
  ])('rejects a sealed secret with a bad %s', (_name, mutate, expected) => {
    const parts = box.seal(PLAINTEXT, TENANT).split('.');
    mutate(parts);
    expect(() => box.open(parts.join('.'), TENANT)).toThrow(expected);
  });

  it('fails for an unknown key id, naming the problem', () => {
    const sealed = boxWith(keyB).seal(PLAINTEXT, TENANT);
    expect(() => box.open(sealed, TENANT)).toThrow(`unknown encryption key id '${keyB.id}'`);
  });

  it('opens secrets sealed with a retired key after rotation, and seals with the new one', () => {
    const sealedWithA = boxWith(keyA).seal(PLAINTEXT, TENANT);
    const rotated = boxWith(keyB, [keyA, keyB]);
    expect(rotated.open(sealedWithA, TENANT)).toBe(PLAINTEXT);
    expect(rotated.seal(PLAINTEXT, TENANT).split('.')[1]).toBe(keyB.id);
  });

  it('can open with the current key even when it is missing from `all`', () => {
    const sealed = box.seal(PLAINTEXT, TENANT);
    expect(new SecretBox({ current: keyA, all: [] }).open(sealed, TENANT)).toBe(PLAINTEXT);
  });

  it('rejects keys of the wrong length or with a mismatched id', () => {
    expect(() => boxWith({ id: 'short', key: randomBytes(16) })).toThrow(/must be 32 bytes, got 16 bytes/);
    expect(() => boxWith({ id: keyA.id, key: keyB.key })).toThrow(/does not match its key/);
  });

  it('never puts plaintext or key material in error messages', () => {
    const sealed = box.seal(PLAINTEXT, TENANT);
    const parts = sealed.split('.');
    const failures = [
      () => box.open(sealed, 'tenant-b'),
      () => box.open([parts[0], parts[1], parts[2], flip(parts[3]!), parts[4]].join('.'), TENANT),
      () => box.open([parts[0], parts[1], parts[2], parts[3], flip(parts[4]!)].join('.'), TENANT),
      () => boxWith(keyB).open(sealed, TENANT),
    ];
    const forbidden = ['TOP-SECRET', '3MVG9', keyA.key.toString('base64'), keyA.key.toString('hex'), keyA.key.toString('base64url')];
    for (const fail of failures) {
      const message = errorOf(fail);
      for (const secret of forbidden) expect(message).not.toContain(secret);
    }
  });
});
