/**
 * The contact cache's bounds: entries and estimated bytes in all, a share of both per tenant, a TTL; and that a
 * tenant looking up ever new emails cannot push the other tenants' entries out.
 */
import { ContactCache, type ContactCacheOptions, estimateContactsBytes } from '../../src/loaders/contactCache';
import { contact } from '../support/records';


function cache(options: Partial<ContactCacheOptions> = {}) {
  let now = 0;
  const made = new ContactCache({
    keepMs: 60_000,
    maxEntries: 1_000,
    maxBytes: 1_000_000,
    tenantShare: 1,
    // Every entry weighs 100 unless told otherwise: bounds in the tests read as entry counts.
    sizeOf: () => 100,
    now: () => now,
    ...options,
  });
  return {
    cache: made,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Which of `keys` the tenant still has (a get, so it also counts as a use). */
function held(made: ContactCache, tenant: string, keys: string[]): string[] {
  return keys.filter((key) => made.get(tenant, key) !== undefined);
}

const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('ContactCache', () => {
  it('answers what was set, per tenant, with when Salesforce gave it, until keepMs after that', () => {
    const { cache: made, advance } = cache({ keepMs: 1_000 });
    made.set('t1', 'a', [contact('a@x.com')]);
    expect(made.get('t1', 'a')).toEqual({ contacts: [contact('a@x.com')], fetchedAt: 0 });
    expect(made.get('t2', 'a')).toBeUndefined();
    advance(999);
    expect(made.get('t1', 'a')).toBeDefined();
    advance(1);
    expect(made.get('t1', 'a')).toBeUndefined();
    expect(made.stats()).toEqual({ entries: 0, bytes: 0 });
    // An answer read earlier (from the shared tier) is kept only until keepMs after it was read.
    made.set('t1', 'b', [], 10); // now is 1,000: read 990 ms ago
    advance(9);
    expect(made.get('t1', 'b')).toEqual({ contacts: [], fetchedAt: 10 });
    advance(1);
    expect(made.get('t1', 'b')).toBeUndefined();
  });

  it('keeps at most maxBytes in all, dropping the least recently used', () => {
    const { cache: made } = cache({ maxBytes: 1_000 });
    for (const key of keys('k', 10)) made.set('t1', key, []);
    made.get('t1', 'k0'); // k0 is now the most recently used
    made.set('t1', 'new', []);
    expect(made.stats()).toEqual({ entries: 10, bytes: 1_000 });
    expect(held(made, 't1', ['k0', 'k1', 'new'])).toEqual(['k0', 'new']);
  });

  it('keeps at most maxEntries in all', () => {
    const { cache: made } = cache({ maxEntries: 3 });
    for (const key of keys('k', 5)) made.set('t1', key, []);
    expect(made.stats().entries).toBe(3);
    expect(held(made, 't1', keys('k', 5))).toEqual(['k2', 'k3', 'k4']);
  });

  it('does not cache an answer larger than a tenant’s share of bytes', () => {
    const { cache: made } = cache({ maxBytes: 1_000, tenantShare: 0.5, sizeOf: (key) => (key === 'huge' ? 501 : 100) });
    made.set('t1', 'huge', []);
    expect(made.get('t1', 'huge')).toBeUndefined();
    expect(made.stats()).toEqual({ entries: 0, bytes: 0 });
  });

  it('replacing a key counts it once', () => {
    const { cache: made } = cache();
    made.set('t1', 'a', []);
    made.set('t1', 'a', [contact('a@x.com')]);
    expect(made.stats()).toEqual({ entries: 1, bytes: 100 });
    expect(made.get('t1', 'a')?.contacts).toHaveLength(1);
  });

  describe('tenant shares', () => {
    it('a tenant past its share evicts its own entries, never another tenant’s', () => {
      const { cache: made } = cache({ maxBytes: 2_000, tenantShare: 0.25 }); // 20 entries in all, 5 per tenant
      for (const tenant of ['a', 'b', 'c']) for (const key of keys('k', 5)) made.set(tenant, key, []);
      // Tenant "flood" looks up 10,000 new emails.
      for (const key of keys('flood', 10_000)) made.set('flood', key, []);
      expect(made.stats('flood')).toEqual({ entries: 5, bytes: 500 });
      for (const tenant of ['a', 'b', 'c']) expect(held(made, tenant, keys('k', 5))).toEqual(keys('k', 5));
    });

    it('bounds a tenant by entries too', () => {
      const { cache: made } = cache({ maxEntries: 40, tenantShare: 0.1 });
      for (const key of keys('k', 100)) made.set('t1', key, []);
      expect(made.stats('t1').entries).toBe(4);
    });

    it('when every tenant is busy, the least recently used tenant makes room first', () => {
      const { cache: made } = cache({ maxEntries: 6, tenantShare: 0.5 }); // 3 per tenant
      for (const key of keys('k', 3)) made.set('quiet', key, []);
      for (const key of keys('k', 3)) made.set('busy', key, []);
      made.set('third', 'k0', []);
      expect(made.stats()).toEqual({ entries: 6, bytes: 600 });
      expect(made.stats('quiet').entries).toBe(2);
      expect(made.stats('busy').entries).toBe(3);
    });

    it('with a share of 1 a lone tenant may fill the cache', () => {
      const { cache: made } = cache({ maxEntries: 10, tenantShare: 1 });
      for (const key of keys('k', 20)) made.set('t1', key, []);
      expect(made.stats('t1').entries).toBe(10);
    });

    it('refuses a share outside (0, 1]', () => {
      expect(() => cache({ tenantShare: 0 })).toThrow(RangeError);
      expect(() => cache({ tenantShare: 1.5 })).toThrow(RangeError);
    });
  });
});

describe('estimateContactsBytes', () => {
  it('grows with what Salesforce sent, custom field values included', () => {
    const small = estimateContactsBytes([contact('a@x.com')]);
    const notes = 'n'.repeat(10_000);
    const big = estimateContactsBytes([contact('a@x.com', { customFields: [{ name: 'Notes__c', label: 'Notes', type: 'textarea', value: notes }] })]);
    expect(big - small).toBeGreaterThanOrEqual(10_000);
    expect(big - small).toBeLessThan(10_200);
    expect(estimateContactsBytes([])).toBeGreaterThan(0);
    expect(estimateContactsBytes([contact('a@x.com'), contact('b@x.com')])).toBeGreaterThan(2 * (small - 100));
  });

  it('is within a small factor of the JSON a contact is made of', () => {
    const full = contact('someone.with.a.long.name@example-company.com', {
      firstName: 'Alexandra',
      lastName: 'Montgomery-Smith',
      title: 'Senior Director, Procurement Operations',
      phone: '+1 (555) 123-4567',
      account: { id: '001000000000001AAA', name: 'Acme Industrial Holdings' },
      owner: { id: '005000000000001AAA', name: 'Jordan Salesperson', email: 'jordan@example.com' },
      lastModifiedAt: new Date(0),
    });
    const json = JSON.stringify(full).length;
    const estimate = estimateContactsBytes([full]);
    expect(estimate).toBeGreaterThan(json);
    expect(estimate).toBeLessThan(json * 4);
  });
});
