/**
 * Why the connection layer refused a change or a question, in its own terms: what kind of problem it is, which
 * value the admin must change (if one is at fault), and a message that says what to do. The resolvers turn these
 * into GraphQL's SalesforceUserError (or an error with the code); nothing below them knows GraphQL shapes.
 */

/** What connectSalesforce is asked to save, as an admin typed it. */
export interface ConnectRequest {
  consumerKey: string;
  consumerSecret: string;
  instanceUrl: string;
  /** Defaults to DEFAULT_API_VERSION when absent or blank. */
  apiVersion?: string | null;
}

export type ConnectionProblemCode =
  | 'INVALID_INPUT'
  | 'INVALID_INSTANCE_URL'
  | 'INVALID_API_VERSION'
  | 'INVALID_CLIENT_CREDENTIALS'
  | 'CLIENT_CREDENTIALS_FLOW_NOT_ENABLED'
  | 'INACTIVE_USER'
  | 'INACTIVE_ORG'
  | 'SALESFORCE_RATE_LIMITED'
  | 'API_VERSION_NOT_SUPPORTED'
  | 'API_DISABLED'
  | 'SALESFORCE_UNREACHABLE'
  | 'SALESFORCE_ERROR'
  | 'CONTACT_NOT_READABLE'
  | 'INVALID_FIELD_NAME'
  | 'UNKNOWN_FIELD'
  | 'UNSUPPORTED_FIELD_TYPE'
  | 'DUPLICATE_FIELD'
  | 'TOO_MANY_FIELDS'
  | 'NOT_CONNECTED'
  | 'SALESFORCE_CREDENTIALS_UNREADABLE';

/** The value at fault: one of connect's inputs, the list of synced fields as a whole, or one name in it. */
export type ProblemTarget =
  | { kind: 'connectInput'; name: keyof ConnectRequest }
  | { kind: 'fieldList' }
  | { kind: 'fieldName'; index: number };

export interface ConnectionProblem {
  code: ConnectionProblemCode;
  /** Null when no single value is at fault (Salesforce Setup, the org, this service). */
  target: ProblemTarget | null;
  message: string;
}

/** A problem with the list of synced fields as a whole, or with the name at `index` in it. */
export function fieldListProblem(code: ConnectionProblemCode, message: string): ConnectionProblem {
  return { code, target: { kind: 'fieldList' }, message };
}

export function fieldNameProblem(code: ConnectionProblemCode, index: number, message: string): ConnectionProblem {
  return { code, target: { kind: 'fieldName', index }, message };
}

/** A problem with one of connect's inputs. */
export function inputProblem(code: ConnectionProblemCode, name: keyof ConnectRequest, message: string): ConnectionProblem {
  return { code, target: { kind: 'connectInput', name }, message };
}

/** A problem no single value is at fault for: Salesforce Setup, the org, this service. */
export function generalProblem(code: ConnectionProblemCode, message: string): ConnectionProblem {
  return { code, target: null, message };
}
