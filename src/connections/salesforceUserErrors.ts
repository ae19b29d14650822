/**
 * What the admin is told when Salesforce refuses a connection attempt: each Salesforce answer mapped to a
 * user error that says what to fix in Salesforce Setup.
 */
import type { SalesforceUserError } from '../__generated__/resolvers-types';
import { SalesforceError } from '../salesforce/errors';
import { TokenRequestError } from '../salesforce/oauth';
import { inputError } from './connectInput';
import { CredentialsUnreadableError } from './credentials';

/** A refused token request (notes §1). */
export function tokenUserError(error: unknown): SalesforceUserError {
  if (!(error instanceof TokenRequestError)) return transportUserError(error);
  const said = `Salesforce said: ${error.oauthError}${error.salesforceMessage ? ` (${error.salesforceMessage})` : ''}.`;
  const description = (error.salesforceMessage ?? '').toLowerCase();
  switch (error.oauthError) {
    case 'invalid_client_id':
      return inputError(
        'INVALID_CLIENT_CREDENTIALS',
        'consumerKey',
        `Salesforce does not recognise this Consumer Key. If the app was created or edited in the last few minutes, wait 2–10 minutes for the change to propagate and try again; otherwise copy the Consumer Key again from the app in Setup. ${said}`,
      );
    case 'invalid_client':
      return inputError(
        'INVALID_CLIENT_CREDENTIALS',
        'consumerSecret',
        `Salesforce rejected the Consumer Key and Secret pair. Copy the Consumer Secret again from the app in Setup (and check the Consumer Key belongs to the same app). ${said}`,
      );
    case 'inactive_user':
      return { code: 'INACTIVE_USER', field: null, message: `The app's Run-As user is inactive. Activate the user or choose another Run-As user in the app's Client Credentials Flow settings. ${said}` };
    case 'inactive_org':
      return { code: 'INACTIVE_ORG', field: null, message: `The Salesforce org is inactive or locked. ${said}` };
  }
  if (
    error.oauthError === 'unsupported_grant_type' ||
    error.oauthError === 'unauthorized_client' ||
    (error.oauthError === 'invalid_grant' && description.includes('client credentials'))
  ) {
    return {
      code: 'CLIENT_CREDENTIALS_FLOW_NOT_ENABLED',
      field: null,
      message: `The Client Credentials Flow is not enabled for this app, or it has no Run-As user. In Setup, open the app's OAuth policies, enable the Client Credentials Flow and choose a Run-As (integration) user. ${said}`,
    };
  }
  if (error.oauthError === 'invalid_grant' && description.includes('domain')) {
    return inputError('INVALID_INSTANCE_URL', 'instanceUrl', `Salesforce only issues these tokens on the org's My Domain. ${said}`);
  }
  return { code: 'SALESFORCE_ERROR', field: null, message: `Salesforce refused the token request. ${said}` };
}

/** The version list (oldest first) did not contain the requested version (notes §3): name the newest served. */
export function apiVersionUserError(apiVersion: string, available: readonly string[]): SalesforceUserError {
  const oldest = available[0];
  const newest = available.at(-1);
  const served = newest === undefined ? '' : ` The newest version it serves is ${newest}${oldest !== newest ? ` (it serves ${oldest} to ${newest})` : ''}.`;
  return inputError('API_VERSION_NOT_SUPPORTED', 'apiVersion', `This org does not serve API version ${apiVersion}.${served}`);
}

/** Anything else on the way: the network, a timeout, a 5xx, an unreadable answer. */
export function transportUserError(error: unknown): SalesforceUserError {
  // Not Salesforce's answer at all: this service could not open what it stored.
  if (error instanceof CredentialsUnreadableError) return { code: 'SALESFORCE_CREDENTIALS_UNREADABLE', field: null, message: error.message };
  if (error instanceof SalesforceError && error.kind === 'rate_limited') {
    return { code: 'SALESFORCE_RATE_LIMITED', field: null, message: `Salesforce is limiting requests from this app; try again in a few minutes. (${error.message})` };
  }
  if (error instanceof SalesforceError && error.kind === 'rejected' && error.errorCode === 'API_DISABLED_FOR_ORG') {
    return { code: 'API_DISABLED', field: null, message: 'The REST API is not enabled for this org (its edition may not include API access).' };
  }
  if (error instanceof SalesforceError && (error.kind === 'auth' || error.kind === 'rejected')) {
    return { code: 'SALESFORCE_ERROR', field: null, message: error.message };
  }
  const detail = error instanceof SalesforceError ? error.message : 'unexpected error';
  return {
    code: 'SALESFORCE_UNREACHABLE',
    field: ['input', 'instanceUrl'],
    message: `Could not get an answer from Salesforce at this instance URL. Check the My Domain URL and try again. (${detail})`,
  };
}
