/**
 * The API budget guard: refuse a tenant's lookups once its latest Sforce-Limit-Info reading is at or over the
 * configured share of the daily quota, until that reading is older than `recheckMs`.
 */
import { ApiBudget, BUDGET_EXHAUSTED_CODE } from '../../src/salesforce/apiBudget';
import { ApiUsageTracker } from '../../src/salesforce/apiUsage';
import { SalesforceError } from '../../src/salesforce/errors';

const T0 = Date.UTC(2025, 0, 1);
const RECHECK_MS = 60_000;
const CREDENTIALS = 'credentials-1';

/** A real tracker and a budget sharing one clock the test moves (the tracker stamps readings with Date.now). */
function setup(percent: number) {
  let time = T0;
  const tracker = new ApiUsageTracker(100);
  return {
    tracker,
    budget: new ApiBudget(tracker, percent, RECHECK_MS, () => time),
    record: (tenantId: string, used: number, max: number) => {
      const dateNow = jest.spyOn(Date, 'now').mockReturnValue(time);
      try {
        tracker.record(tenantId, CREDENTIALS, { used, max });
      } finally {
        dateNow.mockRestore();
      }
    },
    advance: (ms: number) => {
      time += ms;
    },
  };
}

/** What check() threw, or undefined when it let the lookup through. */
function refusal(budget: ApiBudget, tenantId: string): unknown {
  try {
    budget.check(tenantId, CREDENTIALS);
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('ApiBudget', () => {
  it('allows a tenant it has no reading for', () => {
    const { budget } = setup(90);
    expect(refusal(budget, 't1')).toBeUndefined();
  });

  it.each([
    [90, 0, 100_000],
    [90, 89_999, 100_000],
    [50, 7_499, 15_000],
    [1, 0, 15_000],
  ])('allows a tenant under %i%%: %i of %i used', (percent, used, max) => {
    const { budget, record } = setup(percent);
    record('t1', used, max);
    expect(refusal(budget, 't1')).toBeUndefined();
  });

  it.each([
    [90, 90_000, 100_000],
    [90, 99_000, 100_000],
    [90, 100_000, 100_000],
    [90, 120_000, 100_000], // Salesforce lets usage run over the allocation for a while
    [50, 7_500, 15_000],
    [1, 150, 15_000],
  ])('refuses a tenant at or over %i%%: %i of %i used', (percent, used, max) => {
    const { budget, record } = setup(percent);
    record('t1', used, max);
    const error = refusal(budget, 't1');
    expect(error).toBeInstanceOf(SalesforceError);
    expect(error).toMatchObject({ kind: 'rate_limited', errorCode: 'API_BUDGET_EXHAUSTED' });
    const message = (error as Error).message;
    expect(message).toContain(`${used} of ${max}`);
    expect(message).toContain(`${percent}%`);
  });

  it.each([29, 57, 58])('refuses at exactly %i%% (no floating-point slack)', (percent) => {
    // 29 000 / 100 000 · 100 is 28.999999999999996 in floating point: the comparison must not lose it.
    const { budget, record } = setup(percent);
    record('t1', percent * 1_000, 100_000);
    expect(refusal(budget, 't1')).toMatchObject({ kind: 'rate_limited', errorCode: BUDGET_EXHAUSTED_CODE });
  });

  it('with percent 100, refuses only once the whole quota is used', () => {
    const { budget, record } = setup(100);
    record('t1', 99_999, 100_000);
    expect(refusal(budget, 't1')).toBeUndefined();
    record('t1', 100_000, 100_000);
    expect(refusal(budget, 't1')).toMatchObject({ kind: 'rate_limited', errorCode: BUDGET_EXHAUSTED_CODE });
  });

  it('follows the latest reading', () => {
    const { budget, record } = setup(90);
    record('t1', 95_000, 100_000);
    expect(refusal(budget, 't1')).toBeInstanceOf(SalesforceError);
    record('t1', 10_000, 100_000);
    expect(refusal(budget, 't1')).toBeUndefined();
  });

  it('ignores a reading with no quota (max 0) rather than dividing by it', () => {
    const { budget, record } = setup(90);
    record('t1', 0, 0);
    expect(refusal(budget, 't1')).toBeUndefined();
  });

  it('lets lookups through again once the reading is `recheckMs` old', () => {
    const { budget, record, advance } = setup(90);
    record('t1', 95_000, 100_000);
    advance(RECHECK_MS - 1);
    expect(refusal(budget, 't1')).toBeInstanceOf(SalesforceError);
    advance(1);
    expect(refusal(budget, 't1')).toBeUndefined();
    advance(RECHECK_MS * 10);
    expect(refusal(budget, 't1')).toBeUndefined();
  });

  it('refuses again when the probe let through comes back still over budget', () => {
    const { budget, record, advance } = setup(90);
    record('t1', 95_000, 100_000);
    advance(RECHECK_MS);
    expect(refusal(budget, 't1')).toBeUndefined();
    record('t1', 95_001, 100_000); // the probe's answer: a fresh reading
    advance(RECHECK_MS - 1);
    expect(refusal(budget, 't1')).toBeInstanceOf(SalesforceError);
  });

  it('leaves other tenants alone', () => {
    const { budget, record } = setup(90);
    record('spent', 99_000, 100_000);
    record('thrifty', 100, 100_000);
    expect(refusal(budget, 'spent')).toBeInstanceOf(SalesforceError);
    expect(refusal(budget, 'thrifty')).toBeUndefined();
    expect(refusal(budget, 'unknown')).toBeUndefined();
  });

  it('allows a tenant again once its reading is forgotten (disconnect)', () => {
    const { budget, record, tracker } = setup(90);
    record('t1', 99_000, 100_000);
    tracker.forget('t1');
    expect(refusal(budget, 't1')).toBeUndefined();
  });
});
