/**
 * Contact's schema and values: the standard, declared and inferred Contact fields with their describe metadata,
 * the Account and Owner parent relationships, resolving a SOQL field path against them, and reading a stored
 * contact's value as the query resource renders it for the field's type.
 */
import { type FieldRef, SoqlError } from './soql';
import type { EmulatorContact, EmulatorFieldDefinition, EmulatorFieldType } from './types';

const DEFAULT_LAST_MODIFIED = '2024-01-01T00:00:00.000+0000';

// ─── Contact schema ──────────────────────────────────────────────────────────────────────────────────────────────

export type FieldType = 'id' | 'anyType' | EmulatorFieldType;

/** One Contact field as describe reports it. */
export interface FieldDef {
  name: string;
  type: FieldType;
  label: string;
  custom: boolean;
  length: number;
  filterable: boolean;
  sortable: boolean;
  nillable: boolean;
  updateable: boolean;
  createable: boolean;
  /** The compound field this one is a component of (MailingCity → MailingAddress). */
  compoundFieldName: string | null;
  relationshipName: string | null;
  referenceTo: string[];
  /** Picklist values in order; empty for other types (describe lists `picklistValues: []` for every field). */
  picklistValues: string[];
}

interface ParentField {
  name: string;
  type: FieldType;
  read(contact: EmulatorContact): unknown;
}

/** A parent object reached from Contact through a lookup field: `Account.Name` via AccountId. */
export interface Relationship {
  name: string;
  sobject: string;
  idField: 'AccountId' | 'OwnerId';
  fields: Record<string, ParentField>;
}

/** A field path resolved against the schema: `Email`, or `Account.Name` (parent: the Account relationship). */
export interface ResolvedField {
  name: string;
  parent?: Relationship;
  type: FieldType;
  filterable: boolean;
  sortable: boolean;
  read(contact: EmulatorContact): unknown;
}

const DEFAULT_LENGTHS: Partial<Record<FieldType, number>> = {
  id: 18,
  reference: 18,
  string: 255,
  textarea: 255,
  picklist: 255,
  multipicklist: 4099,
  url: 255,
  email: 80,
  phone: 40,
};
const UNFILTERABLE_TYPES = new Set<FieldType>(['address', 'location', 'base64']);
const UNSORTABLE_TYPES = new Set<FieldType>(['address', 'location', 'base64', 'multipicklist']);

/** `Shoe_Size__c` → `Shoe Size`. */
function defaultLabel(name: string): string {
  return name.replace(/__c$/i, '').replace(/_/g, ' ');
}

function fieldDef(name: string, type: FieldType, overrides: Partial<FieldDef> = {}): FieldDef {
  return {
    name,
    type,
    label: defaultLabel(name),
    custom: /__c$/i.test(name),
    length: DEFAULT_LENGTHS[type] ?? 0,
    filterable: !UNFILTERABLE_TYPES.has(type),
    sortable: !UNSORTABLE_TYPES.has(type),
    nillable: type !== 'id' && type !== 'boolean',
    updateable: false,
    createable: false,
    compoundFieldName: null,
    relationshipName: null,
    referenceTo: [],
    picklistValues: [],
    ...overrides,
  };
}

function standardField(name: string, type: FieldType, label: string, overrides: Partial<FieldDef> = {}): FieldDef {
  return fieldDef(name, type, { label, custom: false, updateable: true, createable: true, ...overrides });
}

const READ_ONLY: Partial<FieldDef> = { updateable: false, createable: false };
const MAILING: Partial<FieldDef> = { compoundFieldName: 'MailingAddress' };

const STANDARD_CONTACT_FIELDS: FieldDef[] = [
  standardField('Id', 'id', 'Contact ID', READ_ONLY),
  standardField('Name', 'string', 'Full Name', { ...READ_ONLY, length: 121, nillable: false }),
  standardField('FirstName', 'string', 'First Name', { length: 40 }),
  standardField('LastName', 'string', 'Last Name', { length: 80, nillable: false }),
  standardField('Email', 'email', 'Email'),
  standardField('Title', 'string', 'Title', { length: 128 }),
  standardField('Phone', 'phone', 'Business Phone'),
  standardField('MobilePhone', 'phone', 'Mobile Phone'),
  standardField('Department', 'string', 'Department', { length: 80 }),
  standardField('MailingStreet', 'string', 'Mailing Street', MAILING),
  standardField('MailingCity', 'string', 'Mailing City', { ...MAILING, length: 40 }),
  standardField('MailingState', 'string', 'Mailing State/Province', { ...MAILING, length: 80 }),
  standardField('MailingPostalCode', 'string', 'Mailing Zip/Postal Code', { ...MAILING, length: 20 }),
  standardField('MailingCountry', 'string', 'Mailing Country', { ...MAILING, length: 80 }),
  standardField('MailingAddress', 'address', 'Mailing Address', READ_ONLY),
  standardField('AccountId', 'reference', 'Account ID', { relationshipName: 'Account', referenceTo: ['Account'] }),
  standardField('OwnerId', 'reference', 'Owner ID', { nillable: false, relationshipName: 'Owner', referenceTo: ['User'] }),
  standardField('LastModifiedDate', 'datetime', 'Last Modified Date', { ...READ_ONLY, nillable: false }),
];

