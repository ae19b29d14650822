/**
 * The directory of tenants' current connections: fresh entries answer without the store, announced changes and
 * local writes are read at once, and while changes are not heard entries are re-checked after a short bound.
 */
import { ConnectionDirectory, type CurrentConnection, scopeOf } from '../../src/connections/connectionDirectory';
import { StoreUnavailableError } from '../../src/connections/storeErrors';
import type { ConnectionRecord } from '../../src/connections/types';
import { connectionRecord } from '../support/records';

function record(overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return connectionRecord({
    tenantId: 't1',
    consumerKeyHint: '••••abcd',
    sealedCredentials: 'v1.x.y.z.w',
    credentialsId: 'creds-1',
    orgId: '00D000000000001EAA',
    contactFields: ['Id', 'Email'],
    apiVersion: 'v60.0',
    ...overrides,
  });
}

function setup(options: { listening?: boolean; requireProof?: boolean; maxTenants?: number; outageGraceMs?: number } = {}) {
  let clock = 1_000;
  const rows = new Map<string, ConnectionRecord | null>([['t1', record()]]);
  const reads: string[] = [];
  const changes: Array<[string, string | null, string | null]> = [];
  const evicted: Array<[string, string | null]> = [];
  /** down: the store refuses at once; silent: it never answers. */
  const away = { down: false, silent: false };
  const directory = new ConnectionDirectory({
    store: {
      get: async (tenantId) => {
        reads.push(tenantId);
        if (away.silent) return new Promise<never>(() => undefined);
        if (away.down) throw new StoreUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
        return rows.get(tenantId) ?? null;
      },
    },
    maxTenants: options.maxTenants ?? 100,
    maxAgeMs: 30_000,
    recheckMs: 500,
    listening: options.listening ?? true,
    requireProof: options.requireProof ?? false,
    ...(options.outageGraceMs === undefined ? {} : { outageGraceMs: options.outageGraceMs }),
    onChange: (tenantId, previous, next) => changes.push([tenantId, previous?.record.credentialsId ?? null, next?.record.credentialsId ?? null]),
    onEvict: (tenantId, connection) => evicted.push([tenantId, connection?.record.credentialsId ?? null]),
    now: () => clock,
  });
  return { directory, rows, reads, changes, evicted, away, now: () => clock, advance: (ms: number) => (clock += ms) };
}

