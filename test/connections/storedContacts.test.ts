/**
 * The shared contact tier's contract, on SQLite and PostgreSQL: answers by scope and email with the time they were
 * read, one statement per write with the newer answer winning, and every answer tied to its connection: deleted
 * with it, deleted by a reconnect, refused once it is gone; swept by age and by a per-tenant bound.
 */
import { randomUUID } from 'node:crypto';
import type { AnswerScope, StoredAnswer } from '../../src/connections/storedContacts';
import type { ConnectionRecord, ConnectionStore } from '../../src/connections/types';
import { connectionRecord, contact } from '../support/records';
import { describeEachStore } from '../support/stores';

const T0 = new Date('2026-12-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

function answer(fetchedAt: Date, ...emails: string[]): StoredAnswer {
  return { contacts: emails.map((email) => contact(email, { lastModifiedAt: new Date('2024-03-04T05:06:07.000Z') })), fetchedAt };
}

describeEachStore('StoredContacts contract', (currentStore) => {
  let store: ConnectionStore;
  beforeEach(() => {
    store = currentStore();
  });

  /** A connected tenant of its own, and the scope its answers are kept under. */
  async function connected(overrides: Partial<ConnectionRecord> = {}): Promise<{ record: ConnectionRecord; scope: AnswerScope }> {
    const record = connectionRecord({ tenantId: `tenant-${randomUUID()}`, credentialsId: randomUUID(), ...overrides });
    await store.upsert(record);
    return { record, scope: { tenantId: record.tenantId, credentialsId: record.credentialsId, scope: `scope-${randomUUID()}` } };
  }

  it('keeps answers and "no contact" by scope and email, with when they were read, contacts intact', async () => {
    const { scope } = await connected();
    const ada = answer(at(0), 'ada@x.com');
    expect(await store.contacts.write(scope, new Map([['ada@x.com', ada], ['nobody@x.com', answer(at(0))]]))).toBe(true);
    const read = await store.contacts.read(scope, ['ada@x.com', 'nobody@x.com', 'never@x.com'], at(-1));
    expect([...read.keys()].sort()).toEqual(['ada@x.com', 'nobody@x.com']);
    expect(read.get('ada@x.com')).toEqual(ada);
    expect(read.get('nobody@x.com')).toEqual({ contacts: [], fetchedAt: at(0) });
  });

  it('answers only what was read at or after `since`, and only under the scope asked for', async () => {
    const { scope } = await connected();
    await store.contacts.write(scope, new Map([['old@x.com', answer(at(0), 'old@x.com')], ['new@x.com', answer(at(10), 'new@x.com')]]));
    expect([...(await store.contacts.read(scope, ['old@x.com', 'new@x.com'], at(5))).keys()]).toEqual(['new@x.com']);
    const otherFields = { ...scope, scope: `${scope.scope}-fields-changed` };
    expect((await store.contacts.read(otherFields, ['old@x.com', 'new@x.com'], at(-1))).size).toBe(0);
  });

  it('keeps the newer answer when an older one arrives later', async () => {
    const { scope } = await connected();
    await store.contacts.write(scope, new Map([['ada@x.com', answer(at(10), 'ada@x.com')]]));
    await store.contacts.write(scope, new Map([['ada@x.com', answer(at(5))]]));
    expect((await store.contacts.read(scope, ['ada@x.com'], at(0))).get('ada@x.com')?.fetchedAt).toEqual(at(10));
    await store.contacts.write(scope, new Map([['ada@x.com', answer(at(20))]]));
    expect((await store.contacts.read(scope, ['ada@x.com'], at(0))).get('ada@x.com')).toEqual({ contacts: [], fetchedAt: at(20) });
  });

  it('deletes a connection’s answers with it, and refuses answers written after', async () => {
    const { record, scope } = await connected();
    await store.contacts.write(scope, new Map([['ada@x.com', answer(at(0), 'ada@x.com')]]));
    await store.delete(record.tenantId);
    expect((await store.contacts.read(scope, ['ada@x.com'], at(-1))).size).toBe(0);
    expect(await store.contacts.write(scope, new Map([['ada@x.com', answer(at(1), 'ada@x.com')]]))).toBe(false);
    expect((await store.contacts.read(scope, ['ada@x.com'], at(-1))).size).toBe(0);
  });

  it('deletes the old credentials’ answers on a reconnect, and refuses their late answers', async () => {
    const { record, scope } = await connected();
    await store.contacts.write(scope, new Map([['ada@x.com', answer(at(0), 'ada@x.com')]]));
    await store.upsert({ ...record, credentialsId: randomUUID() });
    expect((await store.contacts.read(scope, ['ada@x.com'], at(-1))).size).toBe(0);
    expect(await store.contacts.write(scope, new Map([['ada@x.com', answer(at(1), 'ada@x.com')]]))).toBe(false);
  });

  it('keeps answers through changes that keep the credentials (fields, status, a re-seal)', async () => {
    const { record, scope } = await connected();
    await store.contacts.write(scope, new Map([['ada@x.com', answer(at(0), 'ada@x.com')]]));
    await store.update(record.tenantId, { unavailableFields: ['Genfin_Tier__c'], status: 'ERROR', lastError: 'x' });
    await store.upsert({ ...record, contactFields: ['Id', 'Email'] });
    expect((await store.contacts.read(scope, ['ada@x.com'], at(-1))).size).toBe(1);
  });

  it('sweeps answers read before a time, and each tenant’s oldest beyond its bound, leaving other tenants alone', async () => {
    const busy = await connected();
    const quiet = await connected();
    const busyAnswers = new Map(Array.from({ length: 5 }, (_, i) => [`p${i}@x.com`, answer(at(i))] as const));
    await store.contacts.write(busy.scope, busyAnswers);
    await store.contacts.write(quiet.scope, new Map([['q@x.com', answer(at(4))], ['stale@x.com', answer(at(-100))]]));
    expect(await store.contacts.sweep(at(-50), 3)).toBe(3); // quiet's stale answer, busy's two oldest
    expect([...(await store.contacts.read(busy.scope, [...busyAnswers.keys()], at(-1))).keys()].sort()).toEqual(['p2@x.com', 'p3@x.com', 'p4@x.com']);
    expect([...(await store.contacts.read(quiet.scope, ['q@x.com', 'stale@x.com'], at(-1000))).keys()]).toEqual(['q@x.com']);
  });

  it('grants each stale answer’s refresh to one claimant at a time, and what it has not got at all to anyone', async () => {
    const { scope } = await connected();
    await store.contacts.write(scope, new Map([['old@x.com', answer(at(0))], ['new@x.com', answer(at(100))]]));
    const staleBefore = at(50);
    expect(await store.contacts.claimRefresh(scope, ['old@x.com', 'new@x.com', 'unknown@x.com'], staleBefore)).toEqual(
      expect.arrayContaining(['old@x.com', 'unknown@x.com']),
    );
    expect((await store.contacts.claimRefresh(scope, ['old@x.com', 'new@x.com'], staleBefore))).toEqual([]); // claimed already
    // The refresh lands: the claim is over, and the answer is fresh.
    await store.contacts.write(scope, new Map([['old@x.com', answer(at(200))]]));
    expect(await store.contacts.claimRefresh(scope, ['old@x.com'], staleBefore)).toEqual([]);
    expect(await store.contacts.claimRefresh(scope, ['old@x.com'], at(300))).toEqual(['old@x.com']);
  });

  it('reads and writes a thousand answers in one call each', async () => {
    const { scope } = await connected();
    const many = new Map(Array.from({ length: 1000 }, (_, i) => [`person.${i}@x.com`, answer(at(0), `person.${i}@x.com`)] as const));
    expect(await store.contacts.write(scope, many)).toBe(true);
    const read = await store.contacts.read(scope, [...many.keys()], at(0));
    expect(read.size).toBe(1000);
    expect(read.get('person.999@x.com')?.contacts[0]?.email).toBe('person.999@x.com');
  });
});
