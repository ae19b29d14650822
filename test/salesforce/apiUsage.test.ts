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
    expect(tracker.get('a')).toBeNull();
    tracker.record('a', { used: 1, max: 10 });
    tracker.record('a', { used: 2, max: 10 });
    tracker.record('b', { used: 5, max: 50 });
    expect(tracker.get('a')).toEqual({ used: 2, max: 10, at: expect.any(Number) });
    tracker.forget('a');
    expect(tracker.get('a')).toBeNull();
    expect(tracker.get('b')).toMatchObject({ used: 5, max: 50 });
  });
});
