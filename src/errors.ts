/**
 * The GraphQL errors this subgraph raises, each with its `extensions.code`. Salesforce failures are translated
 * here and only here.
 */
import { GraphQLError } from 'graphql';
import { SalesforceError } from './salesforce/errors';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  SALESFORCE_AUTH_FAILED: 'SALESFORCE_AUTH_FAILED',
  SALESFORCE_RATE_LIMITED: 'SALESFORCE_RATE_LIMITED',
  SALESFORCE_UNAVAILABLE: 'SALESFORCE_UNAVAILABLE',
  SALESFORCE_REQUEST_FAILED: 'SALESFORCE_REQUEST_FAILED',
} as const;

/** HTTP 401 as well, so a gateway or a direct caller sees the refusal at the transport level too. */
export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
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
  rate_limited: 'The tenant\'s Salesforce org has used its daily API request limit',
  unavailable: 'Salesforce could not be reached or did not answer in time',
  rejected: 'Salesforce refused the lookup',
} as const;

/** A failed Salesforce lookup as the error on the field that needed it. Internal detail stays in the logs. */
export function salesforceLookupError(error: unknown): GraphQLError {
  const kind = error instanceof SalesforceError ? error.kind : 'unavailable';
  const salesforceErrorCode = error instanceof SalesforceError ? error.errorCode : undefined;
  return new GraphQLError(MESSAGE_BY_KIND[kind], {
    extensions: { code: CODE_BY_KIND[kind], ...(salesforceErrorCode ? { salesforceErrorCode } : {}) },
  });
}
