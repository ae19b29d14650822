/**
 * Checking `connectSalesforce`'s input before any network call: every problem becomes a user error with the
 * path of the field at fault, and a valid input comes back normalised.
 */
import type { ConnectSalesforceInput, SalesforceUserError } from '../__generated__/resolvers-types';
import { type InstanceUrlPolicy, parseInstanceUrl } from '../salesforce/instanceUrl';

export const DEFAULT_API_VERSION = 'v60.0';

export interface ValidConnectInput {
  consumerKey: string;
  consumerSecret: string;
  instanceUrl: string;
  apiVersion: string;
}

export type ConnectInputResult = { ok: true; input: ValidConnectInput } | { ok: false; userErrors: SalesforceUserError[] };

/** Salesforce consumer keys and secrets are well under this; anything longer is a paste mistake. */
const MAX_CREDENTIAL_LENGTH = 1024;
const API_VERSION = /^v\d{2}\.\d$/;

export function validateConnectInput(input: ConnectSalesforceInput, policy: InstanceUrlPolicy): ConnectInputResult {
  const userErrors: SalesforceUserError[] = [];

  const consumerKey = input.consumerKey.trim();
  const keyProblem = credentialProblem(consumerKey, 'Consumer Key');
  if (keyProblem) userErrors.push(inputError('INVALID_INPUT', 'consumerKey', keyProblem));

  const consumerSecret = input.consumerSecret.trim();
  const secretProblem = credentialProblem(consumerSecret, 'Consumer Secret');
  if (secretProblem) userErrors.push(inputError('INVALID_INPUT', 'consumerSecret', secretProblem));

  const instanceUrl = parseInstanceUrl(input.instanceUrl, policy);
  if (!instanceUrl.ok) userErrors.push(inputError('INVALID_INSTANCE_URL', 'instanceUrl', instanceUrl.message));

  const apiVersion = input.apiVersion?.trim() || DEFAULT_API_VERSION;
  if (!API_VERSION.test(apiVersion)) {
    userErrors.push(
      inputError('INVALID_API_VERSION', 'apiVersion', `"${apiVersion.slice(0, 20)}" is not an API version: use the form vNN.N, for example ${DEFAULT_API_VERSION}.`),
    );
  }

  if (userErrors.length > 0 || !instanceUrl.ok) return { ok: false, userErrors };
  return { ok: true, input: { consumerKey, consumerSecret, instanceUrl: instanceUrl.url, apiVersion } };
}

/** Never echoes the value: it may be the secret. */
function credentialProblem(value: string, label: string): string | null {
  if (value === '') return `The ${label} is empty. Copy it from the app's "Consumer Key and Secret" page in Salesforce Setup.`;
  if (value.length > MAX_CREDENTIAL_LENGTH) return `The ${label} is longer than ${MAX_CREDENTIAL_LENGTH} characters; check what was pasted.`;
  if (/\s/.test(value)) return `The ${label} contains white space; check what was pasted.`;
  return null;
}

export function inputError(code: SalesforceUserError['code'], field: keyof ConnectSalesforceInput, message: string): SalesforceUserError {
  return { code, field: ['input', field], message };
}

/** `••••` and at most the last 4 characters (fewer for short keys, so a hint never reveals most of a key). */
export function consumerKeyHint(consumerKey: string): string {
  const shown = Math.min(4, Math.floor(consumerKey.length / 4));
  return `••••${shown > 0 ? consumerKey.slice(-shown) : ''}`;
}
