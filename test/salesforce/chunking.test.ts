/**
 * Packing values into requests under a byte budget: the generic `chunkToFit`, and the Contact query chunks whose
 * request target must stay within notes §4's 16,384-byte URI + headers limit.
 */
import { chunkToFit, type ChunkBudget } from '../../src/salesforce/chunking';
import { SalesforceClient } from '../../src/salesforce/client';
import { CONTACT_FIELDS, chunkEmailsForQueries, findContactsByEmails } from '../../src/salesforce/contacts';
import { MAX_REQUEST_BYTES, requestOverheadBytes } from '../../src/salesforce/http';
import { selectWhereIn } from '../../src/salesforce/soql';
import { TokenManager } from '../../src/salesforce/tokens';
import { FakeHttp, fakeToken, jsonResponse, pick, randomInt, seededRandom } from './helpers';

// ─── chunkToFit ────────────────────────────────────────────────────────────────────────────────────────────────

/** Items are strings whose size is their length. */
function stringBudget(baseBytes: number, separatorBytes: number, maxBytes: number): ChunkBudget<string> {
  return { baseBytes, separatorBytes, maxBytes, itemBytes: (item) => item.length };
}

function chunkSize(chunk: readonly string[], budget: ChunkBudget<string>): number {
  return budget.baseBytes + chunk.reduce((sum, item) => sum + budget.itemBytes(item), 0) + Math.max(0, chunk.length - 1) * budget.separatorBytes;
}

