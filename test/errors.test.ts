/** How a failed lookup becomes the GraphQL error on the field: one extensions.code per cause. */
import { ErrorCode, salesforceLookupError } from '../src/errors';
import { ApiBudget, BUDGET_EXHAUSTED_CODE } from '../src/salesforce/apiBudget';
import { ApiUsageTracker } from '../src/salesforce/apiUsage';
import { connectionChangedError, SalesforceError } from '../src/salesforce/errors';
import { TenantRateLimiter } from '../src/salesforce/tenantRateLimiter';

function refusalOf(limiter: TenantRateLimiter): unknown {
  try {
    limiter.take('t1');
    limiter.take('t1');
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

/** What a real budget guard throws for a tenant at 95 % of its quota with a 90 % budget. */
function budgetRefusal(): unknown {
  const usage = new ApiUsageTracker(10);
  usage.record('t1', 'c1', { used: 95, max: 100 });
  try {
    new ApiBudget(usage, 90).check('t1', 'c1');
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('salesforceLookupError', () => {
  it('answers the tenant’s own rate limit with SALESFORCE_CALLS_THROTTLED, without internal detail', () => {
    const error = salesforceLookupError(refusalOf(new TenantRateLimiter({ callsPerSecond: 1, burst: 1, maxTenants: 10 })));
    expect(error.extensions).toEqual({ code: ErrorCode.SALESFORCE_CALLS_THROTTLED });
    expect(error.message).toBe('Too many Salesforce lookups for this tenant right now; try again in a moment');
  });

  it('says a connection changed under the lookup is what happened, not that Salesforce was unreachable', () => {
    const error = salesforceLookupError(connectionChangedError());
    expect(error.extensions).toEqual({ code: ErrorCode.SALESFORCE_CONNECTION_CHANGED });
    expect(error.message).toMatch(/connection was changed by an admin/);
    expect(error.message).not.toMatch(/could not be reached/);
  });

  it('keeps SALESFORCE_RATE_LIMITED for the org’s own quota', () => {
    const quota = new SalesforceError('rate_limited', 'query: Salesforce answered 403 REQUEST_LIMIT_EXCEEDED', { errorCode: 'REQUEST_LIMIT_EXCEEDED' });
    expect(salesforceLookupError(quota).extensions).toEqual({ code: ErrorCode.SALESFORCE_RATE_LIMITED, salesforceErrorCode: 'REQUEST_LIMIT_EXCEEDED' });
  });

  it('says the daily quota is spent only for REQUEST_LIMIT_EXCEEDED; a throttled token request is a passing limit', () => {
    const quota = new SalesforceError('rate_limited', 'query: 403 REQUEST_LIMIT_EXCEEDED', { errorCode: 'REQUEST_LIMIT_EXCEEDED' });
    expect(salesforceLookupError(quota).message).toBe("The tenant's Salesforce org has used its daily API request limit");
    const throttled = new SalesforceError('rate_limited', 'Salesforce is limiting token requests (429)', { status: 429 });
    expect(salesforceLookupError(throttled).extensions).toEqual({ code: ErrorCode.SALESFORCE_RATE_LIMITED });
    expect(salesforceLookupError(throttled).message).toMatch(/^Salesforce is limiting requests .*try again in a few minutes$/);
  });

  it('says our own API budget guard paused lookups, not that Salesforce refused them, keeping SALESFORCE_RATE_LIMITED', () => {
    const paused = salesforceLookupError(budgetRefusal());
    expect(paused.extensions).toEqual({ code: ErrorCode.SALESFORCE_RATE_LIMITED, salesforceErrorCode: BUDGET_EXHAUSTED_CODE });
    expect(paused.message).toMatch(/^Lookups are paused: .*SALESFORCE_API_BUDGET_PERCENT/);
    expect(paused.message).not.toMatch(/has used its daily API request limit/);
  });

  it('answers a lookup over its limits, or an answer too large, with SALESFORCE_UNAVAILABLE', () => {
    const tooLarge = new SalesforceError('unavailable', 'stopped reading', { errorCode: 'LOOKUP_TOO_LARGE' });
    expect(salesforceLookupError(tooLarge).extensions?.code).toBe(ErrorCode.SALESFORCE_UNAVAILABLE);
  });
});
