/**
 * What the admin is told for each answer Salesforce can give a connection attempt (notes §1, §2, §3, §5): the code,
 * the value at fault (if one is), and advice that fits the cause.
 */
import { CredentialsUnreadableError } from '../../src/connections/credentials';
import type { ConnectionProblem, ProblemTarget } from '../../src/connections/problems';
import { apiVersionProblem, tokenProblem, transportProblem } from '../../src/connections/salesforceProblems';
import { SalesforceError } from '../../src/salesforce/errors';
import { TokenRequestError } from '../../src/salesforce/oauth';

const input = (name: 'consumerKey' | 'consumerSecret' | 'instanceUrl' | 'apiVersion'): ProblemTarget => ({ kind: 'connectInput', name });

function expectProblem(problem: ConnectionProblem, code: string, target: ProblemTarget | null, message: RegExp): void {
  expect(problem).toEqual({ code, target, message: expect.stringMatching(message) });
}

describe('tokenProblem (the token request refused, notes §1)', () => {
  it.each([
    ['invalid_client_id', 'client identifier invalid', 'INVALID_CLIENT_CREDENTIALS', input('consumerKey'), /wait 2–10 minutes.*propagate/],
    ['invalid_client', 'invalid client credentials', 'INVALID_CLIENT_CREDENTIALS', input('consumerSecret'), /Copy the Consumer Secret again/],
    ['inactive_user', 'user is inactive', 'INACTIVE_USER', null, /Run-As user is inactive/],
    ['inactive_org', 'organization is locked', 'INACTIVE_ORG', null, /inactive or locked/],
    ['unsupported_grant_type', 'grant type not supported', 'CLIENT_CREDENTIALS_FLOW_NOT_ENABLED', null, /enable the Client Credentials Flow/],
    ['invalid_grant', 'no client credentials user enabled', 'CLIENT_CREDENTIALS_FLOW_NOT_ENABLED', null, /Run-As \(integration\) user/],
    ['invalid_grant', 'request not supported on this domain', 'INVALID_INSTANCE_URL', input('instanceUrl'), /only issues these tokens on the org's My Domain/],
    ['invalid_grant', 'authentication failure', 'SALESFORCE_ERROR', null, /refused the token request.*authentication failure/],
  ])('%s (%s) → %s', (oauthError, description, code, target, message) => {
    expectProblem(tokenProblem(new TokenRequestError(400, oauthError, description)), code, target, message);
  });

  it('treats anything but a refusal as a transport problem', () => {
    expectProblem(tokenProblem(new SalesforceError('unavailable', 'connect ECONNREFUSED')), 'SALESFORCE_UNREACHABLE', input('instanceUrl'), /Check the My Domain URL/);
  });
});

describe('transportProblem (everything after the token, notes §2, §5)', () => {
  it.each([
    [
      'REQUEST_LIMIT_EXCEEDED: the org’s daily quota',
      new SalesforceError('rate_limited', 'describe: 403 REQUEST_LIMIT_EXCEEDED', { status: 403, errorCode: 'REQUEST_LIMIT_EXCEEDED' }),
      'SALESFORCE_RATE_LIMITED',
      null,
      /daily API request limit \(a rolling 24-hour quota/,
    ],
    [
      'a throttled token request (rate_limit_exceeded)',
      new SalesforceError('rate_limited', 'Salesforce is limiting token requests (400 rate_limit_exceeded)', { status: 400, errorCode: 'rate_limit_exceeded' }),
      'SALESFORCE_RATE_LIMITED',
      null,
      /limiting requests from this app; try again in a few minutes/,
    ],
    ['a REST 429', new SalesforceError('unavailable', 'describe: 429', { status: 429 }), 'SALESFORCE_RATE_LIMITED', null, /limiting requests from this app/],
    [
      'the REST API off for the org',
      new SalesforceError('rejected', 'describe: 403 API_DISABLED_FOR_ORG', { status: 403, errorCode: 'API_DISABLED_FOR_ORG' }),
      'API_DISABLED',
      null,
      /REST API is not enabled for this org/,
    ],
    [
      'a token not valid for the REST API',
      new SalesforceError('auth', 'describe: 401 INVALID_SESSION_ID', { status: 401, errorCode: 'INVALID_SESSION_ID', salesforceMessage: 'This session is not valid for use with the REST API' }),
      'SALESFORCE_ERROR',
      null,
      /"Manage user data via APIs \(api\)" OAuth scope/,
    ],
    ['another refusal', new SalesforceError('rejected', 'describe: 400 MALFORMED_QUERY', { status: 400 }), 'SALESFORCE_ERROR', null, /^describe: 400 MALFORMED_QUERY$/],
    ['maintenance (503)', new SalesforceError('unavailable', 'describe: 503', { status: 503 }), 'SALESFORCE_UNREACHABLE', null, /temporarily unavailable \(maintenance or overload\)/],
    ['no answer at all', new SalesforceError('unavailable', 'connect ECONNREFUSED'), 'SALESFORCE_UNREACHABLE', input('instanceUrl'), /Check the My Domain URL.*ECONNREFUSED/],
    ['an unexpected error', new Error('boom'), 'SALESFORCE_UNREACHABLE', input('instanceUrl'), /\(unexpected error\)$/],
    ['credentials this service cannot open', new CredentialsUnreadableError('t1', 'unknown key id'), 'SALESFORCE_CREDENTIALS_UNREADABLE', null, /ENCRYPTION_KEY/],
  ])('%s → %s', (_what, error, code, target, message) => {
    expectProblem(transportProblem(error), code, target, message);
  });
});

describe('apiVersionProblem (notes §3)', () => {
  it('names the version asked for, the newest served and the range', () => {
    expectProblem(apiVersionProblem('v99.0', ['v31.0', 'v62.0']), 'API_VERSION_NOT_SUPPORTED', input('apiVersion'), /does not serve API version v99\.0\. The newest version it serves is v62\.0 \(it serves v31\.0 to v62\.0\)/);
  });
});
