/**
 * Issue 11, "hardening against hostile and careless callers": what an org (or a man in the middle) answers, and
 * the calls one tenant causes, are bounded. End to end through a real Apollo Gateway against the Salesforce
 * emulator flooding its answers, with the subgraph's default limits unless a test says otherwise.
 *
 * The memory tests measure this very process (the emulator, the subgraph and the gateway all run in it): the peak of
 * heapUsed and rss while a flooded lookup runs, sampled every few milliseconds, against what it was before.
 * The emulator's floods have a safety valve (maxPages / maxBytes) so that code without the limits fails these tests
 * by a wide margin instead of taking the machine down.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GraphQLResponse } from '../../demo/gateway';
import type { PersonRecord } from '../../demo/peopleSubgraph';
import type { EmulatorContact } from '../../demo/salesforceEmulator';
import { type Stack, startStack } from '../support/stack';
import { contactId, matchingPeopleAndContacts } from './fixtures';

const PERSON_QUERY = `
  query Person($id: ID!) { person(id: $id) { id name email salesforceContact { id email } } }`;

const CONTACTS_QUERY = `
  query Person($id: ID!) { person(id: $id) { id name salesforceContacts { id lastModifiedAt } } }`;

const CONNECTION_QUERY = `{ salesforceConnection { status lastError } }`;

interface PersonData {
  person: null | { id: string; name: string; email: string | null; salesforceContact: null | { id: string; email: string | null } };
}

interface ContactsData {
  person: null | { id: string; name: string; salesforceContacts: null | Array<{ id: string; lastModifiedAt: string | null }> };
}

interface ConnectionData {
  salesforceConnection: null | { status: string; lastError: string | null };
}

const MB = 1024 * 1024;

const fixture = matchingPeopleAndContacts(10, 'lim');

function personAt(i: number): PersonRecord {
  const person = fixture.people[i];
  if (person === undefined) throw new Error(`no fixture person ${i}`);
  return person;
}

function codes(response: GraphQLResponse<unknown>): unknown[] {
  return (response.errors ?? []).map((e) => e.extensions?.code);
}

/** The person resolves, and its salesforceContact is null with exactly one error of `code`. */
function expectContactError(response: GraphQLResponse<PersonData>, i: number, code: string): void {
  const person = personAt(i);
  expect(response.data?.person).toEqual({ id: person.id, name: person.name, email: person.email, salesforceContact: null });
  expect(codes(response)).toEqual([code]);
  expect(response.errors?.[0]?.path).toEqual(['person', 'salesforceContact']);
}

function expectContact(response: GraphQLResponse<PersonData>, i: number): void {
  expect(response.errors).toBeUndefined();
  expect(response.data?.person?.salesforceContact?.id).toBe(contactId(i));
}

/** Samples this process's memory every few ms until stopped; reports the peak growth over the baseline. */
function memoryPeak(): { stop(): { heapMb: number; rssMb: number } } {
  const before = process.memoryUsage();
  let heap = before.heapUsed;
  let rss = before.rss;
  const timer = setInterval(() => {
    const now = process.memoryUsage();
    heap = Math.max(heap, now.heapUsed);
    rss = Math.max(rss, now.rss);
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return { heapMb: (heap - before.heapUsed) / MB, rssMb: (rss - before.rss) / MB };
    },
  };
}

