/**
 * The OAuth 2.0 Client Credentials Flow against the org's My Domain (notes §1): asking for a token, and revoking
 * one. Token answers have no `expires_in`: a token lives until Salesforce answers 401 (see tokens.ts).
 */
import { SalesforceError, tryParseJson } from './errors';
import type { RequestOptions, SalesforceHttp } from './http';
import { type InstanceUrlPolicy, parseInstanceUrl } from './instanceUrl';

export interface ClientCredentials {
  consumerKey: string;
  consumerSecret: string;
}

export interface SalesforceToken {
  accessToken: string;
  /** The My Domain the token was issued by, which API calls go to. */
  instanceUrl: string;
  issuedAt: Date | null;
  /** From the `id` URL: `https://login.salesforce.com/id/<orgId>/<userId>`. */
  orgId: string | null;
  userId: string | null;
}

/** An OAuth refusal of the token request, as Salesforce named it. */
export class TokenRequestError extends SalesforceError {
  readonly oauthError: string;

  constructor(status: number, oauthError: string, description: string) {
    super('auth', `Salesforce refused the token request: ${oauthError}${description ? ` (${description})` : ''}`, {
      status,
      errorCode: oauthError,
      salesforceMessage: description,
    });
    this.oauthError = oauthError;
  }
}

/**
 * `POST {instanceUrl}/services/oauth2/token` with the form Salesforce requires. Throws TokenRequestError when
 * Salesforce refuses, SalesforceError('unavailable') on transport trouble or an answer we cannot read.
 * The `instance_url` Salesforce answers with is checked against the same allow-list as the admin's input.
 */
export async function requestToken(
  http: SalesforceHttp,
  instanceUrl: string,
  credentials: ClientCredentials,
  policy: InstanceUrlPolicy,
  options: RequestOptions = {},
): Promise<SalesforceToken> {
  const response = await http.postForm(
    `${instanceUrl}/services/oauth2/token`,
    { grant_type: 'client_credentials', client_id: credentials.consumerKey, client_secret: credentials.consumerSecret },
    options,
  );
  const body = tryParseJson(response.body);
  if (response.status !== 200) throw tokenRefusal(response.status, body);
  return parseTokenResponse(body, instanceUrl, policy);
}

/** `POST /services/oauth2/revoke`. Salesforce answers 200 on success; anything else is reported to the caller. */
export async function revokeToken(http: SalesforceHttp, token: SalesforceToken): Promise<void> {
  const response = await http.postForm(`${token.instanceUrl}/services/oauth2/revoke`, { token: token.accessToken });
  if (response.status !== 200) {
    throw new SalesforceError('rejected', `Salesforce answered ${response.status} to the token revocation`, {
      status: response.status,
    });
  }
}

function tokenRefusal(status: number, body: unknown): SalesforceError {
  const fields = isRecord(body) ? body : {};
  const error = typeof fields.error === 'string' ? fields.error : undefined;
  const description = typeof fields.error_description === 'string' ? fields.error_description : '';
  if (error === 'rate_limit_exceeded' || status === 429) {
    return new SalesforceError('rate_limited', `Salesforce is limiting token requests (${status}${error ? ` ${error}` : ''})`, {
      status,
      ...(error ? { errorCode: error } : {}),
    });
  }
  if (error !== undefined && status >= 400 && status < 500) return new TokenRequestError(status, error, description);
  if (status >= 500) {
    return new SalesforceError('unavailable', `The Salesforce token endpoint answered ${status}`, { status });
  }
  return new SalesforceError('unavailable', `The Salesforce token endpoint answered ${status} with an unreadable body`, {
    status,
  });
}

function parseTokenResponse(body: unknown, instanceUrl: string, policy: InstanceUrlPolicy): SalesforceToken {
  if (!isRecord(body) || typeof body.access_token !== 'string' || body.access_token === '') {
    throw new SalesforceError('unavailable', 'The Salesforce token endpoint answered 200 without an access_token');
  }
  if (typeof body.instance_url === 'string') {
    const checked = parseInstanceUrl(body.instance_url, policy);
    if (!checked.ok) {
      throw new SalesforceError('auth', `Salesforce issued a token for an instance URL we will not call: ${checked.message}`);
    }
  }
  const [orgId, userId] = typeof body.id === 'string' ? idUrlParts(body.id) : [null, null];
  const issuedAtMs = typeof body.issued_at === 'string' ? Number(body.issued_at) : NaN;
  return {
    accessToken: body.access_token,
    instanceUrl,
    issuedAt: Number.isFinite(issuedAtMs) ? new Date(issuedAtMs) : null,
    orgId,
    userId,
  };
}

/** The last two path segments of `https://login.salesforce.com/id/<orgId>/<userId>`. */
function idUrlParts(idUrl: string): [string | null, string | null] {
  try {
    const segments = new URL(idUrl).pathname.split('/').filter(Boolean);
    return [segments.at(-2) ?? null, segments.at(-1) ?? null];
  } catch {
    return [null, null];
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
