/** The per-tenant token bucket on Salesforce calls: a burst at once, then the rate; refusals at once, per tenant. */
import { SalesforceError } from '../../src/salesforce/errors';
import { isTenantThrottled, TENANT_RATE_LIMITED_CODE, TenantRateLimiter } from '../../src/salesforce/tenantRateLimiter';

function limiter(options: { callsPerSecond?: number; burst?: number; maxTenants?: number } = {}) {
  let now = 1_000_000;
  const refusals: string[] = [];
  const limits = new TenantRateLimiter({
    callsPerSecond: options.callsPerSecond ?? 2,
    burst: options.burst ?? 4,
    maxTenants: options.maxTenants ?? 100,
    onRefusal: (tenantId) => refusals.push(tenantId),
    now: () => now,
  });
  return {
    limits,
    refusals,
    advance(ms: number) {
      now += ms;
    },
  };
}

function refusal(take: () => void): unknown {
  try {
    take();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('TenantRateLimiter', () => {
  it('lets a quiet tenant make `burst` calls at once, then refuses at once with TENANT_RATE_LIMITED', () => {
    const { limits, refusals } = limiter({ burst: 4 });
    for (let i = 0; i < 4; i++) limits.take('t1');
    const error = refusal(() => limits.take('t1'));
    expect(error).toBeInstanceOf(SalesforceError);
    expect(error).toMatchObject({ kind: 'rate_limited', errorCode: TENANT_RATE_LIMITED_CODE });
    expect((error as Error).message).toBe('Too many Salesforce calls for this tenant (more than 2 per second, bursts of 4); try again shortly');
    expect(isTenantThrottled(error)).toBe(true);
    expect(refusals).toEqual(['t1']);
  });

  it('refills at callsPerSecond, never above burst', () => {
    const { limits, advance } = limiter({ callsPerSecond: 2, burst: 4 });
    for (let i = 0; i < 4; i++) limits.take('t1');
    advance(499);
    expect(limits.available('t1')).toBe(0);
    advance(1);
    expect(limits.available('t1')).toBe(1);
    limits.take('t1');
    expect(refusal(() => limits.take('t1'))).toBeDefined();
    advance(60_000);
    expect(limits.available('t1')).toBe(4);
  });

  it('holds a steady caller to the rate: 10 s at 50 calls a second gets about 2 a second through', () => {
    const { limits, advance } = limiter({ callsPerSecond: 2, burst: 4 });
    let granted = 0;
    for (let ms = 0; ms < 10_000; ms += 20) {
      if (refusal(() => limits.take('t1')) === undefined) granted++;
      advance(20);
    }
    expect(granted).toBeGreaterThanOrEqual(4 + 19);
    expect(granted).toBeLessThanOrEqual(4 + 20);
  });

  it('keeps tenants apart: one tenant over its rate does not slow another', () => {
    const { limits, refusals } = limiter({ burst: 2 });
    limits.take('busy');
    limits.take('busy');
    expect(refusal(() => limits.take('busy'))).toBeDefined();
    expect(refusal(() => limits.take('quiet'))).toBeUndefined();
    expect(limits.available('quiet')).toBe(1);
    expect(refusals).toEqual(['busy']);
  });

  it('does not count a clock stepping back', () => {
    const { limits, advance } = limiter({ burst: 1 });
    limits.take('t1');
    advance(-10_000);
    expect(refusal(() => limits.take('t1'))).toBeDefined();
  });

  it('keeps at most maxTenants buckets (a forgotten bucket is a full one)', () => {
    const { limits } = limiter({ burst: 1, maxTenants: 2 });
    limits.take('a');
    limits.take('b');
    limits.take('c'); // 'a' is forgotten
    expect(limits.available('a')).toBe(1);
    expect(limits.available('c')).toBe(0);
  });

  it('refuses nonsense options', () => {
    expect(() => new TenantRateLimiter({ callsPerSecond: 0, burst: 1, maxTenants: 1 })).toThrow(RangeError);
    expect(() => new TenantRateLimiter({ callsPerSecond: 1, burst: 0, maxTenants: 1 })).toThrow(RangeError);
  });

  it('isTenantThrottled is false for Salesforce’s own limit and other errors', () => {
    expect(isTenantThrottled(new SalesforceError('rate_limited', 'TotalRequests Limit exceeded.', { errorCode: 'REQUEST_LIMIT_EXCEEDED' }))).toBe(false);
    expect(isTenantThrottled(new Error('x'))).toBe(false);
  });
});
