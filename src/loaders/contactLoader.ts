/**
 * Per request and tenant: one DataLoader that turns every `Person.salesforceContact` of a GraphQL request into as
 * few Contact queries as fit the URI limit. Keys are normalised emails; values are all contacts sharing that
 * email, most recently modified first (an empty list when there is none).
 */
import DataLoader from 'dataloader';
import type { ConnectionService } from '../connections/service';
import type { Logger } from '../logger';
import { type Contact, isPossibleEmail, normaliseEmail } from '../salesforce/contacts';

export type ContactsByEmailLoader = DataLoader<string, Contact[]>;

export interface ContactLoaderDeps {
  connections: ConnectionService;
  logger: Logger;
}

/**
 * The batch function reads the tenant's connection once per batch: a tenant that has not connected Salesforce
 * gets empty answers and no Salesforce call. A failed lookup fails every key of its batch with the same error
 * (the connection service has recorded it on the connection).
 */
export function createContactsByEmailLoader(tenantId: string, deps: ContactLoaderDeps): ContactsByEmailLoader {
  return new DataLoader<string, Contact[]>(async (emails) => {
    emails.forEach(assertLoadableEmail);
    const org = await deps.connections.orgFor(tenantId);
    if (org === null) return emails.map(() => []);
    try {
      const found = await deps.connections.findContacts(org, emails);
      return emails.map((email) => found.get(email) ?? []);
    } catch (error) {
      deps.logger.warn({ tenantId, err: error, emails: emails.length }, 'Salesforce contact lookup failed');
      return emails.map(() => error as Error);
    }
  });
}

/** Keys are the loader's contract: callers normalise and filter with `emailLookupKey` first. */
function assertLoadableEmail(email: string): void {
  if (email !== normaliseEmail(email) || !isPossibleEmail(email)) {
    throw new TypeError(
      `ContactsByEmailLoader: expected keys from emailLookupKey() (trimmed, lower-case, possible emails), got ${JSON.stringify(email.slice(0, 80))}`,
    );
  }
}

/** The loader key for a person's email, or null when no contact could have it (null, empty, impossible). */
export function emailLookupKey(email: string | null | undefined): string | null {
  if (email === null || email === undefined) return null;
  const key = normaliseEmail(email);
  return isPossibleEmail(key) ? key : null;
}
