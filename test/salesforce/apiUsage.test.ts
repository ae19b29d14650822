import { ApiUsageTracker, parseLimitInfo } from '../../src/salesforce/apiUsage';

describe('parseLimitInfo', () => {
  it.each([
    ['api-usage=10018/100000', { used: 10018, max: 100000 }],
    ['api-usage=25/15000; api-bursts=1/100', { used: 25, max: 15000 }],
    ['per-app-api-usage=17/250(appName=sample-app); api-usage=90/100', { used: 90, max: 100 }],
    [['api-usage=1/2'], { used: 1, max: 2 }],
  ])('reads %j', (header, expected) => {
    expect(parseLimitInfo(header)).toEqual(expected);
  });

  it.each([undefined, '', 'per-app-api-usage=17/250', 'api-usage=abc/100', 'api-usage=5'])('ignores %j', (header) => {
    expect(parseLimitInfo(header)).toBeNull();
  });
});

describe('ApiUsageTracker', () => {
  it('keeps the latest usage per tenant and forgets on request', () => {
    const tracker = new ApiUsageTracker(10);
    expect(tracker.get('a', 'ca')).toBeNull();
    tracker.record('a', 'ca', { used: 1, max: 10 });
    tracker.record('a', 'ca', { used: 2, max: 10 });
    tracker.record('b', 'cb', { used: 5, max: 50 });
    expect(tracker.get('a', 'ca')).toEqual({ used: 2, max: 10, at: expect.any(Number) });
    tracker.forget('a');
    expect(tracker.get('a', 'ca')).toBeNull();
    expect(tracker.get('b', 'cb')).toMatchObject({ used: 5, max: 50 });
  });

  it("never answers one connection's reading for another", () => {
    const tracker = new ApiUsageTracker(10);
    tracker.record('a', 'old-org', { used: 90_000, max: 100_000 });
    expect(tracker.get('a', 'new-org')).toBeNull();
    tracker.record('a', 'new-org', { used: 4, max: 100_000 });
    // A late answer of the old org lands: the new connection loses its reading, but is never given the old one.
    tracker.record('a', 'old-org', { used: 90_001, max: 100_000 });
    expect(tracker.get('a', 'new-org')).toBeNull();
  });
});
