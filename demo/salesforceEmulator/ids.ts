/** Ids and labels: query locators, access tokens and their signature, API version labels. */
import { createHmac, randomBytes } from 'node:crypto';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomIdSuffix(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');
}

/** Query locators are 18-character ids with key prefix 01g. */
export function newQueryLocator(): string {
  return `01g${randomIdSuffix(15).toUpperCase()}`;
}

/** Real access tokens are the 15-character org id, '!', then an opaque part starting with AQ. */
export function newAccessToken(orgId: string): string {
  return `${orgId.slice(0, 15)}!AQ${randomBytes(72).toString('base64url')}`;
}

/** Salesforce signs the token response with HMAC-SHA256(consumer secret, id + issued_at). */
export function tokenSignature(secret: string, identityUrl: string, issuedAt: string): string {
  return createHmac('sha256', secret).update(identityUrl + issuedAt).digest('base64');
}

/** v59.0 is Winter '24; each version is the next of the three yearly releases. */
export function releaseLabel(version: string): string {
  const steps = Math.round(Number.parseFloat(version)) - 59;
  const season = ['Winter', 'Spring', 'Summer'][((steps % 3) + 3) % 3] ?? 'Winter';
  const year = 24 + Math.floor(steps / 3);
  return `${season} '${String(year).padStart(2, '0')}`;
}

export function normaliseVersion(version: string): string {
  return version.replace(/^v/i, '');
}
