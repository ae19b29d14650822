/**
 * Contacts by email: the SOQL we send, how we split it to fit Salesforce's URI limit, and how records come back
 * as `Contact`s keyed by normalised email.
 */
import { chunkToFit } from './chunking';
import { encodeQueryValue, queryTarget, type SalesforceClient } from './client';
import { SalesforceError } from './errors';
import { MAX_REQUEST_BYTES, type RequestOptions, requestOverheadBytes } from './http';
import { lightningRecordUrl } from './instanceUrl';
import { QueryBudget } from './lookupLimits';
import { IN_SEPARATOR, selectWhereIn, selectWhereInPrefix, soqlString } from './soql';

/** An extra Contact field the admin chose to sync, with its label and type from the org's describe. */
export interface ContactFieldDefinition {
  name: string;
  label: string;
  type: string;
}

/** The standard Contact fields fetched for every person (those the Run-As user can read), in select order. */
export const CONTACT_FIELDS: readonly string[] = [
  'Id',
  'Email',
  'FirstName',
  'LastName',
  'Name',
  'Title',
  'Phone',
  'MobilePhone',
  'Department',
  'AccountId',
  'Account.Name',
  'OwnerId',
  'Owner.Name',
  'Owner.Email',
  'LastModifiedDate',
];

/** Without these a lookup cannot work at all. */
export const REQUIRED_CONTACT_FIELDS: readonly string[] = ['Id', 'Email'];

/** Which object each relationship of CONTACT_FIELDS leads to (for INVALID_FIELD messages naming it). */
export const RELATIONSHIP_OBJECTS: Readonly<Record<string, string>> = { Account: 'Account', Owner: 'User' };

/** What a lookup selects: the standard fields, then the admin's custom fields (with describe's label and type). */
export interface ContactSelection {
  standardFields: readonly string[];
  customFields: readonly ContactFieldDefinition[];
  /** Left out of the SELECT (their values come back null). */
  unavailableFields: readonly string[];
}

/** The SELECT list for a selection: each field once, unavailable ones left out. */
export function selectedFields(selection: ContactSelection): string[] {
  const unavailable = new Set(selection.unavailableFields.map((f) => f.toLowerCase()));
  const seen = new Set<string>();
  const fields: string[] = [];
  for (const field of [...selection.standardFields, ...selection.customFields.map((f) => f.name)]) {
    const key = field.toLowerCase();
    if (seen.has(key) || unavailable.has(key)) continue;
    seen.add(key);
    fields.push(field);
  }
  return fields;
}

/** A Salesforce Contact as the GraphQL `SalesforceContact` type resolves it. */
export interface Contact {
  id: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  name: string | null;
  title: string | null;
  phone: string | null;
  mobilePhone: string | null;
  department: string | null;
  accountId: string | null;
  accountName: string | null;
  account: { id: string; name: string | null } | null;
  owner: { id: string; name: string | null; email: string | null } | null;
  lastModifiedAt: Date | null;
  recordUrl: string;
  customFields: Array<{ name: string; label: string; type: string; value: unknown }>;
}

/**
 * Look up contacts whose Email is one of `emails` (already normalised: trimmed, lower-case), in as few queries as
 * fit under the URI limit. The queries go out together: the client's per-tenant request slots bound how many are
 * in flight, so a cold page of 1,000 people costs about one round trip instead of one per query.
 * Returns the matching contacts per email, most recently modified first, at most the client's
 * `maxContactsPerEmail` of them (the rest are dropped and reported). The queries share one QueryBudget: a lookup
 * that would read more than it allows fails with LOOKUP_TOO_LARGE (see lookupLimits.ts).
 */
export async function findContactsByEmails(
  client: SalesforceClient,
  emails: readonly string[],
  selection: ContactSelection,
  options: RequestOptions = {},
): Promise<Map<string, Contact[]>> {
  const fields = selectedFields(selection);
  const chunks = chunkEmailsForQueries(client, emails, fields);
  const limits = client.lookupLimits;
  const { tenantId } = client.org;
  const budget = new QueryBudget(limits, emails.length, (reason, records, bytes) => limits.onLimit?.({ tenantId, reason, records, bytes }));
  const pages = await Promise.all(
    chunks.map((chunk) =>
      client.query(selectWhereIn('Contact', fields, 'Email', chunk), { ...options, budget }).catch((error: unknown) => {
        budget.abandon(error); // the other chunks ask for no further page
        throw error;
      }),
    ),
  );
  const byEmail = new Map<string, Contact[]>();
  for (const record of pages.flat()) {
    const contact = toContact(record, client.org.instanceUrl, selection.customFields);
    const key = contact.email === null ? null : normaliseEmail(contact.email);
    if (key === null) continue;
    const list = byEmail.get(key);
    if (list === undefined) byEmail.set(key, [contact]);
    else list.push(contact);
  }
  let dropped = 0;
  let emailsCut = 0;
  for (const list of byEmail.values()) {
    list.sort(byMostRecentlyModified);
    if (list.length > limits.maxContactsPerEmail) {
      dropped += list.length - limits.maxContactsPerEmail;
      emailsCut += 1;
      list.length = limits.maxContactsPerEmail;
    }
  }
  if (dropped > 0) limits.onLimit?.({ tenantId, reason: 'contacts_per_email', records: dropped, emails: emailsCut });
  return byEmail;
}