describe('ConnectionDirectory', () => {
  it('reads a tenant once while its entry is fresh, and answers null for a tenant with no connection', async () => {
    const { directory, reads } = setup();
    const first = await directory.get('t1');
    const second = await directory.get('t1');
    expect(second).toBe(first);
    expect(await directory.get('nobody')).toBeNull();
    expect(await directory.get('nobody')).toBeNull();
    expect(reads).toEqual(['t1', 'nobody']);
  });

  it('joins concurrent reads of one tenant', async () => {
    const { directory, reads } = setup();
    await Promise.all([directory.get('t1'), directory.get('t1'), directory.get('t1')]);
    expect(reads).toEqual(['t1']);
  });

  it('re-reads on refresh and tells of a changed scope: reconnect, then disconnect', async () => {
    const { directory, rows, changes } = setup();
    const before = (await directory.get('t1')) as CurrentConnection;
    rows.set('t1', record({ credentialsId: 'creds-2' }));
    const after = await directory.refresh('t1');
    expect(after?.scope).not.toBe(before.scope);
    expect(await directory.isCurrent('t1', before.scope)).toBe(false);
    rows.set('t1', null);
    expect(await directory.refresh('t1')).toBeNull();
    expect(changes).toEqual([
      ['t1', 'creds-1', 'creds-2'],
      ['t1', 'creds-2', null],
    ]);
  });

  it('keeps the scope (and tells nothing) when only the status changes', async () => {
    const { directory, rows, changes } = setup();
    const before = (await directory.get('t1')) as CurrentConnection;
    rows.set('t1', record({ status: 'ERROR', lastError: 'query: 503' }));
    const after = await directory.refresh('t1');
    expect(after?.scope).toBe(before.scope);
    expect(after?.record.status).toBe('ERROR');
    expect(changes).toEqual([]);
  });

  it('trusts an entry for maxAgeMs while changes are heard, and only recheckMs while they are not', async () => {
    const { directory, reads, advance } = setup({ listening: false });
    await directory.get('t1');
    advance(499);
    await directory.get('t1');
    expect(reads).toHaveLength(1);
    advance(1);
    await directory.get('t1');
    expect(reads).toHaveLength(2);

    directory.setListening(true);
    await directory.get('t1'); // back to hearing changes after a gap: re-read once
    expect(reads).toHaveLength(3);
    advance(29_999);
    await directory.get('t1');
    expect(reads).toHaveLength(3);
    advance(1);
    await directory.get('t1');
    expect(reads).toHaveLength(4);
  });

  it('a refresh during a read reads again after it, so a change is never lost to a read that started before it', async () => {
    const { directory, rows } = setup();
    const reading = directory.get('t1');
    rows.set('t1', record({ credentialsId: 'creds-2' }));
    const refreshed = await directory.refresh('t1');
    await reading;
    expect(refreshed?.record.credentialsId).toBe('creds-2');
    expect((await directory.get('t1'))?.record.credentialsId).toBe('creds-2');
  });

  it('after a refresh, nobody joins a read that started before it, and that read is not trusted as fresh', async () => {
    let release: () => void = () => undefined;
    const rows = new Map([['t1', record()]]);
    const reads: string[] = [];
    const directory = new ConnectionDirectory({
      store: {
        get: async (tenantId) => {
          const row = rows.get(tenantId) ?? null;
          reads.push(row?.credentialsId ?? 'none');
          if (reads.length === 1) await new Promise<void>((resolve) => (release = resolve)); // the first read is slow
          return row;
        },
      },
      maxTenants: 10,
      maxAgeMs: 30_000,
      recheckMs: 500,
      listening: true,
    });
    const before = directory.get('t1'); // reads creds-1, slowly
    await Promise.resolve();
    rows.set('t1', record({ credentialsId: 'creds-2' }));
    const refreshed = directory.refresh('t1');
    const afterwards = directory.get('t1');
    release();
    expect((await before)?.record.credentialsId).toBe('creds-1');
    expect((await afterwards)?.record.credentialsId).toBe('creds-2');
    expect((await refreshed)?.record.credentialsId).toBe('creds-2');
    expect((await directory.get('t1'))?.record.credentialsId).toBe('creds-2');
  });

  it('ignores a change announced for a tenant it never read', async () => {
    const { directory, reads } = setup();
    await directory.changedElsewhere('t1');
    expect(reads).toEqual([]);
    await directory.get('t1');
    await directory.changedElsewhere('t1');
    expect(reads).toEqual(['t1', 't1']);
  });

  it('does not cache a failed read', async () => {
    const store = { failing: true, reads: 0 };
    const directory = new ConnectionDirectory({
      store: {
        get: async () => {
          store.reads += 1;
          if (store.failing) throw new Error('down');
          return record();
        },
      },
      maxTenants: 10,
      maxAgeMs: 30_000,
      recheckMs: 500,
      listening: true,
    });
    await expect(directory.get('t1')).rejects.toThrow('down');
    store.failing = false;
    await expect(directory.get('t1')).resolves.toMatchObject({ record: { tenantId: 't1' } });
    expect(store.reads).toBe(2);
  });
});

