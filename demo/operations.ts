/** GraphQL operations the demo sends and prints, shared with the tests (and the bench) that send the same ones. */

/** The payload every connection mutation answers. */
export interface MutationPayload {
  connection: Record<string, unknown> | null;
  userErrors: Array<{ code: string; field: string[] | null; message: string }>;
}

export const CONNECT_MUTATION = `
  mutation Connect($input: ConnectSalesforceInput!) {
    connectSalesforce(input: $input) {
      connection { status instanceUrl apiVersion consumerKeyHint orgId contactFields lastError lastValidatedAt }
      userErrors { code field message }
    }
  }`;

export const SET_FIELDS_MUTATION = `
  mutation SetFields($fields: [String!]!) {
    setSalesforceContactFields(fields: $fields) {
      connection { status customFields { name label type available } }
      userErrors { code field message }
    }
  }`;

/** People with what Salesforce knows of them: the demo's first curl. */
export const ENRICHED_PEOPLE_QUERY =
  '{ people(first: 5) { name email salesforceContact { name title account { name } owner { name } customFields { name value } recordUrl } } }';

/** The tenant's connection as its admin sees it: the demo's second curl. */
export const CONNECTION_STATUS_QUERY =
  '{ salesforceConnection { status instanceUrl apiVersion consumerKeyHint orgId lastValidatedAt lastError apiUsage { used max } customFields { name available } } }';