describe('chunkToFit', () => {
  it('returns no chunks for no items', () => {
    expect(chunkToFit([], stringBudget(10, 2, 100))).toEqual([]);
  });

  it('fills each chunk before starting the next', () => {
    // 10 + 5 = 15, + 2 + 5 = 22, + 2 + 5 = 29 ≤ 30; a fourth would make 36.
    expect(chunkToFit(['aaaaa', 'bbbbb', 'ccccc', 'ddddd', 'eeeee'], stringBudget(10, 2, 30))).toEqual([
      ['aaaaa', 'bbbbb', 'ccccc'],
      ['ddddd', 'eeeee'],
    ]);
  });

  it('uses the budget up to and including maxBytes', () => {
    expect(chunkToFit(['aaaaa', 'bbbbb', 'ccccc', 'ddddd'], stringBudget(10, 2, 29))).toEqual([
      ['aaaaa', 'bbbbb', 'ccccc'],
      ['ddddd'],
    ]);
    expect(chunkToFit(['aaaaa', 'bbbbb', 'ccccc', 'ddddd'], stringBudget(10, 2, 28))).toEqual([
      ['aaaaa', 'bbbbb'],
      ['ccccc', 'ddddd'],
    ]);
  });

  it('accepts an item that exactly fills a request on its own', () => {
    expect(chunkToFit(['a', 'x'.repeat(20), 'b'], stringBudget(10, 2, 30))).toEqual([['a'], ['x'.repeat(20)], ['b']]);
  });

  it.each([
    ['alone', ['x'.repeat(21)]],
    ['after others', ['a', 'b', 'x'.repeat(21), 'c']],
  ])('throws on an item that cannot fit even %s (never drops it)', (_where, items) => {
    expect(() => chunkToFit(items, stringBudget(10, 2, 30))).toThrow(RangeError);
  });

  it('keeps order, never exceeds maxBytes and is greedy, for generated inputs', () => {
    const random = seededRandom(7);
    const problems: string[] = [];
    for (let run = 0; run < 300; run++) {
      const budget = stringBudget(randomInt(random, 0, 50), randomInt(random, 0, 5), randomInt(random, 60, 400));
      const items = Array.from({ length: randomInt(random, 0, 200) }, (_, i) =>
        `${i}:`.padEnd(randomInt(random, 1, budget.maxBytes - budget.baseBytes), '.'),
      );
      const chunks = chunkToFit(items, budget);
      const where = `run ${run}`;
      if (JSON.stringify(chunks.flat()) !== JSON.stringify(items)) problems.push(`${where}: items lost or reordered`);
      for (const [index, chunk] of chunks.entries()) {
        if (chunk.length === 0) problems.push(`${where}: chunk ${index} is empty`);
        if (chunkSize(chunk, budget) > budget.maxBytes) problems.push(`${where}: chunk ${index} exceeds maxBytes`);
        const next = chunks[index + 1];
        // Greedy: the next chunk's first item would not have fitted in this one.
        if (next !== undefined && chunkSize([...chunk, next[0] as string], budget) <= budget.maxBytes) {
          problems.push(`${where}: chunk ${index} had room for the next item`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

// ─── chunkEmailsForQueries ─────────────────────────────────────────────────────────────────────────────────────

const INSTANCE_URL = 'https://acme.my.salesforce.com';
const MAX_TARGET_BYTES = MAX_REQUEST_BYTES - requestOverheadBytes(INSTANCE_URL);

function unusedClient(): SalesforceClient {
  return new SalesforceClient(
    { tenantId: 't', credentialsId: 'c', instanceUrl: INSTANCE_URL, apiVersion: 'v60.0' },
    { http: {} as never, tokens: {} as never },
  );
}

function clientOver(http: FakeHttp): SalesforceClient {
  const tokens = new TokenManager({ maxTenants: 10, idleTtlMs: 60_000 });
  tokens.put('t', 'c', fakeToken('00Dxx0000001gPL!AQ4AQLbZ'));
  return new SalesforceClient(
    { tenantId: 't', credentialsId: 'c', instanceUrl: INSTANCE_URL, apiVersion: 'v60.0' },
    { http: http.asHttp(), tokens: tokens.sourceFor('t', 'c', () => Promise.reject(new Error('unused'))) },
  );
}

/**
 * Bytes of the request target a URL puts on the wire: undici sends `pathname + search` of `new URL(url)`, and
 * WHATWG URL parsing escapes characters (`'` in an https query) that encodeURIComponent leaves alone.
 */
function wireBytes(url: string): number {
  const parsed = new URL(url);
  return Buffer.byteLength(parsed.pathname + parsed.search);
}

/** The bytes of the request target the client really sends for the query of these emails. */
async function sentTargetBytes(chunk: readonly string[]): Promise<number> {
  const http = new FakeHttp([], () => jsonResponse(200, { totalSize: 0, done: true, records: [] }));
  await clientOver(http).query(selectWhereIn('Contact', CONTACT_FIELDS, 'Email', chunk));
  expect(http.gets).toHaveLength(1);
  return wireBytes((http.gets[0] as { url: string }).url);
}

/**
 * The fewest consecutive chunks whose real targets fit: each chunk takes as many of the next emails as fit
 * (found by binary search, since a longer run never gets shorter), measured on the real request every time.
 */
async function referenceChunkSizes(emails: readonly string[]): Promise<number[]> {
  const sizes: number[] = [];
  for (let start = 0; start < emails.length; ) {
    let fits = 1; // one email always fits (chunkEmailsForQueries would throw otherwise)
    let tooMany = emails.length - start + 1;
    while (tooMany - fits > 1) {
      const middle = Math.floor((fits + tooMany) / 2);
      if ((await sentTargetBytes(emails.slice(start, start + middle))) <= MAX_TARGET_BYTES) fits = middle;
      else tooMany = middle;
    }
    sizes.push(fits);
    start += fits;
  }
  return sizes;
}

/**
 * ⌈bytes all values need / bytes one request has room for⌉: no packing can use fewer requests. Encoding is per
 * character, so target(v1…vk) = target(['']) + Σ (target([vi]) − target([''])) + (k − 1) · g with
 * g = target(['', '']) − target(['']) (a separator and an empty literal).
 */
async function lowerBoundOfChunks(emails: readonly string[]): Promise<number> {
  const empty = await sentTargetBytes(['']);
  const g = (await sentTargetBytes(['', ''])) - empty;
  let needed = 0;
  for (const email of emails) needed += (await sentTargetBytes([email])) - empty + g;
  return Math.ceil(needed / (MAX_TARGET_BYTES - empty + g));
}

const EMAIL_KINDS: Record<string, (i: number, random: () => number) => string> = {
  plain: (i) => `first.last${i}@example${i % 7}.com`,
  quotes: (i, random) => `o'${"'".repeat(randomInt(random, 1, 30))}brien${i}@x.com`,
  'percent and underscore': (i, random) => `100%_sure${'%'.repeat(randomInt(random, 1, 20))}${i}@x.com`,
  unicode: (i, random) => `${pick(random, ['josé', '用户', 'ünïcødé', '😀😀', 'δοκιμή'])}${i}@${pick(random, ['exämple.com', '例子.公司', 'x.com'])}`,
  mixed: (i, random) =>
    `${pick(random, ["o'", '%', '_', '\\', '"', 'é', '😀', 'a', '+tag'])}${'x'.repeat(randomInt(random, 0, 40))}${i}@${pick(random, ['x.com', 'exämple.org'])}`,
};

function generateEmails(kind: string, count: number): string[] {
  const random = seededRandom(count * 31 + kind.length);
  const make = EMAIL_KINDS[kind] as (i: number, random: () => number) => string;
  return Array.from({ length: count }, (_, i) => make(i, random));
}

const CASES = [1, 10, 300, 3000].flatMap((count) => Object.keys(EMAIL_KINDS).map((kind) => [count, kind] as const));

describe('chunkEmailsForQueries', () => {
  it.each(CASES)('%i %s emails: every chunk in order, nothing lost', (count, kind) => {
    const emails = generateEmails(kind, count);
    expect(chunkEmailsForQueries(unusedClient(), emails).flat()).toEqual(emails);
  });

  it.each(CASES)('%i %s emails: every request target sent fits 16384 − overhead bytes', async (count, kind) => {
    const emails = generateEmails(kind, count);
    const tooBig: Array<{ index: number; values: number; bytes: number }> = [];
    for (const [index, chunk] of chunkEmailsForQueries(unusedClient(), emails).entries()) {
      const bytes = await sentTargetBytes(chunk);
      if (bytes > MAX_TARGET_BYTES) tooBig.push({ index, values: chunk.length, bytes });
    }
    expect({ maxBytes: MAX_TARGET_BYTES, tooBig }).toEqual({ maxBytes: MAX_TARGET_BYTES, tooBig: [] });
  });

  it.each(CASES)('%i %s emails: as few requests as fit (greedy, measured on the real target)', async (count, kind) => {
    const emails = generateEmails(kind, count);
    const chunks = chunkEmailsForQueries(unusedClient(), emails);
    expect(chunks.map((chunk) => chunk.length)).toEqual(await referenceChunkSizes(emails));
    const bound = await lowerBoundOfChunks(emails);
    expect(chunks.length).toBeGreaterThanOrEqual(bound);
    expect(chunks.length).toBeLessThanOrEqual(bound + 1);
  });
});

describe('findContactsByEmails: what is actually sent', () => {
  it.each([
    [3000, 'plain'],
    [3000, 'quotes'],
    [3000, 'mixed'],
  ])('%i %s emails: one GET per chunk, every target within 16384 − overhead bytes', async (count, kind) => {
    const emails = generateEmails(kind, count);
    const http = new FakeHttp([], () => jsonResponse(200, { totalSize: 0, done: true, records: [] }));

    await findContactsByEmails(clientOver(http), emails, { standardFields: CONTACT_FIELDS, customFields: [], unavailableFields: [] });

    const sent = http.gets.map(({ url }) => wireBytes(url));
    expect(sent).toHaveLength(chunkEmailsForQueries(unusedClient(), emails).length);
    expect(sent.filter((bytes) => bytes > MAX_TARGET_BYTES)).toEqual([]);
  });
});
