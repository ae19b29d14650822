/** The emulator's public types: its options, the org's apps, contacts and fields, faults, holds, floods, counters and the request log. */
export interface EmulatorApp {
  consumerKey: string;
  consumerSecret: string;
  /** false → token endpoint answers 400 invalid_grant "no client credentials user enabled" */
  runAsUserEnabled?: boolean;
  /** true → 400 invalid_client_id "client identifier invalid" (app still propagating) */
  propagating?: boolean;
}

export interface EmulatorContact {
  Id: string;
  Email: string | null;
  FirstName?: string | null;
  LastName?: string | null;
  Title?: string | null;
  Phone?: string | null;
  MobilePhone?: string | null;
  Department?: string | null;
  AccountId?: string | null;
  AccountName?: string | null;
  /** The owning User: `OwnerId` is a Contact field, `Owner.Name` / `Owner.Email` read OwnerName / OwnerEmail. */
  OwnerId?: string | null;
  OwnerName?: string | null;
  OwnerEmail?: string | null;
  /** ISO, e.g. 2024-05-01T10:00:00.000+0000 */
  LastModifiedDate?: string;
  [field: string]: unknown;
}

/** Field types a declared Contact field can have (describe's `type`). */
export type EmulatorFieldType =
  | 'string'
  | 'picklist'
  | 'multipicklist'
  | 'boolean'
  | 'double'
  | 'currency'
  | 'percent'
  | 'int'
  | 'date'
  | 'datetime'
  | 'textarea'
  | 'url'
  | 'email'
  | 'phone'
  | 'reference'
  | 'address'
  | 'location'
  | 'base64';

/**
 * A Contact field the org declares, with its describe type. Its values are read from the stored contacts under
 * its API name (key matched case-insensitively) and rendered as Salesforce does for the type.
 */
export interface EmulatorFieldDefinition {
  name: string;
  type: EmulatorFieldType;
  /** default: the name without `__c`, underscores as spaces */
  label?: string;
  /** default: the name ends with `__c` */
  custom?: boolean;
  /** A picklist's values, in order (describe's `picklistValues`; the first is the default). */
  picklistValues?: string[];
}

export interface EmulatorOptions {
  apps?: EmulatorApp[];
  contacts?: EmulatorContact[];
  /** Contact fields with declared types and labels (see defineFields). */
  fields?: EmulatorFieldDefinition[];
  /** false → the run-as user cannot see Contact: describe answers 404 NOT_FOUND, a query INVALID_TYPE. Default true. */
  contactReadable?: boolean;
  /** default ['58.0','59.0','60.0','61.0','62.0'] */
  versions?: string[];
  /** answered 410 */
  retiredVersions?: string[];
  /** records per query page, default 2000 */
  pageSize?: number;
  /** default 16384: request-line target + headers over it → 414 (URI) / 431 (headers) */
  maxUriBytes?: number;
  orgId?: string;
  userId?: string;
  apiUsageMax?: number;
  /** Contact fields hidden by field-level security: left out of describe, INVALID_FIELD in a query. */
  hiddenFields?: string[];
  /** Inactivity timeout of issued tokens, default 2 h (the run-as user's session timeout). */
  sessionTimeoutMs?: number;
  /** true → behave like login.salesforce.com, which refuses the Client Credentials flow. */
  loginHost?: boolean;
  /** Port to listen on, on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
}

export type FaultKind = 'token' | 'query' | 'versions' | 'revoke' | 'describe';

/**
 * A hostile or broken org (or whatever sits between us and it) flooding query answers; see setQueryFlood.
 * - `endless_pages`: every query and queryMore answers a full page of `recordsPerPage` copies of the first
 *   matching contact (distinct ids), each padded to about `recordBytes` (its Title), always with a nextRecordsUrl —
 *   until `maxPages` pages have been served (a safety valve for the test process: then the page says done).
 * - `endless_body`: every query answers 200 and a body that never ends (records written for as long as the client
 *   reads, up to `maxBytes`).
 */
export type QueryFlood =
  | { kind: 'endless_pages'; recordsPerPage: number; recordBytes: number; maxPages: number }
  | { kind: 'endless_body'; maxBytes: number };

export interface QueryFloodCounters {
  /** Flood pages served (endless_pages). */
  pages: number;
  /** Body bytes handed to sockets (both kinds). */
  bytesWritten: number;
}

export interface EmulatorFault {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  destroySocket?: boolean;
}

/**
 * The next request of a kind, answered as usual but only once the test says so (see holdNext): for tests that
 * must act while a call is on the wire (a token on its way back, a query still running).
 */
export interface EmulatorHold {
  /** Resolves when the held request has arrived (its answer is decided, not sent). */
  arrived: Promise<void>;
  /** Sends the answer. */
  release(): void;
}

export interface EmulatorCounters {
  token: number;
  tokenFailures: number;
  versions: number;
  query: number;
  queryMore: number;
  /** GET …/sobjects/<object>/describe, whatever the answer */
  describe: number;
  revoke: number;
  introspect: number;
  other: number;
}

export interface EmulatorRequestLog {
  method: string;
  path: string;
  /** 0 when the socket was destroyed by a fault. */
  status: number;
  soql?: string;
}
