import type { ContactFieldDefinition } from '../salesforce/contacts';
import type { StoredContacts } from './storedContacts';

export type { ContactFieldDefinition };

export type ConnectionStatus = 'CONNECTED' | 'ERROR';

export interface ConnectionRecord {
  tenantId: string;
  instanceUrl: string;
  apiVersion: string;
  /** e.g. '••••3xYz', computed by caller */
  consumerKeyHint: string;
  /** SecretBox output of JSON {consumerKey, consumerSecret} */
  sealedCredentials: string;
  /** random id, new on every upsert (lets token caches notice a reconnect) */
  credentialsId: string;
  /** The Salesforce org id (00D…) from the token's id URL. */
  orgId: string | null;
  /** Standard Contact fields selected (those the Run-As user could read when last validated). */
  contactFields: string[];
  /** Extra fields the admin chose, in order. */
  customFields: ContactFieldDefinition[];
  /** Fields a lookup found gone (INVALID_FIELD): left out of queries until the admin sets the list again. */
  unavailableFields: string[];
  status: ConnectionStatus;
  lastError: string | null;
  connectedAt: Date;
  lastValidatedAt: Date | null;
  updatedAt: Date;
}

/** A tenant's sealed credentials and what they are bound to (see credentialsAad). */
export type SealedCredentialsRow = Pick<ConnectionRecord, 'tenantId' | 'instanceUrl' | 'sealedCredentials'>;

/** Rows sealed under one key: how many, and one of them to try opening. */
export interface SealedKeySample extends SealedCredentialsRow {
  keyId: string;
  rows: number;
}

/** What a lookup's answer depends on: the credentials, the org's address and API version, the fields read. */
export type ConnectionScope = Pick<ConnectionRecord, 'credentialsId' | 'instanceUrl' | 'apiVersion' | 'contactFields' | 'customFields' | 'unavailableFields'>;

export function connectionScope(record: ConnectionRecord): ConnectionScope {
  const { credentialsId, instanceUrl, apiVersion, contactFields, customFields, unavailableFields } = record;
  return { credentialsId, instanceUrl, apiVersion, contactFields, customFields, unavailableFields };
}

/** The parts of a connection that change without reconnecting. `updatedAt` is bumped by the store. */
export type ConnectionPatch = Partial<
  Pick<ConnectionRecord, 'status' | 'lastError' | 'lastValidatedAt' | 'orgId' | 'contactFields' | 'customFields' | 'unavailableFields'>
>;

export interface ConnectionStore {
  /** The shared contact tier, kept beside the connections its answers belong to. */
  readonly contacts: StoredContacts;
  get(tenantId: string): Promise<ConnectionRecord | null>;
  /** atomic replace of the tenant's row */
  upsert(record: ConnectionRecord): Promise<void>;
  /** true if a row existed */
  delete(tenantId: string): Promise<boolean>;
  /**
   * Changes only the given fields, in one compare-and-set: a no-op if the tenant has no row, or if the row no
   * longer holds every value `expected` gives (other credentials after a reconnect; other fields after an admin
   * chose them): an outcome observed on a connection as it was must not land on the connection as it is now.
   * True when the row was changed.
   */
  update(tenantId: string, patch: ConnectionPatch, expected?: Partial<ConnectionScope>): Promise<boolean>;
  /**
   * Key rotation: every tenant's sealed credentials with what they are bound to, ordered by tenant id, the first
   * `limit` after `afterTenantId` (null: from the start). Keyset pagination, so rows written meanwhile are fine.
   */
  listSealed(afterTenantId: string | null, limit: number): Promise<SealedCredentialsRow[]>;
  /**
   * Compare-and-set: replaces the tenant's sealed credentials with `next` only if they are still `expected`.
   * Nothing else changes (not credentialsId, not updatedAt). False when the row changed or is gone meanwhile.
   */
  replaceSealed(tenantId: string, expected: string, next: string): Promise<boolean>;
  /** One row per encryption key id found in sealed credentials (the 2nd dot-separated part), with its row count. */
  sealedKeySamples(): Promise<SealedKeySample[]>;
  /** throws if unreachable */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What GraphQL's SalesforceConnection resolves from: the record without its sealed credentials. */
export type ConnectionView = Omit<ConnectionRecord, 'sealedCredentials' | 'credentialsId'>;

export function toConnectionView(record: ConnectionRecord): ConnectionView {
  const { sealedCredentials, credentialsId, ...view } = record;
  return view;
}

export const CONNECTION_STATUSES: readonly ConnectionStatus[] = ['CONNECTED', 'ERROR'];

/** Guards values read back from a database, which the type system cannot vouch for. */
export function parseConnectionStatus(value: unknown): ConnectionStatus {
  if (value === 'CONNECTED' || value === 'ERROR') return value;
  throw new Error(`stored connection has unknown status ${JSON.stringify(value)}`);
}

export function parseStringList(value: unknown, column: string): string[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(parsed) || !parsed.every((f): f is string => typeof f === 'string')) {
    throw new Error(`stored connection has malformed ${column}`);
  }
  return parsed;
}

export function parseFieldDefinitions(value: unknown): ContactFieldDefinition[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  const isDefinition = (f: unknown): f is ContactFieldDefinition =>
    f !== null && typeof f === 'object' && ['name', 'label', 'type'].every((k) => typeof (f as Record<string, unknown>)[k] === 'string');
  if (!Array.isArray(parsed) || !parsed.every(isDefinition)) throw new Error('stored connection has malformed custom_fields');
  return parsed.map(({ name, label, type }) => ({ name, label, type }));
}
