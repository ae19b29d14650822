/**
 * Checking `connectSalesforce`'s input before any network call: every problem names the input at fault, and a
 * valid input comes back normalised.
 */
import { type InstanceUrlPolicy, parseInstanceUrl } from '../salesforce/instanceUrl';
import { type ConnectionProblem, type ConnectRequest, inputProblem } from './problems';

export const DEFAULT_API_VERSION = 'v60.0';

export interface ValidConnectInput {
  consumerKey: string;
  consumerSecret: string;
  instanceUrl: string;
  apiVersion: string;
}

export type ConnectInputResult = { ok: true; input: ValidConnectInput } | { ok: false; problems: ConnectionProblem[] };

/** Salesforce consumer keys and secrets are well under this; anything longer is a paste mistake. */
const MAX_CREDENTIAL_LENGTH = 1024;
/**
 * How admins type a version: `v60.0`, `V60.0`, `60.0` or `60` (white space around it is trimmed). Two or three
 * digits, no leading zero; the minor part is one digit and defaults to 0.
 */
const API_VERSION_AS_TYPED = /^v?([1-9]\d{1,2})(?:\.(\d))?$/i;

/** The `vNN.N` form Salesforce uses in paths, or null when `typed` is not an API version at all. */
export function normaliseApiVersion(typed: string): string | null {
  const match = API_VERSION_AS_TYPED.exec(typed.trim());
  if (match === null) return null;
  const [, major, minor = '0'] = match;
  return `v${major}.${minor}`;
}

export function validateConnectInput(input: ConnectRequest, policy: InstanceUrlPolicy): ConnectInputResult {
  const problems: ConnectionProblem[] = [];

  const consumerKey = input.consumerKey.trim();
  const keyFault = credentialFault(consumerKey, 'Consumer Key');
  if (keyFault) problems.push(inputProblem('INVALID_INPUT', 'consumerKey', keyFault));

  const consumerSecret = input.consumerSecret.trim();
  const secretFault = credentialFault(consumerSecret, 'Consumer Secret');
  if (secretFault) problems.push(inputProblem('INVALID_INPUT', 'consumerSecret', secretFault));

  const instanceUrl = parseInstanceUrl(input.instanceUrl, policy);
  if (!instanceUrl.ok) problems.push(inputProblem('INVALID_INSTANCE_URL', 'instanceUrl', instanceUrl.message));

  const typedVersion = input.apiVersion?.trim() || DEFAULT_API_VERSION;
  const apiVersion = normaliseApiVersion(typedVersion);
  if (apiVersion === null) {
    problems.push(
      inputProblem(
        'INVALID_API_VERSION',
        'apiVersion',
        `"${typedVersion.slice(0, 20)}" is not an API version: use the form vNN.N (or NN), for example ${DEFAULT_API_VERSION}.`,
      ),
    );
  }

  if (problems.length > 0 || !instanceUrl.ok || apiVersion === null) return { ok: false, problems };
  return { ok: true, input: { consumerKey, consumerSecret, instanceUrl: instanceUrl.url, apiVersion } };
}

/** Never echoes the value: it may be the secret. */
function credentialFault(value: string, label: string): string | null {
  if (value === '') return `The ${label} is empty. Copy it from the app's "Consumer Key and Secret" page in Salesforce Setup.`;
  if (value.length > MAX_CREDENTIAL_LENGTH) return `The ${label} is longer than ${MAX_CREDENTIAL_LENGTH} characters; check what was pasted.`;
  if (/\s/.test(value)) return `The ${label} contains white space; check what was pasted.`;
  return null;
}

/** `••••` and at most the last 4 characters (fewer for short keys, so a hint never reveals most of a key). */
export function consumerKeyHint(consumerKey: string): string {
  const shown = Math.min(4, Math.floor(consumerKey.length / 4));
  return `••••${shown > 0 ? consumerKey.slice(-shown) : ''}`;
}
