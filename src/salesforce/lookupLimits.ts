/**
 * How much one contact lookup may read from Salesforce, whatever the org (or anything between us and it) answers.
 * A lookup is one batch of emails; its URI-sized queries and every page of each share one QueryBudget:
 *
 * - records: at most `maxRecords` across all queries and pages, or RECORDS_PER_EMAIL for each email looked up if
 *   that is more (a large page of people must not fail because it is large);
 * - bytes: at most `maxBytes` of JSON across all queries and pages, or BYTES_PER_EMAIL per email if that is more.
 *
 * Past either, no further page is asked for (by any of the lookup's queries) and the lookup fails as unavailable
 * with LOOKUP_TOO_LARGE: a partial answer would look complete to the caller. Separately, each email keeps at most
 * `maxContactsPerEmail` contacts, the most recently modified; the rest are dropped (see findContactsByEmails).
 */
import { SalesforceError } from './errors';

export const LOOKUP_TOO_LARGE_CODE = 'LOOKUP_TOO_LARGE';

/** Records a lookup may read per email looked up, when that is more than `maxRecords`. */
export const RECORDS_PER_EMAIL = 5;
/** JSON bytes a lookup may read per email looked up, when that is more than `maxBytes`. */
export const BYTES_PER_EMAIL = 16 * 1024;

export type LookupLimitReason = 'lookup_records' | 'lookup_bytes' | 'contacts_per_email';

/** What a lookup was cut short by. Counts only: never an email. */
export interface LookupLimitEvent {
  tenantId: string;
  reason: LookupLimitReason;
  /** Records read when the lookup stopped, or contacts dropped for `contacts_per_email`. */
  records: number;
  /** JSON bytes read when the lookup stopped. */
  bytes?: number;
  /** Emails that had contacts dropped (`contacts_per_email`). */
  emails?: number;
}

export interface LookupLimits {
  maxRecords: number;
  maxBytes: number;
  maxContactsPerEmail: number;
  /** Told whenever a limit cuts a lookup (logs, metrics). */
  onLimit?: (event: LookupLimitEvent) => void;
}

/** Defaults no real lookup reaches (see the README's Security section). */
export const DEFAULT_LOOKUP_LIMITS: LookupLimits = {
  maxRecords: 10_000,
  maxBytes: 64 * 1024 * 1024,
  maxContactsPerEmail: 50,
};

/** The records and bytes one lookup's queries may read together. */
export class QueryBudget {
  private records = 0;
  private bytes = 0;
  private exceeded: SalesforceError | null = null;
  private readonly message: string;
  readonly maxRecords: number;
  readonly maxBytes: number;

  /**
   * @param emails how many emails the lookup is for (the bounds grow with it)
   * @param onExceeded told once, when the first bound is passed
   */
  constructor(
    limits: Pick<LookupLimits, 'maxRecords' | 'maxBytes'>,
    emails: number,
    private readonly onExceeded?: (reason: 'lookup_records' | 'lookup_bytes', records: number, bytes: number) => void,
  ) {
    this.maxRecords = Math.max(limits.maxRecords, emails * RECORDS_PER_EMAIL);
    this.maxBytes = Math.max(limits.maxBytes, emails * BYTES_PER_EMAIL);
    // Stable across lookups (it may become the connection's lastError): the configured bounds, not this lookup's.
    this.message =
      `Salesforce answered more than one lookup may read (${limits.maxRecords} records or ${limits.maxBytes} bytes, ` +
      `or ${RECORDS_PER_EMAIL} records and ${BYTES_PER_EMAIL} bytes per email); stopped reading`;
  }

  /** Throws once any query of the lookup has passed a bound, or failed: no further page is asked for. */
  check(): void {
    if (this.exceeded !== null) throw this.exceeded;
  }

  /** One query of the lookup failed: the others stop at their next page (the lookup fails anyway). */
  abandon(error: unknown): void {
    if (this.exceeded !== null) return;
    this.exceeded = error instanceof SalesforceError ? error : new SalesforceError('unavailable', 'Another query of this lookup failed');
  }

  /** Count a page; throws when it takes the lookup past a bound. */
  spend(records: number, bytes: number): void {
    this.check();
    this.records += records;
    this.bytes += bytes;
    const reason = this.records > this.maxRecords ? 'lookup_records' : this.bytes > this.maxBytes ? 'lookup_bytes' : null;
    if (reason === null) return;
    this.exceeded = new SalesforceError('unavailable', this.message, { errorCode: LOOKUP_TOO_LARGE_CODE });
    this.onExceeded?.(reason, this.records, this.bytes);
    throw this.exceeded;
  }
}
