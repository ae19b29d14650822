/** The per-tenant token cache: single-flight fetching, failures that cache nothing, and careful invalidation. */
import { type SalesforceToken, TokenRequestError } from '../../src/salesforce/oauth';
import { TokenManager } from '../../src/salesforce/tokens';
import { fakeToken } from './helpers';
import { deferred } from '../support/promises';

function newManager(idleTtlMs = 60_000): TokenManager {
  return new TokenManager({ maxTenants: 100, idleTtlMs });
}

/** A fetchToken that hands out tok-1, tok-2, … and counts its calls. */
function countingFetch() {
  let issued = 0;
  return jest.fn(async (): Promise<SalesforceToken> => fakeToken(`tok-${++issued}`));
}

describe('TokenManager', () => {
  it('fetches once for 50 concurrent gets and gives all of them the same token', async () => {
    const manager = newManager();
    const pending = deferred<SalesforceToken>();
    const fetchToken = jest.fn(() => pending.promise);

    const gets = Array.from({ length: 50 }, () => manager.get('tenant', 'creds', fetchToken));
    pending.resolve(fakeToken('tok-1'));
    const tokens = await Promise.all(gets);

    expect(fetchToken).toHaveBeenCalledTimes(1);
    expect(new Set(tokens.map((token) => token.accessToken))).toEqual(new Set(['tok-1']));
  });

  it('serves later gets from the cache', async () => {
    const manager = newManager();
    const fetchToken = countingFetch();
    await manager.get('tenant', 'creds', fetchToken);
    const again = await manager.get('tenant', 'creds', fetchToken);
    expect(again.accessToken).toBe('tok-1');
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it('hands a failed fetch to every waiter, caches nothing, and fetches again on the next get', async () => {
    const manager = newManager();
    const pending = deferred<SalesforceToken>();
    const failure = new Error('invalid_client');
    const failing = jest.fn(() => pending.promise);

    const gets = Array.from({ length: 5 }, () => manager.get('tenant', 'creds', failing));
    pending.reject(failure);
    const outcomes = await Promise.allSettled(gets);

    expect(failing).toHaveBeenCalledTimes(1);
    expect(outcomes).toEqual(Array.from({ length: 5 }, () => ({ status: 'rejected', reason: failure })));

    const fetchToken = countingFetch();
    await expect(manager.get('tenant', 'creds', fetchToken)).resolves.toMatchObject({ accessToken: 'tok-1' });
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it('fetches a new token once the credentials change (a reconnect), and none for the retired ones', async () => {
    const manager = newManager();
    const fetchToken = countingFetch();
    await expect(manager.get('tenant', 'creds-1', fetchToken)).resolves.toMatchObject({ accessToken: 'tok-1' });
    expect(manager.retire('tenant', 'creds-2')).toMatchObject({ accessToken: 'tok-1' });
    await expect(manager.get('tenant', 'creds-2', fetchToken)).resolves.toMatchObject({ accessToken: 'tok-2' });
    await expect(manager.get('tenant', 'creds-1', fetchToken)).rejects.toMatchObject({ errorCode: 'CONNECTION_CHANGED' });
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it('asks nothing for credentials a test proved after a reconnect replaced them: offer hands the token back', async () => {
    const manager = newManager();
    const fetchToken = countingFetch();
    manager.put('tenant', 'creds-2', fakeToken('current'));
    const late = fakeToken('late-proof-of-creds-1');
    expect(manager.offer('tenant', 'creds-1', late)).toBe(late);
    await expect(manager.get('tenant', 'creds-2', fetchToken)).resolves.toMatchObject({ accessToken: 'current' });
    expect(fetchToken).not.toHaveBeenCalled();
  });

  it('does not join a fetch under way for other credentials', async () => {
    const manager = newManager();
    const fetchToken = countingFetch();
    const [first, second] = await Promise.all([manager.get('tenant', 'creds-1', fetchToken), manager.get('tenant', 'creds-2', fetchToken)]);
    expect(first.accessToken).not.toBe(second.accessToken);
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it('lets no arriving token decide which credentials are the tenant\'s', async () => {
    const manager = newManager();
    await manager.get('tenant', 'creds-1', countingFetch());
    expect(manager.isCurrent('tenant', 'creds-2')).toBe(true); // nothing decided yet: the directory or connect will
    manager.retire('tenant', 'creds-2');
    expect(manager.isCurrent('tenant', 'creds-1')).toBe(false);
  });

  it('keeps tenants apart', async () => {
    const manager = newManager();
    const fetchToken = countingFetch();
    const [a, b] = await Promise.all([manager.get('tenant-a', 'creds', fetchToken), manager.get('tenant-b', 'creds', fetchToken)]);
    expect(a.accessToken).not.toBe(b.accessToken);
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it('invalidate drops the refused token, so the next get fetches a new one', async () => {
    const manager = newManager();
    const fetchToken = countingFetch();
    const stale = await manager.get('tenant', 'creds', fetchToken);
    manager.invalidate('tenant', stale);
    await expect(manager.get('tenant', 'creds', fetchToken)).resolves.toMatchObject({ accessToken: 'tok-2' });
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it('invalidate with a stale token does not drop a newer one', async () => {
    const manager = newManager();
    const fetchToken = countingFetch();
    const stale = await manager.get('tenant', 'creds', fetchToken);
    manager.invalidate('tenant', stale);
    const fresh = await manager.get('tenant', 'creds', fetchToken);

    manager.invalidate('tenant', stale); // a slower request that also got 401 with the old token

    await expect(manager.get('tenant', 'creds', fetchToken)).resolves.toBe(fresh);
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it('drop forgets the token and hands it back', async () => {
    const manager = newManager();
    const fetchToken = countingFetch();
    const token = await manager.get('tenant', 'creds', fetchToken);

    expect(manager.drop('tenant')).toBe(token);
    expect(manager.drop('tenant')).toBeUndefined();
    // Disconnected: no token is fetched with the removed credentials.
    await expect(manager.get('tenant', 'creds', fetchToken)).rejects.toMatchObject({ errorCode: 'CONNECTION_CHANGED' });
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it('drop of an unknown tenant returns undefined', () => {
    expect(newManager().drop('nobody')).toBeUndefined();
  });

  it('put pre-seeds the cache for those credentials only', async () => {
    const manager = newManager();
    const fetchToken = countingFetch();
    const seeded = fakeToken('seeded');
    manager.put('tenant', 'creds', seeded);

    await expect(manager.get('tenant', 'creds', fetchToken)).resolves.toBe(seeded);
    expect(fetchToken).not.toHaveBeenCalled();
    await expect(manager.get('tenant', 'other-creds', fetchToken)).rejects.toMatchObject({ errorCode: 'CONNECTION_CHANGED' });
    expect(fetchToken).not.toHaveBeenCalled();
  });

  it('forgets a token left unused for idleTtlMs', async () => {
    const manager = newManager(20);
    const fetchToken = countingFetch();
    await manager.get('tenant', 'creds', fetchToken);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await expect(manager.get('tenant', 'creds', fetchToken)).resolves.toMatchObject({ accessToken: 'tok-2' });
  });
});

describe('TokenManager with disconnects and reconnects under way', () => {
  const token = (name: string) => ({ accessToken: name, instanceUrl: 'https://acme.my.salesforce.com', issuedAt: null, orgId: null, userId: null });

  it('does not cache, and reports as an orphan, a token whose fetch finishes after a disconnect', async () => {
    const orphans: string[] = [];
    const manager = new TokenManager({ maxTenants: 10, idleTtlMs: 60_000, onOrphan: (t) => orphans.push(t.accessToken) });
    const pending = deferred<ReturnType<typeof token>>();
    const fetching = manager.get('t', 'old', () => pending.promise);
    expect(manager.drop('t')).toBeUndefined();
    pending.resolve(token('LATE'));
    // Handed to no one: a waiter given it would send its call after the disconnect.
    await expect(fetching).rejects.toMatchObject({ errorCode: 'CONNECTION_CHANGED' });
    expect(orphans).toEqual(['LATE']);
    expect(manager.drop('t')).toBeUndefined();
  });

  it('keeps the reconnect token when an old-credentials fetch finishes later', async () => {
    const orphans: string[] = [];
    const manager = new TokenManager({ maxTenants: 10, idleTtlMs: 60_000, onOrphan: (t) => orphans.push(t.accessToken) });
    const pending = deferred<ReturnType<typeof token>>();
    const fetching = manager.get('t', 'old', () => pending.promise);
    expect(manager.put('t', 'new', token('NEW'))).toBeUndefined();
    pending.resolve(token('OLD-LATE'));
    await expect(fetching).rejects.toMatchObject({ errorCode: 'CONNECTION_CHANGED' });
    expect(orphans).toEqual(['OLD-LATE']);
    await expect(manager.get('t', 'new', () => Promise.reject(new Error('should not fetch')))).resolves.toMatchObject({ accessToken: 'NEW' });
  });

  it('put hands back the token it replaces', () => {
    const manager = new TokenManager({ maxTenants: 10, idleTtlMs: 60_000 });
    manager.put('t', 'c', token('A'));
    expect(manager.put('t', 'c', token('B'))?.accessToken).toBe('A');
    expect(manager.put('t', 'c', token('B'))).toBeUndefined();
  });
});

describe('TokenManager remembering refusals', () => {
  const refusal = () => new TokenRequestError(400, 'invalid_client', 'invalid client credentials');

  it('answers later gets with the remembered refusal, without fetching, until put() proves new ones', async () => {
    const manager = new TokenManager({ maxTenants: 10, idleTtlMs: 60_000, refusalTtlMs: 60_000 });
    const fetchToken = jest.fn(() => Promise.reject(refusal()));
    await expect(manager.get('t', 'c', fetchToken)).rejects.toBeInstanceOf(TokenRequestError);
    await expect(manager.get('t', 'c', fetchToken)).rejects.toBeInstanceOf(TokenRequestError);
    expect(fetchToken).toHaveBeenCalledTimes(1);
    manager.put('t', 'c', { accessToken: 'OK', instanceUrl: 'https://acme.my.salesforce.com', issuedAt: null, orgId: null, userId: null });
    await expect(manager.get('t', 'c', fetchToken)).resolves.toMatchObject({ accessToken: 'OK' });
  });

  it('does not remember transport failures, only refusals', async () => {
    const manager = new TokenManager({ maxTenants: 10, idleTtlMs: 60_000, refusalTtlMs: 60_000 });
    const fetchToken = jest.fn(() => Promise.reject(new Error('ECONNRESET')));
    await expect(manager.get('t', 'c', fetchToken)).rejects.toThrow('ECONNRESET');
    await expect(manager.get('t', 'c', fetchToken)).rejects.toThrow('ECONNRESET');
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });
});

describe('TokenManager when what it knew of a tenant was pushed out', () => {
  const token = (name: string) => ({ accessToken: name, instanceUrl: 'https://acme.my.salesforce.com', issuedAt: null, orgId: null, userId: null });
  it('hands no one a token whose fetch started while the owner was known and ends after it was forgotten', async () => {
    const orphans: string[] = [];
    const manager = new TokenManager({ maxTenants: 2, idleTtlMs: 60_000, onOrphan: (t) => orphans.push(t.accessToken) });
    manager.retire('t', 'A'); // the directory read the tenant: A
    const pending = deferred<ReturnType<typeof token>>();
    const fetching = manager.get('t', 'A', () => pending.promise);
    manager.drop('t'); // disconnect…
    for (let i = 0; i < 4; i++) manager.retire(`other-${i}`, 'x'); // …then enough other tenants push it out
    pending.resolve(token('LATE'));
    await expect(fetching).rejects.toMatchObject({ errorCode: 'CONNECTION_CHANGED' });
    expect(orphans).toEqual(['LATE']);
    // The stale credentials did not claim the tenant: its current ones still get a token.
    await expect(manager.get('t', 'B', async () => token('B'))).resolves.toMatchObject({ accessToken: 'B' });
  });
});
