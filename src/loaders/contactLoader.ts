/**
 * Per request and tenant: one DataLoader that collects every `Person.salesforceContact(s)` of a GraphQL request
 * into one batch for the process-wide SharedContactLookups (cache, in-flight sharing, batching window). Keys are
 * normalised emails; values are all contacts sharing that email, most recently modified first (empty when none).
 * Each key's answer is bounded by the request's deadline.
 */
import DataLoader from 'dataloader';
import { type Contact, isPossibleEmail, normaliseEmail } from '../salesforce/contacts';
import { SalesforceError } from '../salesforce/errors';
import type { SharedContactLookups } from './sharedContactLookups';

export type ContactsByEmailLoader = DataLoader<string, Contact[]>;

export function createContactsByEmailLoader(tenantId: string, lookups: SharedContactLookups, deadline: number): ContactsByEmailLoader {
  return new DataLoader<string, Contact[]>(async (emails) => {
    emails.forEach(assertLoadableEmail);
    const { expired, cancel } = deadlineTimer(deadline);
    try {
      return await Promise.all(
        lookups.load(tenantId, emails).map((answer) => Promise.race([answer, expired]).catch((error: unknown) => toError(error))),
      );
    } finally {
      cancel();
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

/**
 * One timer per batch: a promise that rejects with SALESFORCE_UNAVAILABLE when the request's deadline passes.
 * Racing it ends the wait, not the lookup, which goes on and can still fill the cache for later requests.
 */
function deadlineTimer(deadline: number): { expired: Promise<never>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new SalesforceError('unavailable', 'Salesforce did not answer within the request deadline', { errorCode: 'DEADLINE_EXCEEDED' })),
      Math.max(0, deadline - Date.now()),
    );
  });
  expired.catch(() => undefined);
  return { expired, cancel: () => clearTimeout(timer) };
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
