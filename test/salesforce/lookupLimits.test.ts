/** One lookup's budget of records and bytes, shared by its queries and pages. */
import { SalesforceError } from '../../src/salesforce/errors';
import { BYTES_PER_EMAIL, LOOKUP_TOO_LARGE_CODE, QueryBudget, RECORDS_PER_EMAIL } from '../../src/salesforce/lookupLimits';

function thrown(spend: () => void): SalesforceError | undefined {
  try {
    spend();
  } catch (error) {
    expect(error).toBeInstanceOf(SalesforceError);
    return error as SalesforceError;
  }
  return undefined;
}

describe('QueryBudget', () => {
  it('stops every query of a lookup once one of them failed (abandon), with that failure', () => {
    const budget = new QueryBudget({ maxRecords: 100, maxBytes: 1_000_000 }, 1);
    const failure = new SalesforceError('unavailable', 'query: 503');
    budget.abandon(failure);
    expect(() => budget.check()).toThrow(failure);
    expect(() => budget.spend(1, 10)).toThrow(failure);
  });

  it('allows up to maxRecords, fails past it, and keeps failing for every query of the lookup', () => {
    const exceeded: unknown[] = [];
    const budget = new QueryBudget({ maxRecords: 10, maxBytes: 1_000_000 }, 1, (...args) => exceeded.push(args));
    budget.spend(6, 100);
    budget.spend(4, 100);
    const error = thrown(() => budget.spend(1, 100));
    expect(error).toMatchObject({ kind: 'unavailable', errorCode: LOOKUP_TOO_LARGE_CODE });
    expect(thrown(() => budget.check())).toBe(error);
    expect(thrown(() => budget.spend(0, 0))).toBe(error);
    expect(exceeded).toEqual([['lookup_records', 11, 300]]);
  });

  it('fails past maxBytes', () => {
    const exceeded: unknown[] = [];
    const budget = new QueryBudget({ maxRecords: 1_000, maxBytes: 1_000 }, 0, (...args) => exceeded.push(args));
    budget.spend(1, 999);
    expect(thrown(() => budget.spend(1, 2))?.errorCode).toBe(LOOKUP_TOO_LARGE_CODE);
    expect(exceeded).toEqual([['lookup_bytes', 2, 1_001]]);
  });

  it('grows with the emails looked up: RECORDS_PER_EMAIL and BYTES_PER_EMAIL each', () => {
    const budget = new QueryBudget({ maxRecords: 10, maxBytes: 1_000 }, 100);
    expect(budget.maxRecords).toBe(100 * RECORDS_PER_EMAIL);
    expect(budget.maxBytes).toBe(100 * BYTES_PER_EMAIL);
    expect(new QueryBudget({ maxRecords: 10_000, maxBytes: 1e9 }, 3).maxRecords).toBe(10_000);
  });

  it('says the same thing for every lookup (it may become lastError), naming the configured bounds', () => {
    const one = thrown(() => new QueryBudget({ maxRecords: 10, maxBytes: 1_000 }, 1).spend(11, 0));
    const other = thrown(() => new QueryBudget({ maxRecords: 10, maxBytes: 1_000 }, 50).spend(100_000, 0));
    expect(one?.message).toBe(other?.message);
    expect(one?.message).toContain('10 records or 1000 bytes');
  });
});
