/**
 * Checking the field names an admin wants synced. Names go into SOQL, so this is an injection boundary: a name
 * must be a plain API name before anything is sent, and then a field the Run-As user can read in describe.
 */
import { type ConnectionProblem, fieldListProblem, fieldNameProblem } from './problems';
import type { ContactDescribe, DescribedField } from '../salesforce/describe';
import type { ContactFieldDefinition } from './types';

export const MAX_CUSTOM_FIELDS = 50;
/** Salesforce API names are at most 40 characters plus namespace and suffix. */
const MAX_FIELD_NAME_LENGTH = 80;
/** Letters, digits and underscores, starting with a letter: no dots, spaces, commas or quotes. */
const PLAIN_FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Words SOQL gives a meaning to; a field is never called one of these. */
const SOQL_KEYWORDS = new Set(
  ('and as asc by cube desc else end excludes first from group having in includes last like limit not null nulls ' +
    'offset or order rollup select then true false typeof using when where with update tracking viewstat for reference ' +
    'scope above below above_or_below at')
    .split(' '),
);
/** Compound fields come back as objects and base64 as blobs: neither can be synced as one value. */
const UNSUPPORTED_TYPES: Readonly<Record<string, string>> = {
  address: 'is a compound address field; sync its components instead (for example MailingStreet, MailingCity, MailingPostalCode)',
  location: 'is a compound geolocation field; sync its latitude and longitude components instead',
  base64: 'is a base64 (binary) field, which cannot be synced',
};

/** Why a readable field cannot be synced as one value (`MailingAddress is a compound address field; …`), or null. */
export function syncReason(field: Pick<DescribedField, 'name' | 'type'>): string | null {
  const unsupported = UNSUPPORTED_TYPES[field.type];
  return unsupported === undefined ? null : `${field.name} ${unsupported}.`;
}

/** Problems a name has on its own, before any call. Returns one problem per bad, duplicate or excess name. */
export function fieldNameProblems(names: readonly string[]): ConnectionProblem[] {
  const problems: ConnectionProblem[] = [];
  const seen = new Set<string>();
  if (names.length > MAX_CUSTOM_FIELDS) {
    problems.push(fieldListProblem('TOO_MANY_FIELDS', `At most ${MAX_CUSTOM_FIELDS} extra fields can be synced; got ${names.length}.`));
  }
  names.forEach((raw, index) => {
    const name = raw.trim();
    const shown = JSON.stringify(name.slice(0, 100));
    if (!PLAIN_FIELD_NAME.test(name) || name.length > MAX_FIELD_NAME_LENGTH || name.endsWith('_') || name.includes('___')) {
      problems.push(
        fieldNameProblem(
          'INVALID_FIELD_NAME',
          index,
          `${shown} is not a field API name: use the name from Setup → Object Manager → Contact → Fields, such as Genfin_Tier__c (letters, digits and underscores only; no dots, spaces or commas).`,
        ),
      );
    } else if (SOQL_KEYWORDS.has(name.toLowerCase())) {
      problems.push(fieldNameProblem('INVALID_FIELD_NAME', index, `${shown} is a SOQL keyword, not a field API name.`));
    } else if (seen.has(name.toLowerCase())) {
      problems.push(fieldNameProblem('DUPLICATE_FIELD', index, `${shown} is listed more than once.`));
    }
    seen.add(name.toLowerCase());
  });
  return problems;
}

/**
 * Resolve names against the org's describe: each becomes its definition (canonical name, label, type), or a
 * problem saying it is unknown or cannot be synced.
 */
export function resolveFieldNames(
  names: readonly string[],
  describe: ContactDescribe,
): { definitions: ContactFieldDefinition[]; problems: ConnectionProblem[] } {
  const definitions: ContactFieldDefinition[] = [];
  const problems: ConnectionProblem[] = [];
  names.forEach((raw, index) => {
    const name = raw.trim();
    const described = describe.fields.get(name.toLowerCase());
    if (described === undefined) {
      problems.push(
        fieldNameProblem(
          'UNKNOWN_FIELD',
          index,
          `Contact has no field ${name} that the integration user can read. Check the API name, and that field-level security gives the Run-As user Read access to it.`,
        ),
      );
      return;
    }
    const unsupported = syncReason(described);
    if (unsupported !== null) {
      problems.push(fieldNameProblem('UNSUPPORTED_FIELD_TYPE', index, unsupported));
      return;
    }
    definitions.push({ name: described.name, label: described.label, type: described.type });
  });
  return { definitions, problems };
}

/** The message `lastError` shows while configured fields are unavailable; null when none are. */
export function unavailableFieldsMessage(unavailable: readonly string[]): string | null {
  if (unavailable.length === 0) return null;
  const list = unavailable.join(', ');
  return `Contact field${unavailable.length > 1 ? 's' : ''} ${list} can no longer be read by the integration user (deleted, or hidden by field-level security). Lookups leave ${unavailable.length > 1 ? 'them' : 'it'} out until an admin fixes access or sets the synced fields again.`;
}