describe('scopeOf', () => {
  it.each<[string, Partial<ConnectionRecord>]>([
    ['credentials', { credentialsId: 'creds-2' }],
    ['instance', { instanceUrl: 'https://other.my.salesforce.com' }],
    ['API version', { apiVersion: 'v61.0' }],
    ['standard fields', { contactFields: ['Id', 'Email', 'Title'] }],
    ['custom fields', { customFields: [{ name: 'Tier__c', label: 'Tier', type: 'string' }] }],
    ['unavailable fields', { unavailableFields: ['Title'] }],
    ['tenant', { tenantId: 't2' }],
  ])('changes with the %s', (_what, change) => {
    expect(scopeOf(record(change))).not.toBe(scopeOf(record()));
  });

  it.each<[string, Partial<ConnectionRecord>]>([
    ['status', { status: 'ERROR' }],
    ['last error', { lastError: 'boom' }],
    ['timestamps', { updatedAt: new Date(5), lastValidatedAt: new Date(6) }],
  ])('does not change with the %s', (_what, change) => {
    expect(scopeOf(record(change))).toBe(scopeOf(record()));
  });

  describe('a listener that must prove it hears', () => {
    it('trusts an entry for maxAgeMs only while the listener proved itself within recheckMs', async () => {
      const { directory, reads, advance, now } = setup({ requireProof: true });
      await directory.get('t1');
      // Proofs keep coming: the entry is trusted past recheckMs.
      for (let i = 0; i < 8; i++) {
        advance(200);
        directory.heard(now());
        await directory.get('t1');
      }
      expect(reads).toEqual(['t1']);
      // The listening connection goes silent without closing (no proof, still "connected").
      advance(499);
      await directory.get('t1');
      expect(reads).toEqual(['t1']);
      advance(1);
      await directory.get('t1'); // 500 ms since the last proof: read again
      expect(reads).toEqual(['t1', 't1']);
      await directory.get('t1');
      advance(499);
      await directory.get('t1');
      expect(reads).toEqual(['t1', 't1']); // and then at most every recheckMs while silent
      advance(1);
      await directory.get('t1');
      expect(reads).toEqual(['t1', 't1', 't1']);
      // Proved alive again on the same connection (nothing was missed): trusted as before.
      directory.heard(now());
      advance(400);
      await directory.get('t1');
      expect(reads).toHaveLength(3);
      expect(directory.isListening).toBe(true);
    });

    it('counts a proof only from when its round trip was sent, and none while the listener is down', async () => {
      const { directory, advance, now } = setup({ requireProof: true });
      const sent = now();
      advance(450);
      directory.heard(sent); // answered late: proves only what was committed before it was sent
      advance(50);
      expect(directory.isListening).toBe(false);
      directory.setListening(false);
      directory.heard(now());
      expect(directory.isListening).toBe(false);
    });
  });

  describe('eviction', () => {
    it('reports a tenant pushed out with the connection it had, and reads it afresh next time', async () => {
      const { directory, rows, reads, changes, evicted } = setup({ maxTenants: 2 });
      rows.set('t2', record({ tenantId: 't2', credentialsId: 'creds-2' }));
      rows.set('t3', record({ tenantId: 't3', credentialsId: 'creds-3' }));
      await directory.get('t1');
      await directory.get('t2');
      await directory.get('t3');
      expect(evicted).toEqual([['t1', 'creds-1']]);
      // Reconnected elsewhere while out: the notification finds nothing to correct here…
      rows.set('t1', record({ credentialsId: 'creds-9' }));
      await directory.changedElsewhere('t1');
      // …and the next read is a first one, with nothing from before (the hook dropped it).
      expect((await directory.get('t1'))?.record.credentialsId).toBe('creds-9');
      expect(reads.filter((tenant) => tenant === 't1')).toHaveLength(2);
      expect(changes).toEqual([]);
      expect(evicted).toEqual([
        ['t1', 'creds-1'],
        ['t2', 'creds-2'],
      ]);
    });

    it('does not report a tenant re-read in place, or one refreshed', async () => {
      const { directory, evicted } = setup({ maxTenants: 2 });
      await directory.get('t1');
      await directory.refresh('t1');
      await directory.refresh('t1');
      expect(evicted).toEqual([]);
    });
  });

  describe('while the store is away', () => {
    it('answers what it last read, for up to outageGraceMs after that read, asking the store at most every recheckMs', async () => {
      const { directory, reads, away, advance } = setup({ listening: false, outageGraceMs: 60_000 });
      const known = await directory.get('t1');
      away.down = true;
      advance(600); // past recheckMs: the entry needs a read, which fails
      expect(await directory.get('t1')).toBe(known);
      expect(reads).toHaveLength(2);
      advance(100);
      expect(await directory.get('t1')).toBe(known); // no new attempt within recheckMs
      expect(reads).toHaveLength(2);
      advance(500);
      expect(await directory.get('t1')).toBe(known); // answered at once; the row is tried again behind
      await Promise.resolve();
      expect(reads).toHaveLength(3);
      advance(60_000);
      await expect(directory.get('t1')).rejects.toBeInstanceOf(StoreUnavailableError); // past the grace
      away.down = false;
      expect(await directory.get('t1')).toEqual(known);
    });

    it('does not hold a request for a store that does not answer at all, once it knows the store is away', async () => {
      const { directory, away, advance } = setup({ listening: false, outageGraceMs: 60_000 });
      const known = await directory.get('t1');
      away.down = true;
      advance(600);
      await directory.get('t1'); // the first to notice
      away.silent = true; // from now on the store never answers
      advance(600);
      expect(await directory.get('t1')).toBe(known);
      expect(await directory.get('t1')).toBe(known);
    });

    it('answers the store’s failure for a tenant it never read, and for one a change was announced for', async () => {
      const { directory, away } = setup({ outageGraceMs: 60_000 });
      await directory.get('t1');
      away.down = true;
      await expect(directory.get('t2')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(directory.changedElsewhere('t1')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(directory.get('t1')).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });
});