/** Emulator-only keys of EmulatorContact that are not Contact fields (they feed the parent relationships). */
const NON_FIELD_KEYS = new Set(['accountname', 'ownername', 'owneremail']);

export function hasParent(contact: EmulatorContact, relationship: Relationship): boolean {
  const id = contact[relationship.idField];
  return typeof id === 'string' && id !== '';
}

function parentField(name: string, type: FieldType, key: keyof EmulatorContact): ParentField {
  return { name, type, read: (contact) => contact[key] ?? null };
}

const RELATIONSHIPS: Record<string, Relationship> = {
  account: {
    name: 'Account',
    sobject: 'Account',
    idField: 'AccountId',
    fields: { id: parentField('Id', 'id', 'AccountId'), name: parentField('Name', 'string', 'AccountName') },
  },
  owner: {
    name: 'Owner',
    sobject: 'User',
    idField: 'OwnerId',
    fields: {
      id: parentField('Id', 'id', 'OwnerId'),
      name: parentField('Name', 'string', 'OwnerName'),
      email: parentField('Email', 'email', 'OwnerEmail'),
    },
  },
};

export const STRING_LIKE_TYPES = new Set<FieldType>(['id', 'string', 'email', 'phone', 'reference', 'picklist', 'multipicklist', 'textarea', 'url']);
export const NUMERIC_TYPES = new Set<FieldType>(['double', 'currency', 'percent', 'int']);
export const SOQL_TYPE_NAMES: Partial<Record<FieldType, string>> = { datetime: 'dateTime' };

const FIELD_HINT =
  "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.";
const RELATIONSHIP_HINT =
  "If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.";
export const OBJECT_HINT =
  "If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.";

function inferFieldType(value: unknown): FieldType {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'double';
  if (typeof value === 'boolean') return 'boolean';
  return 'anyType';
}

export function declaredField(definition: EmulatorFieldDefinition): FieldDef {
  return fieldDef(definition.name, definition.type, {
    ...(definition.label === undefined ? {} : { label: definition.label }),
    ...(definition.custom === undefined ? {} : { custom: definition.custom }),
    ...(definition.picklistValues === undefined ? {} : { picklistValues: [...definition.picklistValues] }),
  });
}

// ─── Contact values ──────────────────────────────────────────────────────────────────────────────────────────────

/** The value stored under `name`, the key matched exactly first, then case-insensitively; undefined when absent. */
function lookupKey(record: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(record, name)) return record[name];
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}

const ADDRESS_KEYS = ['city', 'country', 'geocodeAccuracy', 'latitude', 'longitude', 'postalCode', 'state', 'street'];
const MAILING_COMPONENTS: Record<string, string> = {
  city: 'MailingCity',
  country: 'MailingCountry',
  geocodeAccuracy: 'MailingGeocodeAccuracy',
  latitude: 'MailingLatitude',
  longitude: 'MailingLongitude',
  postalCode: 'MailingPostalCode',
  state: 'MailingState',
  street: 'MailingStreet',
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function pickKeys(value: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, lookupKey(value, key) ?? null]));
}

/** Salesforce renders a datetime in UTC with milliseconds and a +0000 offset. */
function formatDatetime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

const SALESFORCE_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;

function toDatetime(raw: unknown): unknown {
  if (raw instanceof Date) return formatDatetime(raw);
  if (typeof raw !== 'string' || SALESFORCE_DATETIME.test(raw)) return raw;
  // `+0200` → `+02:00` for Date.parse; a time without an offset is UTC, as it is in SOQL.
  const iso = raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2').replace(/(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/, '$1Z');
  const parsed = Date.parse(iso);
  return Number.isFinite(parsed) ? formatDatetime(new Date(parsed)) : raw;
}

function toDate(raw: unknown): unknown {
  if (raw instanceof Date) return raw.toISOString().slice(0, 10);
  if (typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}/.test(raw)) return raw.slice(0, 10);
  return raw;
}

function toNumber(raw: unknown, integer: boolean): unknown {
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value)) return raw;
  return integer ? Math.trunc(value) : value;
}

function toBoolean(raw: unknown): unknown {
  if (typeof raw === 'string' && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  if (typeof raw === 'number') return raw !== 0;
  return raw;
}

/** A stored value as the query resource renders it for the field's type; absent → null. */
function toWireValue(type: FieldType, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'boolean':
      return toBoolean(raw);
    case 'double':
    case 'currency':
    case 'percent':
    case 'int':
      return toNumber(raw, type === 'int');
    case 'date':
      return toDate(raw);
    case 'datetime':
      return toDatetime(raw);
    case 'multipicklist':
      return Array.isArray(raw) ? raw.join(';') : raw;
    case 'address':
      return isPlainObject(raw) ? pickKeys(raw, ADDRESS_KEYS) : raw;
    case 'location':
      return isPlainObject(raw) ? pickKeys(raw, ['latitude', 'longitude']) : raw;
    default:
      return raw;
  }
}

