/**
 * The shared contact tier: lookup answers kept in the connection store, so that every replica on one database (and
 * a restarted one) finds what any of them read from Salesforce. An answer is one email's contacts (none: "no
 * contact") under one connection scope, with the time it was read from Salesforce.
 *
 * An answer belongs to the connection it was read under, and the database holds it to that: each row references
 * its tenant's connection by (tenant, credentials), so deleting the connection deletes its answers, a reconnect
 * (new credentials) deletes them in the same statement, and an answer written after either is refused rather than
 * kept. A change of fields keeps the credentials: its older answers stay under their old scope, read again only if
 * the admin chooses those fields again, and are swept.
 */
import type { Contact } from '../salesforce/contacts';

/** Whose answers: the connection they were read under. */
export interface AnswerScope {
  tenantId: string;
  credentialsId: string;
  /** The connection's scope digest (see ConnectionDirectory.scopeOf). */
  scope: string;
}

/** One email's contacts, most recently modified first (empty: no contact), and when Salesforce said so. */
export interface StoredAnswer {
  contacts: Contact[];
  fetchedAt: Date;
}

export interface StoredContacts {
  /** The answers kept for these normalised emails under `scope`, read from Salesforce at or after `since`; one round trip. */
  read(scope: AnswerScope, emails: readonly string[], since: Date): Promise<Map<string, StoredAnswer>>;
  /**
   * Keep these answers in one statement; a newer answer already kept for an email stays. Nothing is kept once the
   * scope's credentials are no longer the tenant's (disconnected or reconnected meanwhile): false then.
   */
  write(scope: AnswerScope, answers: ReadonlyMap<string, StoredAnswer>): Promise<boolean>;
  /** Delete every answer kept under the scope (Salesforce refused its credentials). */
  forget(scope: AnswerScope): Promise<void>;
  /**
   * Of `emails`, those this process may refresh now, so that one replica asks Salesforce for each however many
   * want to: answers read before `staleBefore` and not claimed by another process within the last
   * REFRESH_CLAIM_MS (claimed now), and emails with no answer kept at all (nothing to coordinate on).
   */
  claimRefresh(scope: AnswerScope, emails: readonly string[], staleBefore: Date): Promise<string[]>;
  /**
   * Delete answers read from Salesforce before `before`, and each tenant's oldest beyond `maxPerTenant`. Returns
   * how many rows went.
   */
  sweep(before: Date, maxPerTenant: number): Promise<number>;
}

/**
 * How long a claim to refresh an answer holds: longer than any lookup may take (its deadline), so a refresh under
 * way is not repeated; a replica that died with a claim delays that email's refresh by at most this.
 */
export const REFRESH_CLAIM_MS = 30_000;

/** The answers' table. */
export const ANSWERS_TABLE = 'salesforce_contact_answers';

/** Contacts as stored (JSON text): dates as ISO strings. */
export function encodeContacts(contacts: readonly Contact[]): string {
  return JSON.stringify(contacts);
}

/**
 * Contacts as read back. Rows are only ever written by encodeContacts, so a row that does not parse as such is a
 * bug or tampering: it is reported as absent (the caller asks Salesforce), never served half-read.
 */
export function decodeContacts(value: unknown): Contact[] | null {
  let parsed: unknown;
  try {
    parsed = typeof value === 'string' ? JSON.parse(value) : value;
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || !parsed.every(isStoredContact)) return null;
  return parsed.map((contact) => ({
    ...contact,
    lastModifiedAt: contact.lastModifiedAt === null ? null : new Date(contact.lastModifiedAt as unknown as string),
  }));
}

function isStoredContact(value: unknown): value is Contact {
  if (value === null || typeof value !== 'object') return false;
  const contact = value as Record<string, unknown>;
  return (
    typeof contact.id === 'string' &&
    typeof contact.recordUrl === 'string' &&
    Array.isArray(contact.customFields) &&
    (contact.lastModifiedAt === null || typeof contact.lastModifiedAt === 'string')
  );
}
