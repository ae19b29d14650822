/**
 * How a ConnectionRecord maps to a `salesforce_connections` row, shared by both stores. Each store supplies a
 * codec for what its driver does differently (dates as ISO text or timestamptz, JSON as text or jsonb).
 */
import {
  type ConnectionPatch,
  type ConnectionRecord,
  parseConnectionStatus,
  parseFieldDefinitions,
  parseStringList,
} from './types';

export const TABLE = 'salesforce_connections';

/** Record property → column, in table order. */
export const COLUMN_OF = {
  tenantId: 'tenant_id',
  instanceUrl: 'instance_url',
  apiVersion: 'api_version',
  consumerKeyHint: 'consumer_key_hint',
  sealedCredentials: 'sealed_credentials',
  credentialsId: 'credentials_id',
  orgId: 'org_id',
  contactFields: 'contact_fields',
  customFields: 'custom_fields',
  unavailableFields: 'unavailable_fields',
  status: 'status',
  lastError: 'last_error',
  connectedAt: 'connected_at',
  lastValidatedAt: 'last_validated_at',
  updatedAt: 'updated_at',
} as const satisfies Record<keyof ConnectionRecord, string>;

export type Column = (typeof COLUMN_OF)[keyof typeof COLUMN_OF];
export const COLUMNS = Object.values(COLUMN_OF) as Column[];
const JSON_PROPERTIES = new Set<keyof ConnectionRecord>(['contactFields', 'customFields', 'unavailableFields']);

/** Whether a column holds JSON (jsonb in PostgreSQL, compared as such; canonical text in SQLite). */
export function isJsonColumn(column: Column): boolean {
  return column === 'contact_fields' || column === 'custom_fields' || column === 'unavailable_fields';
}
const DATE_PROPERTIES = new Set<keyof ConnectionRecord>(['connectedAt', 'lastValidatedAt', 'updatedAt']);

export interface RowCodec {
  encodeDate(date: Date): unknown;
  decodeDate(value: unknown): Date;
}

export type Row = Record<Column, unknown>;

/** Column → value for every property present in `values` (a whole record, or a patch). */
export function toColumns(values: Partial<ConnectionRecord>, codec: RowCodec): Array<[Column, unknown]> {
  return (Object.keys(COLUMN_OF) as Array<keyof ConnectionRecord>)
    .filter((property) => values[property] !== undefined)
    .map((property) => [COLUMN_OF[property], encodeValue(property, values[property], codec)]);
}

function encodeValue(property: keyof ConnectionRecord, value: unknown, codec: RowCodec): unknown {
  if (value === null) return null;
  // JSON as text for both drivers: pg would otherwise send a JS array as a Postgres array literal. Field
  // definitions keep one key order, so the same value is always the same text (SQLite compares text).
  if (property === 'customFields') return JSON.stringify(parseFieldDefinitions(value));
  if (JSON_PROPERTIES.has(property)) return JSON.stringify(value);
  if (DATE_PROPERTIES.has(property)) return codec.encodeDate(value as Date);
  return value;
}

export function fromRow(row: Row, codec: RowCodec): ConnectionRecord {
  const text = (column: Column): string => String(row[column]);
  const nullableText = (column: Column): string | null => (row[column] === null ? null : String(row[column]));
  return {
    tenantId: text('tenant_id'),
    instanceUrl: text('instance_url'),
    apiVersion: text('api_version'),
    consumerKeyHint: text('consumer_key_hint'),
    sealedCredentials: text('sealed_credentials'),
    credentialsId: text('credentials_id'),
    orgId: nullableText('org_id'),
    contactFields: parseStringList(row.contact_fields, 'contact_fields'),
    customFields: parseFieldDefinitions(row.custom_fields),
    unavailableFields: parseStringList(row.unavailable_fields, 'unavailable_fields'),
    status: parseConnectionStatus(row.status),
    lastError: nullableText('last_error'),
    connectedAt: codec.decodeDate(row.connected_at),
    lastValidatedAt: row.last_validated_at === null ? null : codec.decodeDate(row.last_validated_at),
    updatedAt: codec.decodeDate(row.updated_at),
  };
}

/** A patch plus the `updatedAt` bump every change gets. */
export function patchWithTimestamp(patch: ConnectionPatch): Partial<ConnectionRecord> {
  return { ...patch, updatedAt: new Date() };
}
