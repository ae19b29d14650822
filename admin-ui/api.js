// @ts-check
/**
 * The page's only way out: GraphQL over fetch to this origin's /graphql, with the admin's bearer token. The token
 * lives in this module's caller's memory only; nothing is written to storage or cookies.
 */

export const GRAPHQL_ENDPOINT = '/graphql';

const CONNECTION_FIELDS = `
  status instanceUrl apiVersion consumerKeyHint orgId lastValidatedAt lastError
  apiUsage { used max }
  customFields { name label available }`;

export const CONNECTION_QUERY = `query AdminConnection { salesforceConnection { ${CONNECTION_FIELDS} } }`;

export const FIELD_OPTIONS_QUERY = `query AdminFieldOptions {
  salesforceContactFieldOptions { name label type custom syncable notSyncableReason chosen }
}`;

export const CONNECT_MUTATION = `mutation AdminConnect($input: ConnectSalesforceInput!) {
  connectSalesforce(input: $input) { connection { ${CONNECTION_FIELDS} } userErrors { code field message } }
}`;

export const TEST_MUTATION = `mutation AdminTest {
  testSalesforceConnection { connection { ${CONNECTION_FIELDS} } userErrors { code field message } }
}`;

export const DISCONNECT_MUTATION = `mutation AdminDisconnect { disconnectSalesforce { disconnected userErrors { code field message } } }`;

export const SET_FIELDS_MUTATION = `mutation AdminSetFields($fields: [String!]!) {
  setSalesforceContactFields(fields: $fields) { connection { ${CONNECTION_FIELDS} } userErrors { code field message } }
}`;

/**
 * @typedef {{ code: string, field: string[] | null, message: string }} UserError
 * @typedef {{ used: number, max: number }} ApiUsage
 * @typedef {{ name: string, label: string, available: boolean }} SyncedField
 * @typedef {{ status: string, instanceUrl: string, apiVersion: string, consumerKeyHint: string, orgId: string | null,
 *   lastValidatedAt: string | null, lastError: string | null, apiUsage: ApiUsage | null, customFields: SyncedField[] }} Connection
 * @typedef {{ name: string, label: string, type: string, custom: boolean, syncable: boolean,
 *   notSyncableReason: string | null, chosen: boolean }} FieldOption
 * @typedef {{ connection: Connection | null, userErrors: UserError[] }} ConnectionPayload
 */

/** A GraphQL error (UNAUTHENTICATED, FORBIDDEN, NOT_CONNECTED, …) or a failure to get any GraphQL answer. */
export class ApiError extends Error {
  /** @param {string} message @param {string} code */
  constructor(message, code) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

/**
 * Runs one operation and returns its data, or throws ApiError with the first error's code and message.
 * @template T
 * @param {string} token
 * @param {string} query
 * @param {Record<string, unknown>} [variables]
 * @returns {Promise<T>}
 */
export async function graphql(token, query, variables = {}) {
  /** @type {Response} */
  let response;
  try {
    response = await fetch(GRAPHQL_ENDPOINT, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('Could not reach the Genfin API. Check your connection and try again.', 'NETWORK_ERROR');
  }
  /** @type {{ data?: T | null, errors?: Array<{ message: string, extensions?: { code?: string } }> }} */
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The Genfin API answered ${response.status} without a GraphQL answer.`, 'BAD_RESPONSE');
  }
  const [first] = body.errors ?? [];
  if (first !== undefined) throw new ApiError(first.message, first.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  if (body.data === undefined || body.data === null) throw new ApiError('The Genfin API answered without data.', 'BAD_RESPONSE');
  return body.data;
}