/**
 * Split emails into query-sized groups. Sizes are measured on the percent-encoded request target each group
 * becomes (`/services/data/vNN.N/query?q=…`); after packing, each real target is measured again as the URL
 * parser will send it.
 */
export function chunkEmailsForQueries(client: SalesforceClient, emails: readonly string[], fields: readonly string[] = CONTACT_FIELDS): string[][] {
  const maxBytes = MAX_REQUEST_BYTES - requestOverheadBytes(client.org.instanceUrl);
  const chunks = chunkToFit(emails, {
    baseBytes: queryTarget(client.apiPath, `${selectWhereInPrefix('Contact', fields, 'Email')})`).length,
    itemBytes: (email) => encodeQueryValue(soqlString(email)).length,
    separatorBytes: encodeQueryValue(IN_SEPARATOR).length,
    maxBytes,
  });
  for (const chunk of chunks) {
    const url = new URL(`${client.org.instanceUrl}${queryTarget(client.apiPath, selectWhereIn('Contact', fields, 'Email', chunk))}`);
    const bytes = Buffer.byteLength(url.pathname + url.search);
    if (bytes > maxBytes) throw new Error(`chunkEmailsForQueries: expected ≤ ${maxBytes} bytes per query, built ${bytes}`);
  }
  return chunks;
}

/** Trim and lower-case, the key every lookup and every returned record is matched by. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Salesforce's Email field holds at most 80 characters; RFC 5321 allows 254. Anything longer cannot match. */
const MAX_EMAIL_LENGTH = 254;

/**
 * Whether a normalised email could exist at all, so impossible ones are answered without a lookup: one `@` with
 * something on both sides, a dotted domain, no white space or control characters, well-formed UTF-16.
 * Quotes, apostrophes, backslashes, `%`, `_` and non-ASCII letters are all possible and are looked up.
 */
export function isPossibleEmail(email: string): boolean {
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH || !email.isWellFormed()) return false;
  if (/[\s\u0000-\u001f\u007f-\u009f]/u.test(email)) return false;
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return false;
  const domain = email.slice(at + 1);
  return /^[^@.]+(?:\.[^@.]+)+$/u.test(domain);
}

function toContact(record: unknown, instanceUrl: string, customFields: readonly ContactFieldDefinition[]): Contact {
  if (record === null || typeof record !== 'object') {
    throw new SalesforceError('unavailable', `Salesforce query: expected a record object, got ${record === null ? 'null' : typeof record}`);
  }
  const fields = record as Record<string, unknown>;
  const id = stringOrNull(fields.Id);
  if (id === null) throw new SalesforceError('unavailable', 'Salesforce query: expected every Contact record to have an Id');
  const accountId = stringOrNull(fields.AccountId);
  const ownerId = stringOrNull(fields.OwnerId);
  const accountName = parentField(fields.Account, 'Name');
  return {
    id,
    email: stringOrNull(fields.Email),
    firstName: stringOrNull(fields.FirstName),
    lastName: stringOrNull(fields.LastName),
    name: stringOrNull(fields.Name),
    title: stringOrNull(fields.Title),
    phone: stringOrNull(fields.Phone),
    mobilePhone: stringOrNull(fields.MobilePhone),
    department: stringOrNull(fields.Department),
    accountId,
    accountName,
    account: accountId === null ? null : { id: accountId, name: accountName },
    owner: ownerId === null ? null : { id: ownerId, name: parentField(fields.Owner, 'Name'), email: parentField(fields.Owner, 'Email') },
    lastModifiedAt: parseSalesforceDateTime(fields.LastModifiedDate),
    recordUrl: lightningRecordUrl(instanceUrl, 'Contact', id),
    customFields: customFields.map(({ name, label, type }) => ({ name, label, type, value: fieldValue(fields, name, type) })),
  };
}

/** A parent record's field from its nested object (`"Account":{"Name":…}` or `"Account":null`). */
function parentField(parent: unknown, field: string): string | null {
  return parent !== null && typeof parent === 'object' ? stringOrNull((parent as Record<string, unknown>)[field]) : null;
}

/**
 * A custom field's value as JSON, as Salesforce gave it; datetimes normalised to ISO 8601 in UTC
 * (`2024-05-01T10:00:00.000Z`), dates kept as `2024-05-01`. A field Salesforce did not return is null.
 */
export function fieldValue(record: Record<string, unknown>, name: string, type: string): unknown {
  const value = record[name] ?? findCaseInsensitive(record, name) ?? null;
  if (type === 'datetime' && typeof value === 'string') return parseSalesforceDateTime(value)?.toISOString() ?? value;
  return value;
}

function findCaseInsensitive(record: Record<string, unknown>, name: string): unknown {
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}

/** Salesforce datetimes look like `2024-05-01T10:00:00.000+0000`; JavaScript wants `+00:00`. */
export function parseSalesforceDateTime(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const iso = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

function byMostRecentlyModified(a: Contact, b: Contact): number {
  return (b.lastModifiedAt?.getTime() ?? -Infinity) - (a.lastModifiedAt?.getTime() ?? -Infinity) || a.id.localeCompare(b.id);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
