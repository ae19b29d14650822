/**
 * Where a request's emails were answered from, as its lookup span reports it: this process's cache, a lookup another
 * request started (coalesced), the next batch (then the shared tier or Salesforce). Real timers, a short window.
 */
import type { StoredAnswer } from '../../src/connections/storedContacts';
import { emptyTally, failureCode } from '../../src/loaders/lookupTracing';
import { type LookupAnswer, SharedContactLookups, type SharedTier } from '../../src/loaders/sharedContactLookups';
import { StoreUnavailableError } from '../../src/connections/storeErrors';
import { SalesforceError } from '../../src/salesforce/errors';
import { deferred } from '../support/promises';
import { contact } from '../support/records';

function lookupsWith(lookup: (scope: string, emails: string[]) => Promise<LookupAnswer<string> | null>, sharedTier?: SharedTier<string>) {
  return new SharedContactLookups<string>({
    ttlMs: 60_000,
    maxEntries: 1_000,
    batchWindowMs: 2,
    burstQuietMs: 5,
    burstMaxWaitMs: 50,
    lookup,
    ...(sharedTier !== undefined ? { sharedTier } : {}),
  });
}

const found = (emails: string[]): LookupAnswer<string> => ({ contacts: new Map(emails.map((email) => [email, [contact(email)]])) });

describe('LookupTally', () => {
  it('counts each email once: from the cache, coalesced with another request, or batched and sent to Salesforce', async () => {
    const answer = deferred<LookupAnswer<string> | null>();
    const lookups = lookupsWith(() => answer.promise);
    const first = emptyTally();
    const second = emptyTally();
    const firstAnswers = lookups.load('tenant', ['a@x.io', 'b@x.io'], first);
    // Joins the batch the first request opened (b), and opens nothing new for it.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const secondAnswers = lookups.load('tenant', ['b@x.io'], second);
    answer.resolve(found(['a@x.io', 'b@x.io']));
    await Promise.all([...firstAnswers, ...secondAnswers]);
    expect(first).toEqual({ fromCache: 0, coalesced: 0, batched: 2, fromSharedTier: 0, toSalesforce: 2 });
    expect(second).toEqual({ fromCache: 0, coalesced: 1, batched: 0, fromSharedTier: 0, toSalesforce: 0 });

    const third = emptyTally();
    await Promise.all(lookups.load('tenant', ['a@x.io', 'c@x.io'], third));
    expect(third).toEqual({ fromCache: 1, coalesced: 0, batched: 1, fromSharedTier: 0, toSalesforce: 1 });
  });

  it('counts what the shared tier answered apart from what went on to Salesforce', async () => {
    const kept: StoredAnswer = { contacts: [contact('kept@x.io')], fetchedAt: new Date() };
    const tier: SharedTier<string> = {
      read: async () => new Map([['kept@x.io', kept]]),
      write: async () => undefined,
      claimRefresh: async (_scope, emails) => [...emails],
      forget: async () => undefined,
    };
    const lookups = lookupsWith(async (_scope, emails) => found(emails), tier);
    const tally = emptyTally();
    await Promise.all(lookups.load('tenant', ['kept@x.io', 'new@x.io'], tally));
    expect(tally).toEqual({ fromCache: 0, coalesced: 0, batched: 2, fromSharedTier: 1, toSalesforce: 1 });
  });
});

describe('failureCode', () => {
  it('is a code, never a message', () => {
    expect(failureCode(new SalesforceError('rate_limited', 'quota spent for a@x.io', { errorCode: 'REQUEST_LIMIT_EXCEEDED' }))).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(failureCode(new SalesforceError('unavailable', "Email = 'a@x.io' timed out"))).toBe('salesforce_unavailable');
    expect(failureCode(new StoreUnavailableError(new Error('connection refused')))).toBe('STORE_UNAVAILABLE');
    expect(failureCode(new TypeError('a@x.io is odd'))).toBe('TypeError');
    expect(failureCode('a@x.io')).toBe('unknown');
  });
});
