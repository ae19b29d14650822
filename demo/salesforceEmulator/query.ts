/**
 * SOQL evaluation: compiling a parsed query against the Contact schema (checking fields and filter types),
 * running it over the stored contacts (filter, order, limit), rendering the records, and paging the result.
 */
import {
  type ContactSchema,
  type FieldType,
  hasParent,
  NUMERIC_TYPES,
  OBJECT_HINT,
  type Relationship,
  type ResolvedField,
  SOQL_TYPE_NAMES,
  STRING_LIKE_TYPES,
} from './contactSchema';
import { type Condition, type FieldRef, type Literal, type ParsedQuery, SoqlError } from './soql';
import type { EmulatorContact } from './types';

export interface CompiledQuery {
  fields: ResolvedField[];
  matches(contact: EmulatorContact): boolean;
  order: Array<{ field: ResolvedField; descending: boolean; nullsFirst: boolean }>;
  limit?: number;
}

/** `contactReadable` false: the run-as user cannot see Contact, which SOQL reports like an unknown object. */
export function compileQuery(parsed: ParsedQuery, schema: ContactSchema, contactReadable: boolean): CompiledQuery {
  if (parsed.object.name.toLowerCase() !== 'contact' || !contactReadable) {
    throw new SoqlError('INVALID_TYPE', `sObject type '${parsed.object.name}' is not supported. ${OBJECT_HINT}`, parsed.object.position);
  }
  const fields = resolveSelectList(parsed.fields, schema);
  const matches = parsed.where ? compileCondition(parsed.where, schema) : () => true;
  const order = parsed.orderBy.map((item) => ({ ...item, field: resolveSortField(item.field, schema) }));
  return { fields, matches, order, limit: parsed.limit };
}

function resolveSortField(ref: FieldRef, schema: ContactSchema): ResolvedField {
  const field = schema.resolve(ref);
  if (!field.sortable) throw new SoqlError('INVALID_FIELD', `field '${field.name}' can not be sorted in a query call`, ref.position);
  return field;
}

function resolveSelectList(refs: FieldRef[], schema: ContactSchema): ResolvedField[] {
  const seen = new Set<string>();
  return refs.map((ref) => {
    const field = schema.resolve(ref);
    const key = `${field.parent?.name ?? ''}.${field.name}`;
    if (seen.has(key)) throw new SoqlError('MALFORMED_QUERY', `duplicate field selected: ${field.name}`, ref.position);
    seen.add(key);
    return field;
  });
}

function compileCondition(condition: Condition, schema: ContactSchema): (contact: EmulatorContact) => boolean {
  if (condition.kind === 'logical') {
    const operands = condition.operands.map((operand) => compileCondition(operand, schema));
    return condition.connective === 'and'
      ? (contact) => operands.every((operand) => operand(contact))
      : (contact) => operands.some((operand) => operand(contact));
  }
  const field = schema.resolve(condition.field);
  if (!field.filterable) {
    throw new SoqlError('INVALID_FIELD', `field '${field.name}' can not be filtered in a query call`, condition.field.position);
  }
  const literals = condition.kind === 'in' ? condition.values : [condition.value];
  for (const literal of literals) checkFilterType(field, literal);
  if (literals.every((literal) => literal.kind === 'string') && field.type !== 'id' && field.type !== 'reference') {
    // The common `Email IN ('a', 'b', …)`: one case-insensitive set look-up per contact instead of one per literal.
    const values = new Set(literals.map((literal) => String(literal.value).toLowerCase()));
    return (contact) => {
      const actual = field.read(contact);
      return (typeof actual === 'string' && values.has(actual.toLowerCase())) !== condition.negated;
    };
  }
  return (contact) => literals.some((literal) => literalMatches(field, field.read(contact), literal)) !== condition.negated;
}

