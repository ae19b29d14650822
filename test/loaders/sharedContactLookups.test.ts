/**
 * The process-wide contact lookups behind every request's DataLoader: a short batching window, one in-flight
 * lookup per email and a per-scope TTL cache (negative results included); a scope is one tenant's connection.
 * Runs on jest's fake clock; `lookup` answers only when the test says so. The event loop's idle clock is a fake
 * too (`fakeLoop`): idle whenever fake time passes, unless a test makes the loop busy (starved).
 */
import type { StoredAnswer } from '../../src/connections/storedContacts';
import {
  BURST_WAIT_GROWTH,
  type ContactAnswer,
  type ContactCacheResult,
  type LookupAnswer,
  SharedContactLookups,
  type SharedContactLookupsOptions,
  type SharedTier,
} from '../../src/loaders/sharedContactLookups';
import { SalesforceError } from '../../src/salesforce/errors';
import { deferred, type Deferred } from '../support/promises';
import { contact } from '../support/records';

const WINDOW_MS = 5;
const QUIET_MS = 20;
const MAX_WAIT_MS = 200;
const TTL_MS = 60_000;

/**
 * The event loop's idle clock on jest's fake clock: time that passes counts as idle, except while the test has made
 * the loop busy (a starved loop: its time goes to other work, or to other processes).
 */
function fakeLoop() {
  let idleMs = 0;
  let busy = false;
  let readAt = Date.now();
  const read = () => {
    const now = Date.now();
    if (!busy) idleMs += now - readAt;
    readAt = now;
    return idleMs;
  };
  return {
    idleMs: read,
    busy(): void {
      read();
      busy = true;
    },
    idle(): void {
      read();
      busy = false;
    },
  };
}

/** A lookup's answer with one contact for each email given. */
function found(...emails: string[]): LookupAnswer<string> {
  return { contacts: new Map(emails.map((email) => [email, [contact(email)]])) };
}

type Answer = LookupAnswer<string> | null;

/** Lookups whose every `lookup` call waits for the test to answer it, in call order. */
function setup(overrides: Partial<SharedContactLookupsOptions> = {}) {
  const calls: Array<{ tenantId: string; emails: string[]; answer: Deferred<Answer> }> = [];
  const cacheEvents: Array<[ContactCacheResult, number]> = [];
  const loop = fakeLoop();
  const lookup = jest.fn((tenantId: string, emails: string[]) => {
    const answer = deferred<Answer>();
    calls.push({ tenantId, emails: [...emails], answer });
    return answer.promise;
  });
  const lookups = new SharedContactLookups({
    ttlMs: TTL_MS,
    maxEntries: 1_000,
    batchWindowMs: WINDOW_MS,
    burstQuietMs: QUIET_MS,
    burstMaxWaitMs: MAX_WAIT_MS,
    loopIdleMs: loop.idleMs,
    lookup,
    onCache: (result, count) => cacheEvents.push([result, count]),
    ...overrides,
  });
  /** The nth lookup call (0-based), failing the test clearly when it was never made. */
  const call = (index: number) => {
    const made = calls[index];
    if (made === undefined) throw new Error(`expected lookup call #${index}, saw ${calls.length}`);
    return made;
  };
  return { lookups, lookup, calls, call, cacheEvents, loop };
}

/** Let the batching window close and the flush send its lookup. */
async function closeWindow(): Promise<void> {
  await jest.advanceTimersByTimeAsync(WINDOW_MS);
}

/** Let a refresh (asked for by a read in the revalidate window) begin: it waits for a burst's quiet period. */
async function startRefresh(): Promise<void> {
  await jest.advanceTimersByTimeAsync(QUIET_MS);
}

/** Let a patient batch (one that opened while a lookup was under way) go quiet and be sent. */
async function goQuiet(): Promise<void> {
  await jest.advanceTimersByTimeAsync(QUIET_MS);
}

/** Settle every answer (a value, or a promise) and report each as its value or `rejected: <message>`. */
async function settled(promises: Array<ContactAnswer | Promise<ContactAnswer>>): Promise<Array<string[] | string>> {
  const results = await Promise.allSettled(promises);
  return results.map((result) =>
    result.status === 'fulfilled' ? result.value.contacts.map((c) => c.id) : `rejected: ${(result.reason as Error).message}`,
  );
}

