/**
 * What the admin is told when Salesforce refuses a connection attempt: each Salesforce answer mapped to a
 * problem that says what to fix in Salesforce Setup (or, when it is ours or the org's, who must act).
 */
import { SalesforceError } from '../salesforce/errors';
import { TokenRequestError } from '../salesforce/oauth';
import { CredentialsUnreadableError } from './credentials';
import { type ConnectionProblem, inputProblem, generalProblem } from './problems';

/** A refused token request (notes §1). */
export function tokenProblem(error: unknown): ConnectionProblem {
  if (!(error instanceof TokenRequestError)) return transportProblem(error);
  const said = `Salesforce said: ${error.oauthError}${error.salesforceMessage ? ` (${error.salesforceMessage})` : ''}.`;
  const description = (error.salesforceMessage ?? '').toLowerCase();
  switch (error.oauthError) {
    case 'invalid_client_id':
      return inputProblem(
        'INVALID_CLIENT_CREDENTIALS',
        'consumerKey',
        `Salesforce does not recognise this Consumer Key. If the app was created or edited in the last few minutes, wait 2–10 minutes for the change to propagate and try again; otherwise copy the Consumer Key again from the app in Setup. ${said}`,
      );
    case 'invalid_client':
      return inputProblem(
        'INVALID_CLIENT_CREDENTIALS',
        'consumerSecret',
        `Salesforce rejected the Consumer Key and Secret pair. Copy the Consumer Secret again from the app in Setup (and check the Consumer Key belongs to the same app). ${said}`,
      );
    case 'inactive_user':
      return generalProblem('INACTIVE_USER', `The app's Run-As user is inactive. Activate the user or choose another Run-As user in the app's Client Credentials Flow settings. ${said}`);
    case 'inactive_org':
      return generalProblem('INACTIVE_ORG', `The Salesforce org is inactive or locked. ${said}`);
  }
  if (
    error.oauthError === 'unsupported_grant_type' ||
    error.oauthError === 'unauthorized_client' ||
    (error.oauthError === 'invalid_grant' && description.includes('client credentials'))
  ) {
    return generalProblem(
      'CLIENT_CREDENTIALS_FLOW_NOT_ENABLED',
      `The Client Credentials Flow is not enabled for this app, or it has no Run-As user. In Setup, open the app's OAuth policies, enable the Client Credentials Flow and choose a Run-As (integration) user. ${said}`,
    );
  }
  if (error.oauthError === 'invalid_grant' && description.includes('domain')) {
    return inputProblem('INVALID_INSTANCE_URL', 'instanceUrl', `Salesforce only issues these tokens on the org's My Domain. ${said}`);
  }
  return generalProblem('SALESFORCE_ERROR', `Salesforce refused the token request. ${said}`);
}

/** The version list (oldest first) did not contain the requested version (notes §3): name the newest served. */
export function apiVersionProblem(apiVersion: string, available: readonly string[]): ConnectionProblem {
  const oldest = available[0];
  const newest = available.at(-1);
  const served = newest === undefined ? '' : ` The newest version it serves is ${newest}${oldest !== newest ? ` (it serves ${oldest} to ${newest})` : ''}.`;
  return inputProblem('API_VERSION_NOT_SUPPORTED', 'apiVersion', `This org does not serve API version ${apiVersion}.${served}`);
}

/** A 401 no new token fixes (notes §2): the token may not be used with the REST API. */
const NOT_FOR_REST_API = /not valid for use with the REST API/i;

/** Anything else on the way: the network, a timeout, a 5xx, a refused REST call, an unreadable answer. */
export function transportProblem(error: unknown): ConnectionProblem {
  // Not Salesforce's answer at all: this service could not open what it stored.
  if (error instanceof CredentialsUnreadableError) return generalProblem('SALESFORCE_CREDENTIALS_UNREADABLE', error.message);
  if (!(error instanceof SalesforceError)) return unreachable('unexpected error');
  if (error.kind === 'rate_limited' && error.errorCode === 'REQUEST_LIMIT_EXCEEDED') {
    return generalProblem(
      'SALESFORCE_RATE_LIMITED',
      `The Salesforce org has used its daily API request limit (a rolling 24-hour quota shared by all its integrations); try again once its usage falls, or ask Salesforce for a higher limit. (${error.message})`,
    );
  }
  if (error.kind === 'rate_limited' || error.status === 429) {
    return generalProblem('SALESFORCE_RATE_LIMITED', `Salesforce is limiting requests from this app; try again in a few minutes. (${error.message})`);
  }
  if (error.kind === 'rejected' && error.errorCode === 'API_DISABLED_FOR_ORG') {
    return generalProblem('API_DISABLED', 'The REST API is not enabled for this org (its edition may not include API access).');
  }
  if (error.kind === 'auth' && NOT_FOR_REST_API.test(error.salesforceMessage ?? '')) {
    return generalProblem(
      'SALESFORCE_ERROR',
      `Salesforce issued a token that may not be used with the REST API. In Setup, give the app the "Manage user data via APIs (api)" OAuth scope, and check its policies and the Run-As user's API Enabled permission. (${error.message})`,
    );
  }
  if (error.kind === 'auth' || error.kind === 'rejected') return generalProblem('SALESFORCE_ERROR', error.message);
  if (error.status !== undefined && error.status >= 500) {
    // Salesforce answered: the URL is right, the platform is down for maintenance or overloaded (notes §5).
    return generalProblem('SALESFORCE_UNREACHABLE', `Salesforce is temporarily unavailable (maintenance or overload); try again later. (${error.message})`);
  }
  return unreachable(error.message);
}

function unreachable(detail: string): ConnectionProblem {
  return inputProblem(
    'SALESFORCE_UNREACHABLE',
    'instanceUrl',
    `Could not get an answer from Salesforce at this instance URL. Check the My Domain URL and try again. (${detail})`,
  );
}