function literalFits(type: FieldType, literal: Literal): boolean {
  if (literal.kind === 'null' || type === 'anyType') return true;
  if (literal.kind === 'string') return STRING_LIKE_TYPES.has(type);
  if (literal.kind === 'number') return NUMERIC_TYPES.has(type);
  return type === 'boolean';
}

/** Text fields take quoted literals; every other type takes its own unquoted literal. */
function checkFilterType(field: ResolvedField, literal: Literal): void {
  if (literalFits(field.type, literal)) return;
  const message = STRING_LIKE_TYPES.has(field.type)
    ? 'must be of type string and should be enclosed in quotes'
    : `must be of type ${SOQL_TYPE_NAMES[field.type] ?? field.type} and should not be enclosed in quotes`;
  throw new SoqlError('INVALID_FIELD', `value of filter criterion for field '${field.name}' ${message}`, literal.position);
}

/** Text comparison is case-insensitive; record ids compare on their case-sensitive 15-character form. */
function literalMatches(field: ResolvedField, actual: unknown, literal: Literal): boolean {
  if (literal.kind === 'null') return actual === null || actual === undefined;
  if (literal.kind !== 'string') return actual === literal.value;
  if (typeof actual !== 'string') return false;
  if (field.type === 'id' || field.type === 'reference') return actual.slice(0, 15) === literal.value.slice(0, 15);
  return actual.toLowerCase() === literal.value.toLowerCase();
}

function compareValues(left: unknown, right: unknown): number {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  const a = String(left).toLowerCase();
  const b = String(right).toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortContacts(contacts: EmulatorContact[], order: CompiledQuery['order']): EmulatorContact[] {
  return [...contacts].sort((x, y) => {
    for (const { field, descending, nullsFirst } of order) {
      const left = field.read(x);
      const right = field.read(y);
      if (left === null && right === null) continue;
      if (left === null || right === null) return (left === null) === nullsFirst ? -1 : 1;
      const result = compareValues(left, right);
      if (result !== 0) return descending ? -result : result;
    }
    return 0;
  });
}

export function executeQuery(query: CompiledQuery, contacts: readonly EmulatorContact[]): EmulatorContact[] {
  const matched = contacts.filter((contact) => query.matches(contact));
  const sorted = query.order.length > 0 ? sortContacts(matched, query.order) : matched;
  return query.limit === undefined ? sorted : sorted.slice(0, query.limit);
}

function sobjectUrl(version: string, type: string, id: unknown): string {
  return `/services/data/v${version}/sobjects/${type}/${String(id)}`;
}

/** Selected fields in requested order; parent fields nest under their relationship, which is null without a parent. */
export function renderRecord(contact: EmulatorContact, fields: ResolvedField[], version: string): Record<string, unknown> {
  const record: Record<string, unknown> = { attributes: { type: 'Contact', url: sobjectUrl(version, 'Contact', contact.Id) } };
  for (const field of fields) {
    if (!field.parent) {
      record[field.name] = field.read(contact);
      continue;
    }
    const relationship = field.parent.name;
    if (!(relationship in record)) record[relationship] = renderParent(contact, field.parent, version);
    const parent = record[relationship] as Record<string, unknown> | null;
    if (parent) parent[field.name] = field.read(contact);
  }
  return record;
}

function renderParent(contact: EmulatorContact, relationship: Relationship, version: string): Record<string, unknown> | null {
  if (!hasParent(contact, relationship)) return null;
  return { attributes: { type: relationship.sobject, url: sobjectUrl(version, relationship.sobject, contact[relationship.idField]) } };
}

export interface QueryCursor {
  records: Record<string, unknown>[];
  pageSize: number;
}

export function queryPage(cursorId: string, cursor: QueryCursor, offset: number, version: string): Record<string, unknown> {
  const records = cursor.records.slice(offset, offset + cursor.pageSize);
  const next = offset + records.length;
  const done = next >= cursor.records.length;
  return {
    totalSize: cursor.records.length,
    done,
    ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${cursorId}-${next}` }),
    records,
  };
}