describe('SharedContactLookups', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('batching', () => {
    it('waits for the window, then sends one lookup with the deduplicated union of every caller’s emails', async () => {
      const { lookups, lookup, call } = setup();
      const first = lookups.load('t1', ['a@x.com', 'b@x.com']);
      const second = lookups.load('t1', ['b@x.com', 'c@x.com', 'c@x.com']);
      await jest.advanceTimersByTimeAsync(WINDOW_MS - 1);
      expect(lookup).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1);
      expect(lookup).toHaveBeenCalledTimes(1);
      expect(call(0)).toMatchObject({ tenantId: 't1', emails: ['a@x.com', 'b@x.com', 'c@x.com'] });

      call(0).answer.resolve(found('a@x.com', 'b@x.com', 'c@x.com'));
      expect(await settled(first)).toEqual([['003-a@x.com'], ['003-b@x.com']]);
      expect(await settled(second)).toEqual([['003-b@x.com'], ['003-c@x.com'], ['003-c@x.com']]);
      expect(await first[1]).toBe(await second[0]);
    });

    it('sends a batch of a query’s worth of emails at once, without waiting for the window', async () => {
      const { lookups, lookup, call } = setup();
      const many = Array.from({ length: 300 }, (_, i) => `p${i}@x.com`);
      void lookups.load('t1', many);
      await jest.advanceTimersByTimeAsync(0);
      expect(lookup).toHaveBeenCalledTimes(1);
      expect(call(0).emails).toHaveLength(300);
      void lookups.load('t1', ['late@x.com']); // arrives while that lookup is under way: held as usual
      await jest.advanceTimersByTimeAsync(0);
      expect(lookup).toHaveBeenCalledTimes(1);
    });

    it('sends loads after the window closed in a batch of their own', async () => {
      const { lookups, calls, call } = setup();
      void lookups.load('t1', ['a@x.com']);
      await closeWindow();
      call(0).answer.resolve(found());
      await jest.advanceTimersByTimeAsync(0);
      void lookups.load('t1', ['b@x.com']);
      await closeWindow();
      expect(calls.map((c) => c.emails)).toEqual([['a@x.com'], ['b@x.com']]);
    });

    it('holds misses that arrive while a lookup is under way until it is answered and they stop coming', async () => {
      const { lookups, calls, call } = setup();
      void lookups.load('t1', ['a@x.com']);
      await closeWindow();
      for (const email of ['b@x.com', 'c@x.com', 'd@x.com']) {
        void lookups.load('t1', [email]);
        await jest.advanceTimersByTimeAsync(QUIET_MS - 5);
      }
      expect(calls).toHaveLength(1);
      call(0).answer.resolve(found());
      await jest.advanceTimersByTimeAsync(4);
      expect(calls).toHaveLength(1); // d joined 15 ms ago: not quiet yet
      await goQuiet();
      expect(calls.map((c) => c.emails)).toEqual([['a@x.com'], ['b@x.com', 'c@x.com', 'd@x.com']]);
    });

    it('close() answers batches not yet sent with an error and sends nothing', async () => {
      const { lookups, calls } = setup();
      const waiting = lookups.load('t1', ['a@x.com']);
      lookups.close();
      await closeWindow();
      expect(await settled(waiting)).toEqual(['rejected: The service is shutting down']);
      expect(calls).toHaveLength(0);
    });

    it('does not let a slow lookup hold the next batch past burstMaxWaitMs: it goes alongside', async () => {
      const { lookups, calls } = setup();
      void lookups.load('t1', ['slow@x.com']);
      await closeWindow();
      void lookups.load('t1', ['next@x.com']);
      await jest.advanceTimersByTimeAsync(MAX_WAIT_MS - 1);
      expect(calls).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(calls.map((c) => c.emails)).toEqual([['slow@x.com'], ['next@x.com']]);
    });

    it('keeps at most 4 lookups of one tenant under way at once', async () => {
      const { lookups, calls } = setup();
      for (let i = 0; i < 6; i++) {
        void lookups.load('t1', [`hung${i}@x.com`]);
        await jest.advanceTimersByTimeAsync(MAX_WAIT_MS * BURST_WAIT_GROWTH); // however long its wait has grown
      }
      expect(calls).toHaveLength(4);
    });

    it('sends a held batch at the latest burstMaxWaitMs after it opened, even while misses keep coming', async () => {
      const { lookups, calls, call } = setup();
      void lookups.load('t1', ['first@x.com']);
      await closeWindow();
      void lookups.load('t1', ['burst0@x.com']); // opens a held batch while call 0 is under way
      call(0).answer.resolve(found());
      let elapsed = 0;
      for (let n = 1; calls.length < 2 && elapsed <= MAX_WAIT_MS + QUIET_MS; n++) {
        await jest.advanceTimersByTimeAsync(QUIET_MS / 2);
        elapsed += QUIET_MS / 2;
        void lookups.load('t1', [`burst${n}@x.com`]);
      }
      expect(calls).toHaveLength(2);
      expect(elapsed).toBeGreaterThanOrEqual(MAX_WAIT_MS);
      expect(elapsed).toBeLessThanOrEqual(MAX_WAIT_MS + QUIET_MS / 2);
    });

    it('sends a held batch at once when it holds a query’s worth of emails, alongside the lookup under way', async () => {
      const { lookups, calls } = setup();
      void lookups.load('t1', ['first@x.com']);
      await closeWindow();
      void lookups.load('t1', Array.from({ length: 299 }, (_, i) => `p${i}@x.com`));
      await jest.advanceTimersByTimeAsync(0);
      expect(calls).toHaveLength(1); // 299: held as usual
      void lookups.load('t1', ['p299@x.com']);
      await jest.advanceTimersByTimeAsync(0);
      expect(calls.map((c) => c.emails.length)).toEqual([1, 300]);
    });

    it('never puts two tenants in one batch', async () => {
      const { lookups, calls } = setup();
      void lookups.load('t1', ['a@x.com']);
      void lookups.load('t2', ['a@x.com', 'b@x.com']);
      await closeWindow();
      expect(calls.map(({ tenantId, emails }) => ({ tenantId, emails }))).toEqual([
        { tenantId: 't1', emails: ['a@x.com'] },
        { tenantId: 't2', emails: ['a@x.com', 'b@x.com'] },
      ]);
    });
  });

  describe('on a starved event loop', () => {
    /** Lookups that answer (every email found) `ms` after they are made; the times they were made, from now. */
    function answeringAfter(ms: number, overrides: Partial<SharedContactLookupsOptions> = {}) {
      const start = Date.now();
      const sentAt: number[] = [];
      const sizes: number[] = [];
      const context = setup({
        ...overrides,
        lookup: (_tenantId, emails) => {
          sentAt.push(Date.now() - start);
          sizes.push(emails.length);
          return new Promise((resolve) => setTimeout(() => resolve(found(...emails)), ms));
        },
      });
      return { ...context, sentAt, sizes };
    }

    /** One miss every `everyMs` for `count` misses, the fake clock moving on after each (timers fire between them). */
    async function trickle(lookups: SharedContactLookups, prefix: string, count: number, everyMs: number): Promise<void> {
      for (let i = 0; i < count; i++) {
        void lookups.load('t1', [`${prefix}${i}@x.com`]);
        await jest.advanceTimersByTimeAsync(everyMs);
      }
    }

    it('does not take silence on a busy loop for the end of a burst: misses spread over late timers form one batch', async () => {
      const { lookups, calls, call, loop } = setup();
      loop.busy();
      void lookups.load('t1', ['first@x.com']);
      await closeWindow();
      // Gaps longer than the quiet period, with the quiet timer firing in each: the loop is busy, nobody is idle.
      await trickle(lookups, 'spread', 3, QUIET_MS + 10);
      call(0).answer.resolve(found());
      await trickle(lookups, 'after', 2, QUIET_MS + 10);
      // The loop is starved outright: its timers fire late, after more misses landed in one turn.
      jest.setSystemTime(Date.now() + 2 * QUIET_MS);
      void lookups.load('t1', ['late0@x.com']);
      void lookups.load('t1', ['late1@x.com']);
      await jest.advanceTimersByTimeAsync(0);
      expect(calls).toHaveLength(1);
      loop.idle(); // the burst is through: the loop waits for work, and silence now counts
      await goQuiet();
      expect(calls.map((c) => c.emails.length)).toEqual([1, 7]);
    });

    it('still counts silence by the wall clock too: an idle loop sends the batch after the quiet period, not before', async () => {
      const { lookups, calls, call } = setup();
      void lookups.load('t1', ['first@x.com']);
      await closeWindow();
      void lookups.load('t1', ['next@x.com']);
      call(0).answer.resolve(found());
      await jest.advanceTimersByTimeAsync(QUIET_MS - 1);
      expect(calls).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(calls).toHaveLength(2);
    });

    it('doubles the wait of each batch a burst cuts short, up to burstLongestWaitMs, and starts over once it goes quiet', async () => {
      const longest = 4 * MAX_WAIT_MS;
      const { lookups, sentAt, loop } = answeringAfter(50, { burstLongestWaitMs: longest });
      loop.busy();
      await trickle(lookups, 'burst', 230, 10); // 2.3 s of misses, 10 ms apart, on a busy loop
      // The first miss's window, then batches cut at the maximum wait, doubled each time up to the longest.
      expect(sentAt).toEqual([WINDOW_MS, 10 + MAX_WAIT_MS, 210 + 2 * MAX_WAIT_MS, 610 + longest, 1410 + longest]);
      loop.idle();
      await jest.advanceTimersByTimeAsync(longest); // the rest goes once the loop has been idle and silent a while
      expect(sentAt).toHaveLength(6);
      expect(sentAt[5]).toBe(2300 + QUIET_MS); // idle from 2300 on
      // A new burst behind a lookup under way: its first cut comes after the plain maximum wait again.
      void lookups.load('t1', ['again@x.com']);
      await closeWindow();
      loop.busy();
      await trickle(lookups, 'again', 30, 10);
      expect(sentAt.slice(7)).toEqual([sentAt[6]! + MAX_WAIT_MS]);
    });

    it('sends a lone miss after the short window even on a busy loop, and again after a burst', async () => {
      const { lookups, calls, call, loop } = setup();
      loop.busy();
      void lookups.load('t1', ['lone@x.com']);
      await jest.advanceTimersByTimeAsync(WINDOW_MS - 1);
      expect(calls).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(calls).toHaveLength(1);
      void lookups.load('t1', ['held@x.com']); // a burst behind it, cut short by the maximum wait
      call(0).answer.resolve(found());
      await jest.advanceTimersByTimeAsync(MAX_WAIT_MS);
      expect(calls).toHaveLength(2);
      call(1).answer.resolve(found());
      await jest.advanceTimersByTimeAsync(0);
      void lookups.load('t1', ['alone@x.com']); // nothing under way: undelayed, whatever came before
      await closeWindow();
      expect(calls.map((c) => c.emails)).toEqual([['lone@x.com'], ['held@x.com'], ['alone@x.com']]);
    });
  });

  describe('in-flight sharing', () => {
    it('does not look up an email again while its lookup is under way', async () => {
      const { lookups, lookup, call } = setup();
      const first = lookups.load('t1', ['a@x.com']);
      await closeWindow();
      const second = lookups.load('t1', ['a@x.com', 'b@x.com']);
      await closeWindow();
      expect(lookup).toHaveBeenCalledTimes(1);

      call(0).answer.resolve(found('a@x.com'));
      await goQuiet();
      expect(lookup).toHaveBeenCalledTimes(2);
      expect(call(1).emails).toEqual(['b@x.com']);
      call(1).answer.resolve(found('b@x.com'));
      expect(await settled(first)).toEqual([['003-a@x.com']]);
      expect(await settled(second)).toEqual([['003-a@x.com'], ['003-b@x.com']]);
    });

    it('shares in-flight lookups even when the cache is off (ttlMs 0), but caches nothing', async () => {
      const { lookups, lookup, call } = setup({ ttlMs: 0 });
      const first = lookups.load('t1', ['a@x.com']);
      await closeWindow();
      const second = lookups.load('t1', ['a@x.com']);
      await closeWindow();
      expect(lookup).toHaveBeenCalledTimes(1);
      call(0).answer.resolve(found('a@x.com'));
      expect(await settled([...first, ...second])).toEqual([['003-a@x.com'], ['003-a@x.com']]);

      const third = lookups.load('t1', ['a@x.com']);
      await closeWindow();
      expect(lookup).toHaveBeenCalledTimes(2);
      call(1).answer.resolve(found('a@x.com'));
      expect(await settled(third)).toEqual([['003-a@x.com']]);
    });

    it('does not share an in-flight lookup across tenants', async () => {
      const { lookups, lookup, call } = setup();
      const mine = lookups.load('t1', ['a@x.com']);
      await closeWindow();
      const theirs = lookups.load('t2', ['a@x.com']);
      await closeWindow();
      expect(lookup).toHaveBeenCalledTimes(2);
      call(0).answer.resolve({ contacts: new Map([['a@x.com', [contact('a@x.com', { id: 'T1-CONTACT' })]]]) });
      call(1).answer.resolve({ contacts: new Map([['a@x.com', [contact('a@x.com', { id: 'T2-CONTACT' })]]]) });
      expect(await settled(mine)).toEqual([['T1-CONTACT']]);
      expect(await settled(theirs)).toEqual([['T2-CONTACT']]);
    });
  });

  describe('cache', () => {
    /** Looks up `emails` for the tenant and answers with `answer`. */
    async function prime(context: ReturnType<typeof setup>, tenantId: string, emails: string[], answer: Answer) {
      const loading = context.lookups.load(tenantId, emails);
      await closeWindow();
      context.call(context.calls.length - 1).answer.resolve(answer);
      return settled(loading);
    }

    it('answers from the cache within the TTL', async () => {
      const context = setup();
      await prime(context, 't1', ['a@x.com'], found('a@x.com'));
      const again = context.lookups.load('t1', ['a@x.com']);
      await closeWindow();
      expect(context.lookup).toHaveBeenCalledTimes(1);
      expect(await settled(again)).toEqual([['003-a@x.com']]);
    });

    it('looks up again once the TTL has passed', async () => {
      // lru-cache keeps its own reference to `performance`, which jest's fake clock does not reach: real time here.
      jest.useRealTimers();
      const ttlMs = 30;
      const realWindow = () => new Promise<void>((resolve) => setTimeout(resolve, WINDOW_MS + 10));
      const { lookups, lookup, call } = setup({ ttlMs });
      const first = lookups.load('t1', ['a@x.com']);
      await realWindow();
      call(0).answer.resolve(found('a@x.com'));
      await settled(first);
      await new Promise<void>((resolve) => setTimeout(resolve, ttlMs + 20));
      void lookups.load('t1', ['a@x.com']);
      await realWindow();
      expect(lookup).toHaveBeenCalledTimes(2);
      call(1).answer.resolve(found('a@x.com'));
    });

    it('caches negative results: an email absent from the answer is [] and not looked up again', async () => {
      const context = setup();
      expect(await prime(context, 't1', ['a@x.com', 'nobody@x.com'], found('a@x.com'))).toEqual([['003-a@x.com'], []]);
      const again = context.lookups.load('t1', ['nobody@x.com']);
      await closeWindow();
      expect(context.lookup).toHaveBeenCalledTimes(1);
      expect(await settled(again)).toEqual([[]]);
    });

    it('caches an answer under the scope it was made under, not the one asked for', async () => {
      // Asked under scope S; the lookup found a field gone and answered under S' (the field left out).
      const context = setup({ tenantOf: () => 't1' });
      const asked = context.lookups.load('S', ['a@x.com']);
      await closeWindow();
      context.call(0).answer.resolve({ ...found('a@x.com'), madeUnder: "S'" });
      expect(await settled(asked)).toEqual([['003-a@x.com']]); // the request that asked gets it
      // S (the admin chose the same fields again) asks Salesforce; S' is answered from the cache.
      void context.lookups.load('S', ['a@x.com']);
      const underNew = context.lookups.load("S'", ['a@x.com']);
      await closeWindow();
      expect(context.calls.map((call) => call.tenantId)).toEqual(['S', 'S']);
      expect(await settled(underNew)).toEqual([['003-a@x.com']]);
    });

    it('answers [] for every email and caches nothing when the tenant has no connection (null)', async () => {
      const context = setup();
      expect(await prime(context, 't1', ['a@x.com', 'b@x.com'], null)).toEqual([[], []]);
      void context.lookups.load('t1', ['a@x.com', 'b@x.com']);
      await closeWindow();
      expect(context.lookup).toHaveBeenCalledTimes(2);
      expect(context.call(1).emails).toEqual(['a@x.com', 'b@x.com']);
    });

    it('never answers one tenant from another tenant’s cache', async () => {
      const context = setup();
      await prime(context, 't1', ['a@x.com'], found('a@x.com'));
      void context.lookups.load('t2', ['a@x.com']);
      await closeWindow();
      expect(context.lookup).toHaveBeenCalledTimes(2);
      expect(context.call(1)).toMatchObject({ tenantId: 't2', emails: ['a@x.com'] });
    });

    it('keeps at most maxEntries entries, dropping the least recently used', async () => {
      const context = setup({ maxEntries: 2 });
      await prime(context, 't1', ['a@x.com', 'b@x.com', 'c@x.com'], found('a@x.com', 'b@x.com', 'c@x.com'));
      const cached = context.lookups.load('t1', ['b@x.com', 'c@x.com']);
      await closeWindow();
      expect(context.lookup).toHaveBeenCalledTimes(1);
      expect(await settled(cached)).toEqual([['003-b@x.com'], ['003-c@x.com']]);

      void context.lookups.load('t1', ['a@x.com']);
      await closeWindow();
      expect(context.lookup).toHaveBeenCalledTimes(2);
      expect(context.call(1).emails).toEqual(['a@x.com']);
    });

    it('reports hits and misses to onCache', async () => {
      const context = setup();
      await prime(context, 't1', ['a@x.com', 'b@x.com'], found('a@x.com'));
      expect(context.cacheEvents).toEqual([['miss', 2]]);
      const mixed = context.lookups.load('t1', ['a@x.com', 'b@x.com', 'c@x.com']);
      expect(context.cacheEvents).toEqual([
        ['miss', 2],
        ['hit', 2],
        ['miss', 1],
      ]);
      void context.lookups.load('t1', ['a@x.com']);
      expect(context.cacheEvents.at(-1)).toEqual(['hit', 1]);
      await closeWindow();
      context.call(1).answer.resolve(found());
      expect(await settled(mixed)).toEqual([['003-a@x.com'], [], []]);
    });
  });

  describe('tenant shares of the cache', () => {
    /** Looks up `emails` under a scope and answers each with a contact. */
    async function prime(context: ReturnType<typeof setup>, scope: string, emails: string[]) {
      const loading = context.lookups.load(scope, emails);
      await closeWindow();
      context.call(context.calls.length - 1).answer.resolve(found(...emails));
      return settled(loading);
    }

    it('a tenant looking up ever new emails, under any of its scopes, cannot evict another tenant’s contacts', async () => {
      const context = setup({ maxEntries: 8, tenantShare: 0.25, tenantOf: (scope) => scope.split(':')[0] ?? scope });
      await prime(context, 'quiet:1', ['a@x.com', 'b@x.com']);
      for (let round = 0; round < 10; round++) {
        await prime(context, `flood:${round % 3}`, Array.from({ length: 5 }, (_, i) => `new${round}.${i}@x.com`));
      }
      expect(context.lookups.cacheStats().entries).toBeLessThanOrEqual(8);
      const lookupsBefore = context.lookup.mock.calls.length;
      const again = context.lookups.load('quiet:1', ['a@x.com', 'b@x.com']);
      await closeWindow();
      expect(context.lookup).toHaveBeenCalledTimes(lookupsBefore);
      expect(await settled(again)).toEqual([['003-a@x.com'], ['003-b@x.com']]);
    });

    it('bounds the cache by estimated bytes', async () => {
      const context = setup({ maxEntries: 1_000, maxBytes: 20_000 });
      await prime(context, 't1', Array.from({ length: 200 }, (_, i) => `person${i}@x.com`));
      const { entries, bytes } = context.lookups.cacheStats();
      expect(bytes).toBeLessThanOrEqual(20_000);
      expect(entries).toBeGreaterThan(0);
      expect(entries).toBeLessThan(200);
    });
  });

  describe('failures', () => {
    it('rejects exactly the emails of the failed batch, caches nothing, and looks up again next time', async () => {
      const { lookups, lookup, call } = setup();
      const failing = lookups.load('t1', ['a@x.com', 'b@x.com']);
      await closeWindow();
      const other = lookups.load('t1', ['a@x.com', 'c@x.com']); // a rides on the failing batch, c is a new one
      await closeWindow();
      call(0).answer.reject(new Error('Salesforce answered 503'));
      await goQuiet();
      call(1).answer.resolve(found('c@x.com'));
      expect(await settled(failing)).toEqual(['rejected: Salesforce answered 503', 'rejected: Salesforce answered 503']);
      expect(await settled(other)).toEqual(['rejected: Salesforce answered 503', ['003-c@x.com']]);

      const retry = lookups.load('t1', ['a@x.com', 'b@x.com', 'c@x.com']);
      await closeWindow();
      expect(lookup).toHaveBeenCalledTimes(3);
      expect(call(2).emails).toEqual(['a@x.com', 'b@x.com']);
      call(2).answer.resolve(found('a@x.com'));
      expect(await settled(retry)).toEqual([['003-a@x.com'], [], ['003-c@x.com']]);
    });

    it('rejects the batch when lookup throws synchronously', async () => {
      const lookup = jest.fn((): Promise<Answer> => {
        throw new Error('no store');
      });
      const lookups = new SharedContactLookups({ ttlMs: TTL_MS, maxEntries: 10, batchWindowMs: WINDOW_MS, burstQuietMs: QUIET_MS, burstMaxWaitMs: MAX_WAIT_MS, lookup });
      const loading = lookups.load('t1', ['a@x.com']);
      await closeWindow();
      expect(await settled(loading)).toEqual(['rejected: no store']);
    });

    it('a failed load nobody awaits is not an unhandled rejection (jest would fail the test)', async () => {
      const { lookups, call } = setup();
      void lookups.load('t1', ['a@x.com']);
      await closeWindow();
      call(0).answer.reject(new Error('boom'));
      jest.useRealTimers();
      await new Promise<void>((resolve) => setTimeout(resolve, 10));
    });
  });

  describe('shared tier', () => {
    /** A tier holding `kept` answers (by scope, then email), recording every read and write. */
    function tier(kept: Record<string, Record<string, StoredAnswer>> = {}, read?: () => Promise<Map<string, StoredAnswer>>) {
      const reads: Array<{ scope: string; emails: string[]; since: number }> = [];
      const writes: Array<{ scope: string; answers: Array<[string, string[]]> }> = [];
      const claims: string[][] = [];
      const forgotten: string[] = [];
      /** What claimRefresh grants (default: everything asked for); 'fail' makes it fail. */
      const grant = { emails: null as string[] | null | 'fail' };
      const sharedTier: SharedTier<string> = {
        claimRefresh: async (_scope, emails) => {
          claims.push([...emails]);
          if (grant.emails === 'fail') throw new Error('store down');
          return grant.emails ?? [...emails];
        },
        forget: async (scope) => {
          forgotten.push(scope);
        },
        read: async (scope, emails, since) => {
          reads.push({ scope, emails: [...emails], since: since.getTime() });
          if (read !== undefined) return read();
          return new Map(emails.flatMap((email) => (kept[scope]?.[email] === undefined ? [] : [[email, kept[scope]![email]!] as const])));
        },
        write: async (scope, answers) => {
          writes.push({ scope, answers: [...answers].map(([email, answer]) => [email, answer.contacts.map((c) => c.id)]) });
        },
      };
      return { sharedTier, reads, writes, claims, grant, forgotten };
    }

    it('answers from the tier what it holds within the TTL, and asks Salesforce only for the rest', async () => {
      const kept = { t1: { 'a@x.com': { contacts: [contact('a@x.com', { id: 'KEPT-A' })], fetchedAt: new Date(Date.now() - 1_000) } } };
      const { sharedTier, reads } = tier(kept);
      const context = setup({ sharedTier });
      const loading = context.lookups.load('t1', ['a@x.com', 'b@x.com']);
      await closeWindow();
      expect(reads).toEqual([{ scope: 't1', emails: ['a@x.com', 'b@x.com'], since: Date.now() - TTL_MS }]);
      expect(context.call(0).emails).toEqual(['b@x.com']);
      context.call(0).answer.resolve(found('b@x.com'));
      expect(await settled(loading)).toEqual([['KEPT-A'], ['003-b@x.com']]);
      expect(context.cacheEvents).toEqual([['miss', 2], ['shared_hit', 1]]);
      // Both are in this process's cache now: no tier read, no lookup.
      const again = context.lookups.load('t1', ['a@x.com', 'b@x.com']);
      expect(await settled(again)).toEqual([['KEPT-A'], ['003-b@x.com']]);
      expect(reads).toHaveLength(1);
    });

    it('sends nothing to Salesforce when the tier holds every email', async () => {
      const fetchedAt = new Date(Date.now() - 1_000);
      const { sharedTier } = tier({ t1: { 'a@x.com': { contacts: [], fetchedAt } } });
      const context = setup({ sharedTier });
      const loading = context.lookups.load('t1', ['a@x.com']);
      await closeWindow();
      expect(await settled(loading)).toEqual([[]]);
      expect(context.lookup).not.toHaveBeenCalled();
    });

    it("keeps a tier answer in this process only until the TTL counted from when Salesforce gave it", async () => {
      const { sharedTier, reads } = tier({ t1: { 'a@x.com': { contacts: [contact('a@x.com')], fetchedAt: new Date(Date.now() - (TTL_MS - 100)) } } });
      const context = setup({ sharedTier });
      const first = context.lookups.load('t1', ['a@x.com']);
      await closeWindow();
      await settled(first);
      void context.lookups.load('t1', ['a@x.com']); // still cached here: no tier read
      jest.setSystemTime(Date.now() + 200);
      void context.lookups.load('t1', ['a@x.com']);
      await closeWindow();
      expect(reads).toHaveLength(2);
    });

    it('writes what Salesforce answered, misses included, under the scope it was made under', async () => {
      const { sharedTier, writes } = tier();
      const context = setup({ sharedTier, tenantOf: () => 't1' });
      const loading = context.lookups.load('S', ['a@x.com', 'nobody@x.com']);
      await closeWindow();
      context.call(0).answer.resolve({ ...found('a@x.com'), madeUnder: "S'" });
      await settled(loading);
      await jest.advanceTimersByTimeAsync(1); // written once the answers are on their way
      expect(writes).toEqual([{ scope: "S'", answers: [['a@x.com', ['003-a@x.com']], ['nobody@x.com', []]] }]);
    });

    it('writes nothing for a tenant with no connection, or a failed lookup', async () => {
      const { sharedTier, writes } = tier();
      const context = setup({ sharedTier });
      const none = context.lookups.load('t1', ['a@x.com']);
      await closeWindow();
      context.call(0).answer.resolve(null);
      await settled(none);
      const failing = context.lookups.load('t1', ['a@x.com']);
      await closeWindow();
      context.call(1).answer.reject(new Error('boom'));
      await settled(failing);
      expect(writes).toEqual([]);
    });

    it('asks Salesforce for everything when the tier fails, or has not answered within 500 ms', async () => {
      const errors: string[] = [];
      const failing = tier({}, () => Promise.reject(new Error('store down')));
      const context = setup({ sharedTier: failing.sharedTier, onSharedTierError: (op, e) => errors.push(`${op}: ${(e as Error).message}`) });
      void context.lookups.load('t1', ['a@x.com']);
      await closeWindow();
      expect(context.call(0).emails).toEqual(['a@x.com']);

      const hanging = tier({}, () => new Promise(() => undefined));
      const slow = setup({ sharedTier: hanging.sharedTier, onSharedTierError: (op, e) => errors.push(`${op}: ${(e as Error).message}`) });
      void slow.lookups.load('t1', ['a@x.com']);
      await closeWindow();
      expect(slow.lookup).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(500);
      expect(slow.call(0).emails).toEqual(['a@x.com']);
      expect(errors).toEqual(['read: store down', 'read: no answer within 500 ms']);
    });

    it('is not used while the cache is off', async () => {
      const { sharedTier, reads, writes } = tier();
      const context = setup({ sharedTier, ttlMs: 0 });
      const loading = context.lookups.load('t1', ['a@x.com']);
      await closeWindow();
      context.call(0).answer.resolve(found('a@x.com'));
      await settled(loading);
      expect({ reads, writes }).toEqual({ reads: [], writes: [] });
    });

    describe('windows', () => {
      const SWR_MS = 10_000;
      const SIE_MS = 100_000;
      const outage = () => new SalesforceError('unavailable', 'Salesforce answered 503');
      const windowed = (overrides: Partial<SharedContactLookupsOptions> = {}) =>
        setup({ staleWhileRevalidateMs: SWR_MS, staleIfErrorMs: SIE_MS, canServeStale: (e) => e instanceof SalesforceError && e.kind === 'unavailable', ...overrides });
      /** Looks a@x.com up once (answered by Salesforce now), then lets `ms` pass. */
      async function primeThenWait(context: ReturnType<typeof setup>, ms: number): Promise<number> {
        const first = context.lookups.load('t1', ['a@x.com']);
        await closeWindow();
        context.call(context.calls.length - 1).answer.resolve(found('a@x.com'));
        const [answer] = await Promise.all(first);
        jest.setSystemTime(Date.now() + ms);
        return answer!.fetchedAt.getTime();
      }

      it('serves an answer past the TTL at once and refreshes it behind, once, whatever asks meanwhile', async () => {
        const { sharedTier, claims } = tier();
        const context = windowed({ sharedTier });
        const fetchedAt = await primeThenWait(context, TTL_MS + 1);
        const [served] = await Promise.all(context.lookups.load('t1', ['a@x.com']));
        expect(served).toMatchObject({ stale: false, fetchedAt: new Date(fetchedAt) });
        void context.lookups.load('t1', ['a@x.com']); // asked again before the refresh is answered
        await startRefresh();
        await closeWindow();
        expect(claims).toEqual([['a@x.com']]);
        expect(context.calls).toHaveLength(2); // one refresh
        context.call(1).answer.resolve({ contacts: new Map([['a@x.com', [contact('a@x.com', { id: 'REFRESHED' })]]]) });
        await jest.advanceTimersByTimeAsync(0);
        const [after] = await Promise.all(context.lookups.load('t1', ['a@x.com']));
        expect(after).toMatchObject({ stale: false, contacts: [{ id: 'REFRESHED' }] });
        expect(context.calls).toHaveLength(2);
      });

      it('leaves the refresh to the replica that claimed it', async () => {
        const { sharedTier, grant } = tier();
        grant.emails = [];
        const context = windowed({ sharedTier });
        await primeThenWait(context, TTL_MS + 1);
        await Promise.all(context.lookups.load('t1', ['a@x.com']));
        await closeWindow();
        expect(context.calls).toHaveLength(1);
      });

      it('takes the answer another replica refreshed from the shared tier, instead of serving its own copy', async () => {
        const kept: Record<string, Record<string, StoredAnswer>> = { t1: {} };
        const { sharedTier, grant, reads } = tier(kept);
        const context = windowed({ sharedTier });
        await primeThenWait(context, TTL_MS + 1);
        grant.emails = []; // another replica claimed the refresh
        await Promise.all(context.lookups.load('t1', ['a@x.com']));
        await startRefresh();
        kept.t1!['a@x.com'] = { contacts: [contact('a@x.com', { id: 'REFRESHED-ELSEWHERE' })], fetchedAt: new Date() };
        const next = context.lookups.load('t1', ['a@x.com']);
        await closeWindow();
        expect(await settled(next)).toEqual([['REFRESHED-ELSEWHERE']]);
        expect(context.calls).toHaveLength(1);
        expect(reads.length).toBeGreaterThanOrEqual(2);
      });

      it('refreshes an answer the shared tier served from the revalidate window', async () => {
        const { sharedTier, claims } = tier({ t1: { 'a@x.com': { contacts: [contact('a@x.com')], fetchedAt: new Date(Date.now() - TTL_MS - 1) } } });
        const context = windowed({ sharedTier });
        const served = context.lookups.load('t1', ['a@x.com']);
        await closeWindow();
        expect((await Promise.all(served))[0]).toMatchObject({ stale: false });
        await startRefresh();
        await closeWindow();
        expect(claims).toEqual([['a@x.com']]);
        expect(context.calls.map((call) => call.emails)).toEqual([['a@x.com']]);
      });

      it('stops serving what it knows, in both tiers, as soon as Salesforce refuses the credentials (a refresh included)', async () => {
        const { sharedTier, forgotten } = tier();
        const context = windowed({ sharedTier, isRefusal: (e) => e instanceof SalesforceError && e.kind === 'auth' });
        await primeThenWait(context, TTL_MS + 1);
        await Promise.all(context.lookups.load('t1', ['a@x.com'])); // served from the revalidate window
        await startRefresh();
        await closeWindow();
        context.call(1).answer.reject(new SalesforceError('auth', 'invalid_client')); // the refresh is refused
        await jest.advanceTimersByTimeAsync(0);
        expect(forgotten).toEqual(['t1']);
        const next = context.lookups.load('t1', ['a@x.com']);
        await closeWindow();
        expect(context.calls).toHaveLength(3); // nothing served from memory: Salesforce is asked
        context.call(2).answer.reject(new SalesforceError('auth', 'invalid_client'));
        expect(await settled(next)).toEqual(['rejected: invalid_client']);
      });

      it('refreshes from here, and keeps serving, when the shared tier cannot be asked for a claim', async () => {
        const { sharedTier, grant } = tier();
        grant.emails = 'fail';
        const context = windowed({ sharedTier });
        await primeThenWait(context, TTL_MS + 1);
        await Promise.all(context.lookups.load('t1', ['a@x.com']));
        await startRefresh();
        await closeWindow();
        expect(context.calls).toHaveLength(2); // the refresh went ahead
        const again = context.lookups.load('t1', ['a@x.com']);
        expect(await settled(again)).toEqual([['003-a@x.com']]); // still served meanwhile
      });

      it('forgets a scope on request (its connection changed), and only that scope', async () => {
        const context = windowed({ tenantOf: () => 't1' });
        for (const scope of ['S1', 'S2']) {
          const loading = context.lookups.load(scope, ['a@x.com']);
          await closeWindow();
          context.call(context.calls.length - 1).answer.resolve(found('a@x.com'));
          await settled(loading);
        }
        context.lookups.forget('S1');
        void context.lookups.load('S1', ['a@x.com']);
        void context.lookups.load('S2', ['a@x.com']);
        await closeWindow();
        expect(context.calls.map((call) => call.tenantId)).toEqual(['S1', 'S2', 'S1']);
      });

      it('past the revalidate window, waits for Salesforce', async () => {
        const context = windowed();
        await primeThenWait(context, TTL_MS + SWR_MS);
        const waiting = context.lookups.load('t1', ['a@x.com']);
        await closeWindow();
        expect(context.calls).toHaveLength(2);
        context.call(1).answer.resolve(found('a@x.com'));
        expect((await Promise.all(waiting))[0]).toMatchObject({ stale: false, fetchedAt: new Date(Date.now()) }); // as answered now
      });

      it('serves what is known, marked stale, when Salesforce cannot answer; not when it refuses, nor past the window', async () => {
        const context = windowed();
        const fetchedAt = await primeThenWait(context, TTL_MS + SWR_MS);
        const down = context.lookups.load('t1', ['a@x.com', 'never@x.com']);
        await closeWindow();
        context.call(1).answer.reject(outage());
        expect(await Promise.allSettled(down)).toEqual([
          { status: 'fulfilled', value: { contacts: [contact('a@x.com')], fetchedAt: new Date(fetchedAt), stale: true } },
          { status: 'rejected', reason: outage() },
        ]);
        expect(context.calls[1]?.emails).toEqual(['a@x.com', 'never@x.com']);

        const refused = context.lookups.load('t1', ['a@x.com']);
        await closeWindow();
        context.call(2).answer.reject(new SalesforceError('auth', 'invalid_client'));
        expect(await settled(refused)).toEqual(['rejected: invalid_client']);

        jest.setSystemTime(fetchedAt + SIE_MS);
        const tooOld = context.lookups.load('t1', ['a@x.com']);
        await closeWindow();
        context.call(3).answer.reject(outage());
        expect(await settled(tooOld)).toEqual(['rejected: Salesforce answered 503']);
      });

      it('serves a stale answer from the shared tier too (a replica that never saw the email)', async () => {
        const old = Date.now() - (TTL_MS + SWR_MS + 1);
        const { sharedTier } = tier({ t1: { 'a@x.com': { contacts: [contact('a@x.com')], fetchedAt: new Date(old) } } });
        const context = windowed({ sharedTier });
        const down = context.lookups.load('t1', ['a@x.com']);
        await closeWindow();
        context.call(0).answer.reject(outage());
        expect((await Promise.all(down))[0]).toMatchObject({ stale: true, fetchedAt: new Date(old) });
      });

      it('tells the loader what is known when the request deadline passes first', async () => {
        const context = windowed();
        const fetchedAt = await primeThenWait(context, TTL_MS + SWR_MS);
        void context.lookups.load('t1', ['a@x.com']);
        expect(context.lookups.lastKnown('t1', 'a@x.com')).toEqual({ contacts: [contact('a@x.com')], fetchedAt: new Date(fetchedAt), stale: true });
        expect(context.lookups.lastKnown('t1', 'never@x.com')).toBeUndefined();
      });

      it('a refresh is not ended by the shared tier answering the same old answer, only by a fresh one', async () => {
        const kept: Record<string, Record<string, StoredAnswer>> = { t1: {} };
        const { sharedTier } = tier(kept);
        const context = windowed({ sharedTier });
        const fetchedAt = await primeThenWait(context, TTL_MS + 1);
        kept.t1!['a@x.com'] = { contacts: [contact('a@x.com')], fetchedAt: new Date(fetchedAt) };
        await Promise.all(context.lookups.load('t1', ['a@x.com']));
        await startRefresh();
        await closeWindow();
        expect(context.calls).toHaveLength(2); // Salesforce asked: the tier only had the answer being refreshed
      });
    });
  });
});
