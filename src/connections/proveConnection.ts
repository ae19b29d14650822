/**
 * Proving a set of credentials against the org before they are trusted: a token (Client Credentials Flow), the
 * API version, and a Contact describe that shows the Run-As user can read Contact and its Email. Used by
 * connectSalesforce (before saving) and testSalesforceConnection (on the stored credentials).
 */
import type { ApiVersionCache } from '../salesforce/apiVersions';
import { SalesforceClient } from '../salesforce/client';
import { CONTACT_FIELDS, REQUIRED_CONTACT_FIELDS } from '../salesforce/contacts';
import { type ContactDescribe, describeContact, isContactNotReadable } from '../salesforce/describe';
import type { SalesforceHttp } from '../salesforce/http';
import type { InstanceUrlPolicy } from '../salesforce/instanceUrl';
import { type ClientCredentials, requestToken, type SalesforceToken } from '../salesforce/oauth';
import { SalesforceError } from '../salesforce/errors';
import { selectWhereIn } from '../salesforce/soql';
import { fixedTokenSource } from '../salesforce/tokens';
import type { ApiUsage } from '../salesforce/apiUsage';
import { type ConnectionProblem, generalProblem } from './problems';
import { apiVersionProblem, tokenProblem, transportProblem } from './salesforceProblems';

export interface ProveInput {
  tenantId: string;
  instanceUrl: string;
  apiVersion: string;
  credentials: ClientCredentials;
}

export interface ProveDeps {
  http: SalesforceHttp;
  apiVersions: ApiVersionCache;
  urlPolicy: InstanceUrlPolicy;
  onApiUsage: (usage: ApiUsage) => void;
}

export interface ProvenConnection {
  token: SalesforceToken;
  /** Null when the org does not serve describe but answered a Contact query. */
  describe: ContactDescribe | null;
  /** The standard fields the Run-As user can read, in CONTACT_FIELDS order. */
  readableStandardFields: string[];
}

export type ProveResult = { ok: true; proven: ProvenConnection } | { ok: false; problem: ConnectionProblem; token?: SalesforceToken };

export async function proveConnection(input: ProveInput, deps: ProveDeps): Promise<ProveResult> {
  let token: SalesforceToken;
  try {
    token = await requestToken(deps.http, input.instanceUrl, input.credentials, deps.urlPolicy);
  } catch (error) {
    return { ok: false, problem: tokenProblem(error) };
  }

  try {
    const versions = await deps.apiVersions.get(deps.http, input.instanceUrl);
    if (!versions.includes(input.apiVersion)) return { ok: false, problem: apiVersionProblem(input.apiVersion, versions), token };
  } catch (error) {
    return { ok: false, problem: transportProblem(error), token };
  }

  const client = new SalesforceClient(
    { tenantId: input.tenantId, credentialsId: 'probe', instanceUrl: input.instanceUrl, apiVersion: input.apiVersion },
    { http: deps.http, tokens: fixedTokenSource(token), onApiUsage: deps.onApiUsage },
  );
  let describe: ContactDescribe;
  try {
    describe = await describeContact(client);
  } catch (error) {
    if (!isContactNotReadable(error)) return { ok: false, problem: transportProblem(error), token };
    // 404: Contact is not readable, or describe is not served here (a proxy in front of the org). A query on
    // Contact tells the two apart, and proves Email readable too.
    const problem = await contactQueryProblem(client);
    if (problem !== null) return { ok: false, problem, token };
    return { ok: true, proven: { token, describe: null, readableStandardFields: [...CONTACT_FIELDS] } };
  }
  const missing = REQUIRED_CONTACT_FIELDS.find((field) => !describe.fields.has(field.toLowerCase()));
  if (missing !== undefined) return { ok: false, problem: contactNotReadable(`Contact.${missing}`), token };

  return { ok: true, proven: { token, describe, readableStandardFields: readableStandardFields(describe) } };
}

/** Null when the Run-As user can query Contact by Email; otherwise what to tell the admin. */
async function contactQueryProblem(client: SalesforceClient): Promise<ConnectionProblem | null> {
  try {
    await client.query(selectWhereIn('Contact', REQUIRED_CONTACT_FIELDS, 'Email', ['connection-check@genfin.invalid']));
    return null;
  } catch (error) {
    if (error instanceof SalesforceError && error.errorCode === 'INVALID_TYPE') return contactNotReadable('Contact');
    if (error instanceof SalesforceError && error.errorCode === 'INVALID_FIELD') return contactNotReadable('Contact.Email');
    return transportProblem(error);
  }
}

/**
 * CONTACT_FIELDS the describe shows. A relationship field (`Account.Name`) is kept when its lookup field
 * (`AccountId`) is readable; if the parent's field is hidden, the first lookup finds out and drops it.
 */
export function readableStandardFields(describe: ContactDescribe): string[] {
  return CONTACT_FIELDS.filter((field) => {
    const [first, second] = field.split('.');
    const own = second === undefined ? (first as string) : `${first}Id`;
    return describe.fields.has(own.toLowerCase());
  });
}

function contactNotReadable(what: string): ConnectionProblem {
  return generalProblem(
    'CONTACT_NOT_READABLE',
    what === 'Contact'
      ? 'The Run-As user cannot read Contact records. Give it a permission set with Read on Contact (and API Enabled), then try again.'
      : `The Run-As user cannot read the ${what} field. In its permission set (or profile), grant Read access to ${what} under Field Permissions, then try again.`,
  );
}