/** MailingAddress: a stored object, or else built from the Mailing* components (null when they are all empty). */
function readMailingAddress(contact: EmulatorContact): unknown {
  const stored = lookupKey(contact, 'MailingAddress');
  if (stored !== undefined) return toWireValue('address', stored);
  const address = Object.fromEntries(ADDRESS_KEYS.map((key) => [key, lookupKey(contact, MAILING_COMPONENTS[key] ?? '') ?? null]));
  return Object.values(address).some((value) => value !== null) ? address : null;
}

function readContactField(contact: EmulatorContact, field: FieldDef): unknown {
  const raw = lookupKey(contact, field.name);
  if (field.name === 'Name' && raw === undefined) {
    const parts = [contact.FirstName, contact.LastName].filter((part): part is string => Boolean(part));
    return parts.length > 0 ? parts.join(' ') : null;
  }
  if (field.name === 'LastModifiedDate') return toWireValue(field.type, raw ?? DEFAULT_LAST_MODIFIED);
  if (field.name === 'MailingAddress' && field.type === 'address') return readMailingAddress(contact);
  return toWireValue(field.type, raw);
}

/**
 * Contact's fields: the standard ones, the declared ones (which may redefine a standard one), then any other key
 * present on a stored contact (its type guessed from the value), minus the FLS-hidden ones.
 */
export class ContactSchema {
  private readonly fields = new Map<string, FieldDef>();

  constructor(contacts: readonly EmulatorContact[], hidden: ReadonlySet<string>, declared: Iterable<FieldDef>) {
    for (const field of STANDARD_CONTACT_FIELDS) this.add(field);
    for (const field of declared) this.fields.set(field.name.toLowerCase(), field);
    for (const contact of contacts) {
      for (const [key, value] of Object.entries(contact)) {
        if (!NON_FIELD_KEYS.has(key.toLowerCase())) this.add(fieldDef(key, inferFieldType(value), { custom: true }));
      }
    }
    for (const name of hidden) this.fields.delete(name);
  }

  list(): FieldDef[] {
    return [...this.fields.values()];
  }

  /** A parent relationship is usable only while its lookup field is visible. */
  resolve(ref: FieldRef): ResolvedField {
    const [first = '', ...rest] = ref.path.split('.');
    if (rest.length === 0) return this.resolveContactField(first, ref.position);
    const relationship = RELATIONSHIPS[first.toLowerCase()];
    const usable = relationship !== undefined && this.fields.has(relationship.idField.toLowerCase());
    if (usable && rest.length === 1) return resolveParentField(relationship, rest[0] ?? '', ref.position);
    const unknown = usable ? rest[0] : first;
    throw new SoqlError('INVALID_FIELD', `Didn't understand relationship '${unknown}' in field path. ${RELATIONSHIP_HINT}`, ref.position);
  }

  private add(field: FieldDef): void {
    const key = field.name.toLowerCase();
    if (!this.fields.has(key)) this.fields.set(key, field);
  }

  private resolveContactField(name: string, position: number): ResolvedField {
    const field = this.fields.get(name.toLowerCase());
    if (!field) throw new SoqlError('INVALID_FIELD', `No such column '${name}' on entity 'Contact'. ${FIELD_HINT}`, position);
    const { filterable, sortable } = field;
    return { name: field.name, type: field.type, filterable, sortable, read: (contact) => readContactField(contact, field) };
  }
}

function resolveParentField(relationship: Relationship, name: string, position: number): ResolvedField {
  const field = relationship.fields[name.toLowerCase()];
  if (!field) throw new SoqlError('INVALID_FIELD', `No such column '${name}' on entity '${relationship.sobject}'. ${FIELD_HINT}`, position);
  return {
    name: field.name,
    parent: relationship,
    type: field.type,
    filterable: true,
    sortable: true,
    read: (contact) => (hasParent(contact, relationship) ? field.read(contact) : null),
  };
}

export function describeField(field: FieldDef): Record<string, unknown> {
  const { name, label, type, custom, length, filterable, sortable, nillable, updateable, createable } = field;
  const { compoundFieldName, relationshipName, referenceTo } = field;
  return {
    name,
    label,
    type,
    custom,
    length,
    filterable,
    sortable,
    nillable,
    updateable,
    createable,
    compoundFieldName,
    relationshipName,
    referenceTo: [...referenceTo],
    picklistValues: field.picklistValues.map((value, index) => ({ active: true, defaultValue: index === 0, label: value, validFor: null, value })),
  };
}
