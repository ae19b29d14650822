/**
 * Looking up contacts for one tenant with its configured fields, and surviving a field that disappears: when a
 * query answers INVALID_FIELD, the describe is checked afresh, the fields that are gone are recorded on the
 * connection (so later requests leave them out instead of failing again), and the query is retried without them.
 */
import { type Contact, type ContactSelection, findContactsByEmails, RELATIONSHIP_OBJECTS, REQUIRED_CONTACT_FIELDS, selectedFields } from '../salesforce/contacts';
import type { DescribeCache } from '../salesforce/describe';
import { SalesforceError } from '../salesforce/errors';
import type { SalesforceClient } from '../salesforce/client';
import type { ConnectionRecord } from './types';

/** Each recovery removes at least one field, so this only bounds a pathological org. */
const MAX_FIELD_RECOVERIES = 5;

export interface ContactLookupDeps {
  describes: DescribeCache;
  /** Persist newly unavailable fields; returns the updated record. */
  markUnavailable(record: ConnectionRecord, fields: string[]): Promise<ConnectionRecord>;
}

export function selectionOf(record: ConnectionRecord): ContactSelection {
  return { standardFields: record.contactFields, customFields: record.customFields, unavailableFields: record.unavailableFields };
}

export async function lookupContacts(
  client: SalesforceClient,
  record: ConnectionRecord,
  emails: readonly string[],
  deadline: number,
  deps: ContactLookupDeps,
): Promise<{ contacts: Map<string, Contact[]>; record: ConnectionRecord }> {
  let current = record;
  for (let recoveries = 0; ; recoveries++) {
    try {
      return { contacts: await findContactsByEmails(client, emails, selectionOf(current), { deadline }), record: current };
    } catch (error) {
      if (!isInvalidField(error) || recoveries >= MAX_FIELD_RECOVERIES) throw error;
      const gone = await fieldsGone(client, selectedFields(selectionOf(current)), error, deps.describes, deadline);
      if (gone.length === 0 || gone.some((field) => REQUIRED_CONTACT_FIELDS.includes(field))) throw error;
      current = await deps.markUnavailable(current, gone);
    }
  }
}

function isInvalidField(error: unknown): error is SalesforceError {
  return error instanceof SalesforceError && error.errorCode === 'INVALID_FIELD';
}

/**
 * The selected fields that can no longer be read: those the error names, and those a fresh describe no longer
 * lists (describe leaves out what field-level security hides).
 */
async function fieldsGone(
  client: SalesforceClient,
  selected: string[],
  error: SalesforceError,
  describes: DescribeCache,
  deadline: number,
): Promise<string[]> {
  const gone = new Set(fieldsNamedByError(selected, error.salesforceMessage ?? ''));
  describes.invalidate(client);
  // Without a describe (not served, or failing now) the fields the error names are all we know.
  const describe = await describes.get(client, { deadline }).catch(() => null);
  if (describe === null) return [...gone];
  for (const field of selected) {
    const [first, second] = field.split('.');
    const own = second === undefined ? (first as string) : `${first}Id`;
    if (!describe.fields.has(own.toLowerCase())) gone.add(field);
  }
  return [...gone];
}

/**
 * Read Salesforce's message: `No such column 'X' on entity 'Contact'` names a Contact field, the same on another
 * entity names a parent field reached through a relationship, and `Didn't understand relationship 'Account'`
 * condemns every field through that relationship.
 */
export function fieldsNamedByError(selected: readonly string[], message: string): string[] {
  const column = /No such column '([^']+)' on entity '([^']+)'/i.exec(message);
  if (column !== null) {
    const [, name = '', entity = ''] = column;
    return selected.filter((field) => {
      const [first = '', second] = field.split('.');
      if (second === undefined) return entity.toLowerCase() === 'contact' && first.toLowerCase() === name.toLowerCase();
      return second.toLowerCase() === name.toLowerCase() && RELATIONSHIP_OBJECTS[first]?.toLowerCase() === entity.toLowerCase();
    });
  }
  const relationship = /relationship '([^']+)'/i.exec(message);
  if (relationship !== null) {
    const name = (relationship[1] ?? '').toLowerCase();
    return selected.filter((field) => field.toLowerCase().startsWith(`${name}.`));
  }
  return [];
}
