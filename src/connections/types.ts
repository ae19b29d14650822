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
  contactFields: string[];
  status: ConnectionStatus;
  lastError: string | null;
  connectedAt: Date;
  lastValidatedAt: Date | null;
  updatedAt: Date;
}

export interface ConnectionStatusUpdate {
  status: ConnectionStatus;
  lastError: string | null;
  /** left unchanged when omitted */
  lastValidatedAt?: Date;
}

export interface ConnectionStore {
  get(tenantId: string): Promise<ConnectionRecord | null>;
  /** atomic replace of the tenant's row */
  upsert(record: ConnectionRecord): Promise<void>;
  /** true if a row existed */
  delete(tenantId: string): Promise<boolean>;
  /** no-op if no row */
  updateStatus(tenantId: string, update: ConnectionStatusUpdate): Promise<void>;
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

export function parseContactFields(value: unknown): string[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(parsed) || !parsed.every((f): f is string => typeof f === 'string')) {
    throw new Error('stored connection has malformed contact_fields');
  }
  return parsed;
}
