/**
 * The GraphQL errors this subgraph raises, each with its `extensions.code`. Salesforce failures are translated
 * here and only here.
 */
import { GraphQLError } from 'graphql';
import { CREDENTIALS_UNREADABLE_MESSAGE, CredentialsUnreadableError } from './connections/credentials';
import { StoreUnavailableError } from './connections/storeErrors';
import { BUDGET_EXHAUSTED_CODE } from './salesforce/apiBudget';
import { isConnectionChanged, SalesforceError } from './salesforce/errors';
import { isTenantThrottled } from './salesforce/tenantRateLimiter';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  SALESFORCE_AUTH_FAILED: 'SALESFORCE_AUTH_FAILED',
  SALESFORCE_RATE_LIMITED: 'SALESFORCE_RATE_LIMITED',
  SALESFORCE_UNAVAILABLE: 'SALESFORCE_UNAVAILABLE',
  SALESFORCE_REQUEST_FAILED: 'SALESFORCE_REQUEST_FAILED',
  /** Our side: the stored credentials do not decrypt with this service's keys. No Salesforce call was made. */
  SALESFORCE_CREDENTIALS_UNREADABLE: 'SALESFORCE_CREDENTIALS_UNREADABLE',
  /** Our side: the tenant is over its rate of Salesforce calls (SALESFORCE_TENANT_CALLS_*). No call was made. */
  SALESFORCE_CALLS_THROTTLED: 'SALESFORCE_CALLS_THROTTLED',
  /**
   * Not Salesforce's doing: an admin changed the tenant's connection while the lookup ran, and asking again under
   * the new one did not complete within the request (its deadline passed, or the connection changed again).
   */
  SALESFORCE_CONNECTION_CHANGED: 'SALESFORCE_CONNECTION_CHANGED',
  /** Our side: Genfin's connection store (the database) could not be reached. Nothing was changed; ask again. */
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** The request sent more `_entities` representations than one request may resolve. */
  REPRESENTATION_LIMIT_EXCEEDED: 'REPRESENTATION_LIMIT_EXCEEDED',
  /** The request needs more distinct emails looked up than one request may. */
  EMAIL_LIMIT_EXCEEDED: 'EMAIL_LIMIT_EXCEEDED',
} as const;

/** An `_entities` representation past the request's bound (MAX_ENTITY_REPRESENTATIONS): that entity is an error. */
export function representationLimitExceeded(max: number): GraphQLError {
  return new GraphQLError(`This request asked for more than ${max} entities; send the rest in another request`, {
    extensions: { code: ErrorCode.REPRESENTATION_LIMIT_EXCEEDED },
  });
}

/** A distinct email past the request's bound (MAX_EMAILS_PER_REQUEST): that person's contact is an error. */
export function emailLimitExceeded(max: number): GraphQLError {
  return new GraphQLError(`This request looks up more than ${max} distinct emails; send the rest in another request`, {
    extensions: { code: ErrorCode.EMAIL_LIMIT_EXCEEDED },
  });
}

/** HTTP 401 as well, so a gateway or a direct caller sees the refusal at the transport level too. */
export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

/**
 * A problem an admin can act on, raised by a query (mutations answer userErrors instead): `code` is the
 * SalesforceUserErrorCode that says why, and the message what to do.
 */
export function adminProblem(problem: { code: string; message: string }): GraphQLError {
  return new GraphQLError(problem.message, { extensions: { code: problem.code } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN } });
}

const CODE_BY_KIND = {
  auth: ErrorCode.SALESFORCE_AUTH_FAILED,
  rate_limited: ErrorCode.SALESFORCE_RATE_LIMITED,
  unavailable: ErrorCode.SALESFORCE_UNAVAILABLE,
  rejected: ErrorCode.SALESFORCE_REQUEST_FAILED,
} as const;

const MESSAGE_BY_KIND = {
  auth: 'Salesforce refused this tenant\'s credentials; an admin should check the Salesforce connection',
  rate_limited: 'Salesforce is limiting requests from this tenant\'s app right now; try again in a few minutes',
  unavailable: 'Salesforce could not be reached or did not answer in time',
  rejected: 'Salesforce refused the lookup',
} as const;

const CONNECTION_CHANGED_MESSAGE =
  "The tenant's Salesforce connection was changed by an admin while this lookup was under way, and it could not be completed under the new connection within this request; ask again";
const CALLS_THROTTLED_MESSAGE = 'Too many Salesforce lookups for this tenant right now; try again in a moment';
/** REQUEST_LIMIT_EXCEEDED: the org's rolling 24-hour quota, not a passing throttle. */
const QUOTA_SPENT_MESSAGE = "The tenant's Salesforce org has used its daily API request limit";
/** Our own guard, not Salesforce's refusal: the org still has quota, which Genfin leaves to its other integrations. */
const BUDGET_EXHAUSTED_MESSAGE =
  "Lookups are paused: the tenant's Salesforce org has used the share of its daily API requests Genfin may spend (SALESFORCE_API_BUDGET_PERCENT); they resume as its usage falls";

const STORE_UNAVAILABLE_MESSAGE = "Genfin's connection store could not be reached; nothing was changed. Try again shortly";

/** The store failing, in any operation: its own code and a message without the driver's detail (hosts, users). */
export function storeUnavailable(): GraphQLError {
  return new GraphQLError(STORE_UNAVAILABLE_MESSAGE, { extensions: { code: ErrorCode.STORE_UNAVAILABLE } });
}

/** A failed Salesforce lookup as the error on the field that needed it. Internal detail stays in the logs. */
export function salesforceLookupError(error: unknown): GraphQLError {
  if (error instanceof StoreUnavailableError) return storeUnavailable();
  if (error instanceof CredentialsUnreadableError) {
    return new GraphQLError(CREDENTIALS_UNREADABLE_MESSAGE, { extensions: { code: ErrorCode.SALESFORCE_CREDENTIALS_UNREADABLE } });
  }
  if (isTenantThrottled(error)) {
    return new GraphQLError(CALLS_THROTTLED_MESSAGE, { extensions: { code: ErrorCode.SALESFORCE_CALLS_THROTTLED } });
  }
  if (isConnectionChanged(error)) {
    return new GraphQLError(CONNECTION_CHANGED_MESSAGE, { extensions: { code: ErrorCode.SALESFORCE_CONNECTION_CHANGED } });
  }
  const kind = error instanceof SalesforceError ? error.kind : 'unavailable';
  const salesforceErrorCode = error instanceof SalesforceError ? error.errorCode : undefined;
  const message =
    salesforceErrorCode === BUDGET_EXHAUSTED_CODE ? BUDGET_EXHAUSTED_MESSAGE
    : salesforceErrorCode === 'REQUEST_LIMIT_EXCEEDED' ? QUOTA_SPENT_MESSAGE
    : MESSAGE_BY_KIND[kind];
  return new GraphQLError(message, {
    extensions: { code: CODE_BY_KIND[kind], ...(salesforceErrorCode ? { salesforceErrorCode } : {}) },
  });
}
