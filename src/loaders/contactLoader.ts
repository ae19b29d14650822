/**
 * Per request and tenant: one DataLoader that collects every `Person.salesforceContact(s)` of a GraphQL request
 * into one batch, finds the tenant's current connection (no connection: every answer is empty, and Salesforce is
 * not asked), and hands the batch to the process-wide SharedContactLookups for that connection (cache, in-flight
 * sharing, batching window). Keys are normalised emails; values are all contacts sharing that email, most recently
 * modified first (empty when none), with when Salesforce gave them. Each key's answer is bounded by the request's
 * deadline: past it, what is known (young enough to stand in) is served marked stale, or the key fails.
 */
import type { Context as TraceContext } from '@opentelemetry/api';
import DataLoader from 'dataloader';
import { isPossibleEmail, normaliseEmail } from '../salesforce/contacts';
import type { ConnectionDirectory, CurrentConnection } from '../connections/connectionDirectory';
import { StoreUnavailableError } from '../connections/storeErrors';
import { isConnectionChanged, SalesforceError } from '../salesforce/errors';
import { inLookupSpan, type LookupTally } from './lookupTracing';
import type { ContactAnswer, SharedContactLookups } from './sharedContactLookups';

export type ContactsByEmailLoader = DataLoader<string, ContactAnswer>;

const DEADLINE_EXCEEDED_CODE = 'DEADLINE_EXCEEDED';

/** Where a batch finds the tenant's connection, and the lookups shared by every request of the process. */
export interface ContactSources {
  directory: Pick<ConnectionDirectory, 'get' | 'peek'>;
  lookups: SharedContactLookups<CurrentConnection>;
}

/** `trace` is the context the batch's span is made in (the GraphQL operation's); the active one when not given. */
export function createContactsByEmailLoader(tenantId: string, sources: ContactSources, deadline: number, trace?: TraceContext): ContactsByEmailLoader {
  return new DataLoader<string, ContactAnswer>(async (emails) => {
    emails.forEach(assertLoadableEmail);
    return inLookupSpan(trace, emails.length, (tally) => loadWithinDeadline(tenantId, sources, emails, deadline, tally));
  });
}

async function loadWithinDeadline(
  tenantId: string,
  sources: ContactSources,
  emails: readonly string[],
  deadline: number,
  tally: LookupTally,
): Promise<Array<ContactAnswer | Error>> {
  const { expired, cancel } = deadlineTimer(deadline);
  try {
    const answers = await loadUnderCurrentConnection(tenantId, sources, emails, expired, tally);
    // An admin changed the connection while these were looked up (on any replica): what the old connection
    // found is refused, so ask once more under the connection as it is now, within the same deadline.
    const refused = emails.filter((_email, i) => isConnectionChanged(answers[i]));
    if (refused.length === 0) return answers;
    const retried = await loadUnderCurrentConnection(tenantId, sources, refused, expired, tally);
    const byEmail = new Map(refused.map((email, i) => [email, retried[i]]));
    return answers.map((answer, i) => {
      if (!isConnectionChanged(answer)) return answer;
      // The deadline cut the second ask short: what happened is the change, not a slow Salesforce.
      const again = byEmail.get(emails[i] ?? '') ?? answer;
      return isDeadlineExceeded(again) ? answer : again;
    });
  } finally {
    cancel();
  }
}

/** Each email's contacts (or its error) under the tenant's connection as the directory knows it now. */
async function loadUnderCurrentConnection(
  tenantId: string,
  sources: ContactSources,
  emails: readonly string[],
  expired: Promise<never>,
  tally: LookupTally,
): Promise<Array<ContactAnswer | Error>> {
  const connection = await Promise.race([sources.directory.get(tenantId), expired]).catch((error: unknown) =>
    // Still waiting for the connection store at the deadline: the store's doing, not Salesforce's.
    isDeadlineExceeded(error) ? new StoreUnavailableError(new Error('no answer within the request deadline')) : toError(error),
  );
  if (connection instanceof Error) return emails.map(() => connection);
  if (connection === null) return emails.map(() => ({ contacts: [], fetchedAt: new Date(), stale: false }));
  return Promise.all(
    sources.lookups.load(connection, emails, tally).map((answer, i) =>
      // Held here: answered at once, with nothing to race.
      !(answer instanceof Promise) ? answer : Promise.race([answer, expired]).catch((error: unknown) => {
        // The deadline passed with Salesforce still silent: Salesforce could not answer in time. What is known stands
        // in, if the connection it belongs to is still the tenant's as far as this process knows.
        const current = sources.directory.peek(tenantId);
        const stillCurrent = current !== undefined && current !== null && current.scope === connection.scope;
        const known = isDeadlineExceeded(error) && stillCurrent ? sources.lookups.lastKnown(connection, emails[i] ?? '') : undefined;
        return known ?? toError(error);
      }),
    ),
  );
}

function isDeadlineExceeded(answer: unknown): boolean {
  return answer instanceof SalesforceError && answer.errorCode === DEADLINE_EXCEEDED_CODE;
}


/** Keys are the loader's contract: callers normalise and filter with `emailLookupKey` first. */
function assertLoadableEmail(email: string): void {
  if (email !== normaliseEmail(email) || !isPossibleEmail(email)) {
    throw new TypeError(
      `ContactsByEmailLoader: expected keys from emailLookupKey() (trimmed, lower-case, possible emails), got ${JSON.stringify(email.slice(0, 80))}`,
    );
  }
}

/**
 * The loader key for a person's email, or null when no contact could have it (null, empty, impossible), or when
 * lower-casing would fold a non-ASCII character into ASCII (the Kelvin sign `\u212A` becomes `k`): such a look-alike
 * must not reach another person's `kate@…`.
 */
export function emailLookupKey(email: string | null | undefined): string | null {
  if (email === null || email === undefined) return null;
  if (foldsIntoAscii(email)) return null;
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
      () => reject(new SalesforceError('unavailable', 'Salesforce did not answer within the request deadline', { errorCode: DEADLINE_EXCEEDED_CODE })),
      Math.max(0, deadline - Date.now()),
    );
  });
  expired.catch(() => undefined);
  return { expired, cancel: () => clearTimeout(timer) };
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Whether a non-ASCII character of `email` lower-cases to something containing ASCII. */
function foldsIntoAscii(email: string): boolean {
  for (const char of email) {
    if (char.charCodeAt(0) < 0x80) continue;
    if (/[\u0000-\u007f]/.test(char.toLowerCase())) return true;
  }
  return false;
}
