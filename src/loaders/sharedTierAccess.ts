/**
 * How lookups use the shared tier (the store's answers, see connections/storedContacts.ts): every call bounded in
 * time and never failing. The store away or slow costs Salesforce calls, never answers: a read answers nothing, a
 * claim grants everything (the refresh is made here rather than not at all), a write or a deletion is dropped; each
 * failure is reported to `onError`.
 */
import type { StoredAnswer } from '../connections/storedContacts';
import type { Contact } from '../salesforce/contacts';
import { withTimeout } from '../timeout';

/** The shared tier as lookups see it, for their own kind of scope. */
export interface SharedTier<Scope> {
  read(scope: Scope, emails: readonly string[], since: Date): Promise<Map<string, StoredAnswer>>;
  write(scope: Scope, answers: ReadonlyMap<string, StoredAnswer>): Promise<unknown>;
  /** Of `emails`, those this process may refresh now (see StoredContacts.claimRefresh). */
  claimRefresh(scope: Scope, emails: readonly string[], staleBefore: Date): Promise<string[]>;
  /** Forget every answer kept under the scope. */
  forget(scope: Scope): Promise<unknown>;
}

export type SharedTierOperation = 'read' | 'write' | 'claim' | 'forget';

/**
 * How long a batch waits for the shared tier before asking Salesforce without it (its answer, if it comes, is
 * dropped); a claim waits as long.
 */
const SHARED_TIER_TIMEOUT_MS = 500;

/**
 * Answers per write statement. Each statement is begun in a turn of the event loop of its own: encoding contacts,
 * and SQLite's synchronous write, then never hold the process for more than a few milliseconds at a time.
 */
const SHARED_TIER_WRITE_ROWS = 200;

export class SharedTierAccess<Scope> {
  constructor(
    private readonly tier: SharedTier<Scope>,
    private readonly onError: (operation: SharedTierOperation, error: unknown) => void = () => undefined,
  ) {}

  /** What the tier keeps for `emails` read at or after `since`; nothing when it fails or is slow. */
  read(scope: Scope, emails: readonly string[], since: Date): Promise<Map<string, StoredAnswer>> {
    return withTimeout(() => this.tier.read(scope, emails, since), SHARED_TIER_TIMEOUT_MS).catch((error: unknown) => {
      this.onError('read', error);
      return new Map<string, StoredAnswer>();
    });
  }

  /** The emails this process refreshes; all of them when the tier cannot be asked. */
  claim(scope: Scope, emails: readonly string[], staleBefore: Date): Promise<string[]> {
    return withTimeout(() => this.tier.claimRefresh(scope, emails, staleBefore), SHARED_TIER_TIMEOUT_MS).catch((error: unknown) => {
      this.onError('claim', error);
      return [...emails];
    });
  }

  /**
   * What Salesforce answered for `emails` (none found: "no contact"), in statements of SHARED_TIER_WRITE_ROWS; not
   * awaited, and begun only after the answers already handed out have gone on their way (encoding a page of
   * contacts, and SQLite's synchronous write, would otherwise hold them).
   */
  keep(scope: Scope, emails: readonly string[], found: ReadonlyMap<string, Contact[]>, fetchedAt: Date): void {
    const writeFrom = (start: number): void => {
      if (start >= emails.length) return;
      const answers = new Map(emails.slice(start, start + SHARED_TIER_WRITE_ROWS).map((email) => [email, { contacts: found.get(email) ?? [], fetchedAt }]));
      this.tier.write(scope, answers).catch((error: unknown) => this.onError('write', error));
      setImmediate(() => writeFrom(start + SHARED_TIER_WRITE_ROWS));
    };
    setImmediate(() => writeFrom(0));
  }

  /** Every answer under the scope goes; not awaited. */
  forget(scope: Scope): void {
    this.tier.forget(scope).catch((error: unknown) => this.onError('forget', error));
  }
}