/** Wait until `read` has not changed for `quietMs` (a lookup still reading in the background has stopped). */
async function settled(read: () => number, quietMs = 400, maxMs = 20_000): Promise<void> {
  const started = Date.now();
  let last = read();
  let since = Date.now();
  while (Date.now() - since < quietMs && Date.now() - started < maxMs) {
    await sleep(25);
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

/** One series' value from the subgraph's /metrics (0 when absent). */
async function metric(stack: Stack, series: string): Promise<number> {
  const text = await (await fetch(`${new URL(stack.subgraph.url).origin}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('bounded answers from a hostile org', () => {
  let stack: Stack;

  beforeAll(async () => {
    // No contact cache: every request reaches the (flooding) emulator.
    stack = await startStack({ emulator: { contacts: fixture.contacts }, people: fixture.people, env: { CONTACT_CACHE_TTL_MS: '0' } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  afterEach(() => {
    stack.emulator.setQueryFlood(null);
  });

  async function connectTenant(tenantId: string): Promise<void> {
    const response = await stack.connect(tenantId);
    expect(response.data?.connectSalesforce.userErrors).toEqual([]);
    stack.emulator.resetCounters();
  }

  it('endless pages of big records: the lookup stops at SALESFORCE_MAX_LOOKUP_BYTES and fails cleanly; memory stays bounded', async () => {
    await connectTenant('lim-pages');
    // ~8.3 MB pages (500 records of ~16 KB): under the 20 MiB answer limit and far from the 10,000 records, so only
    // the lookup's 64 MiB stops them. Without it the process would read 60 pages (~500 MB) before the valve (the
    // request deadline ends the wait, not the reading).
    stack.emulator.setQueryFlood({ kind: 'endless_pages', recordsPerPage: 500, recordBytes: 16_000, maxPages: 60 });
    const truncated = await metric(stack, 'salesforce_lookup_truncated_total{reason="lookup_bytes"}');
    const logsBefore = stack.subgraph.logs().length;
    const peak = memoryPeak();
    const response = await stack.asMember<PersonData>('lim-pages', PERSON_QUERY, { id: personAt(1).id });
    await settled(() => stack.emulator.floodCounters.pages);
    const grew = peak.stop();

    expectContactError(response, 1, 'SALESFORCE_UNAVAILABLE');
    // 64 MiB / ~8.3 MB per page: the page that crossed the budget is the last one asked for.
    expect(stack.emulator.floodCounters.pages).toBe(9);
    expect(grew.heapMb).toBeLessThan(320);
    expect(grew.rssMb).toBeLessThan(450);

    expect(await metric(stack, 'salesforce_lookup_truncated_total{reason="lookup_bytes"}')).toBe(truncated + 1);
    const logs = stack.subgraph.logs().slice(logsBefore);
    expect(logs).toContain('Stopped reading a Salesforce lookup');
    expect(logs).not.toContain('lim.1@example.com');
    const connection = await stack.asAdmin<ConnectionData>('lim-pages', CONNECTION_QUERY);
    expect(connection.data?.salesforceConnection).toEqual({ status: 'ERROR', lastError: expect.stringContaining('more than one lookup may read') });
  });

  it('endless pages of small records: the lookup stops at SALESFORCE_MAX_LOOKUP_RECORDS', async () => {
    await connectTenant('lim-records');
    stack.emulator.setQueryFlood({ kind: 'endless_pages', recordsPerPage: 2000, recordBytes: 10, maxPages: 100 });
    const truncated = await metric(stack, 'salesforce_lookup_truncated_total{reason="lookup_records"}');
    const response = await stack.asMember<PersonData>('lim-records', PERSON_QUERY, { id: personAt(2).id });
    await settled(() => stack.emulator.floodCounters.pages);

    expectContactError(response, 2, 'SALESFORCE_UNAVAILABLE');
    expect(stack.emulator.floodCounters.pages).toBe(6); // 12,000 records > 10,000
    expect(await metric(stack, 'salesforce_lookup_truncated_total{reason="lookup_records"}')).toBe(truncated + 1);
  });

  it('an answer that never ends: reading stops at SALESFORCE_MAX_RESPONSE_BYTES, not retried; memory stays bounded', async () => {
    await connectTenant('lim-body');
    stack.emulator.setQueryFlood({ kind: 'endless_body', maxBytes: 256 * MB });
    const tooLarge = await metric(stack, 'salesforce_requests_total{kind="query",outcome="too_large"}');
    const peak = memoryPeak();
    const response = await stack.asMember<PersonData>('lim-body', PERSON_QUERY, { id: personAt(3).id });
    await settled(() => stack.emulator.floodCounters.bytesWritten);
    const grew = peak.stop();

    expectContactError(response, 3, 'SALESFORCE_UNAVAILABLE');
    expect(stack.emulator.counters.query).toBe(1);
    // 20 MiB read, plus what the sockets buffered when it was closed.
    expect(stack.emulator.floodCounters.bytesWritten).toBeLessThan(40 * MB);
    expect(grew.heapMb).toBeLessThan(200);
    expect(grew.rssMb).toBeLessThan(300);
    expect(await metric(stack, 'salesforce_requests_total{kind="query",outcome="too_large"}')).toBe(tooLarge + 1);
    const connection = await stack.asAdmin<ConnectionData>('lim-body', CONNECTION_QUERY);
    expect(connection.data?.salesforceConnection?.lastError).toMatch(/answer is larger than 20971520 bytes; not read further$/);
  });

  it('keeps the 50 most recently modified contacts of one email (SALESFORCE_MAX_CONTACTS_PER_EMAIL) and drops the rest', async () => {
    await connectTenant('lim-per-email');
    const shared: EmulatorContact[] = Array.from({ length: 60 }, (_, i) => ({
      Id: `003SH${String(i).padStart(10, '0')}AAA`,
      Email: 'lim.4@example.com',
      LastName: `Dup${i}`,
      LastModifiedDate: `2024-03-${String((i % 28) + 1).padStart(2, '0')}T${String(Math.floor(i / 28)).padStart(2, '0')}:00:00.000+0000`,
    }));
    stack.emulator.setContacts([...fixture.contacts.filter((c) => c.Email !== 'lim.4@example.com'), ...shared]);
    const dropped = await metric(stack, 'salesforce_lookup_truncated_total{reason="contacts_per_email"}');
    try {
      const response = await stack.asMember<ContactsData>('lim-per-email', CONTACTS_QUERY, { id: personAt(4).id });
      expect(response.errors).toBeUndefined();
      const got = response.data?.person?.salesforceContacts ?? [];
      expect(got).toHaveLength(50);
      const newest = [...shared].sort((a, b) => String(b.LastModifiedDate).localeCompare(String(a.LastModifiedDate))).slice(0, 50);
      expect(new Set(got.map((c) => c.id))).toEqual(new Set(newest.map((c) => c.Id)));
      expect(await metric(stack, 'salesforce_lookup_truncated_total{reason="contacts_per_email"}')).toBe(dropped + 1);
    } finally {
      stack.emulator.setContacts(fixture.contacts);
    }
  });
});

describe('per-tenant rate of Salesforce calls', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      emulator: { contacts: fixture.contacts },
      people: fixture.people,
      env: { CONTACT_CACHE_TTL_MS: '0', SALESFORCE_TENANT_CALLS_PER_SECOND: '1', SALESFORCE_TENANT_CALLS_BURST: '2', SALESFORCE_BREAKER_THRESHOLD: '3' },
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('a tenant over its rate gets SALESFORCE_CALLS_THROTTLED on its contacts; its people resolve, other tenants are unaffected', async () => {
    for (const tenantId of ['rate-busy', 'rate-other']) expect((await stack.connect(tenantId)).data?.connectSalesforce.userErrors).toEqual([]);
    stack.emulator.resetCounters();

    expectContact(await stack.asMember<PersonData>('rate-busy', PERSON_QUERY, { id: personAt(0).id }), 0);
    expectContact(await stack.asMember<PersonData>('rate-busy', PERSON_QUERY, { id: personAt(1).id }), 1);
    // The burst is spent: more than the breaker's threshold of refusals, none of them sent.
    for (let n = 0; n < 5; n++) {
      expectContactError(await stack.asMember<PersonData>('rate-busy', PERSON_QUERY, { id: personAt(2).id }), 2, 'SALESFORCE_CALLS_THROTTLED');
    }
    expect(stack.emulator.counters.query).toBe(2);

    // Another tenant, at the same moment, is not held back.
    expectContact(await stack.asMember<PersonData>('rate-other', PERSON_QUERY, { id: personAt(3).id }), 3);
    expectContact(await stack.asMember<PersonData>('rate-other', PERSON_QUERY, { id: personAt(4).id }), 4);

    // The refusals were ours: the connection is not in error, and the circuit did not open.
    const connection = await stack.asAdmin<ConnectionData>('rate-busy', CONNECTION_QUERY);
    expect(connection.data?.salesforceConnection).toEqual({ status: 'CONNECTED', lastError: null });
    await sleep(1_100);
    expectContact(await stack.asMember<PersonData>('rate-busy', PERSON_QUERY, { id: personAt(2).id }), 2);

    expect(await metric(stack, 'salesforce_tenant_throttled_total')).toBe(5);
  });
});
