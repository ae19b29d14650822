/**
 * Every way a Salesforce call can fail, reduced to the few kinds callers act on. Messages are written for the
 * logs and for `lastError`: they carry Salesforce's error code and message, never a token or a secret.
 */

export type SalesforceFailureKind =
  /** No usable token: the token request was refused, or a fresh token was refused too. */
  | 'auth'
  /** The org's rolling 24-hour API quota is spent (REQUEST_LIMIT_EXCEEDED). Never retried. */
  | 'rate_limited'
  /** Network failure, timeout, 5xx, or an answer we could not read. Transient. */
  | 'unavailable'
  /** Salesforce understood and refused the request (other 4xx): a setup problem or a bug of ours. */
  | 'rejected';

export interface SalesforceErrorDetails {
  status?: number;
  /** REST errorCode (`INVALID_FIELD`) or OAuth `error` (`invalid_client_id`). */
  errorCode?: string;
  /** Salesforce's own message or `error_description`. */
  salesforceMessage?: string;
  cause?: unknown;
}

/** A lookup made for a connection that stopped being the tenant's (disconnected, reconnected, changed). */
export const CONNECTION_CHANGED_CODE = 'CONNECTION_CHANGED';

/** Nothing more is sent, and nothing read is served, for a connection the tenant no longer has. */
export function connectionChangedError(): SalesforceError {
  return new SalesforceError('unavailable', "The tenant's Salesforce connection changed while this lookup was under way; ask again", {
    errorCode: CONNECTION_CHANGED_CODE,
  });
}

export function isConnectionChanged(error: unknown): boolean {
  return error instanceof SalesforceError && error.errorCode === CONNECTION_CHANGED_CODE;
}

export class SalesforceError extends Error {
  override readonly name = 'SalesforceError';
  readonly kind: SalesforceFailureKind;
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
  readonly salesforceMessage: string | undefined;

  constructor(kind: SalesforceFailureKind, message: string, details: SalesforceErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.salesforceMessage = details.salesforceMessage;
  }
}

/** A REST error body is `[{"message","errorCode"}]` (notes §5); take the first entry, tolerating anything else. */
export function parseRestError(body: string): { errorCode?: string; message?: string } {
  const parsed = tryParseJson(body);
  const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  if (first === null || typeof first !== 'object') return {};
  const { errorCode, message } = first as Record<string, unknown>;
  return {
    ...(typeof errorCode === 'string' ? { errorCode } : {}),
    ...(typeof message === 'string' ? { message } : {}),
  };
}

/**
 * Turn a non-2xx REST answer into a SalesforceError of the right kind. Salesforce's full message stays in
 * `salesforceMessage` (callers parse it); the error's own message, which reaches logs and `lastError`, keeps only
 * its last line: MALFORMED_QUERY and INVALID_FIELD messages echo the SOQL first, and that holds people's emails.
 */
export function restError(status: number, body: string, what: string): SalesforceError {
  const { errorCode, message } = parseRestError(body);
  const details = { status, ...(errorCode ? { errorCode } : {}), ...(message ? { salesforceMessage: message } : {}) };
  const summary = message === undefined ? undefined : lastLine(message);
  const said = `${what}: Salesforce answered ${status}${errorCode ? ` ${errorCode}` : ''}${summary ? `: ${summary}` : ''}`;
  if (status === 403 && errorCode === 'REQUEST_LIMIT_EXCEEDED') return new SalesforceError('rate_limited', said, details);
  if (status === 401) return new SalesforceError('auth', said, details);
  if (status >= 500 || status === 429) return new SalesforceError('unavailable', said, details);
  return new SalesforceError('rejected', said, details);
}

function lastLine(message: string): string {
  const line = message.trim().split('\n').at(-1)?.trim() ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
