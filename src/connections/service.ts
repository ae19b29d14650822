/**
 * The tenant's Salesforce connection: connecting (validate, prove against Salesforce, then save), re-testing,
 * choosing synced fields, disconnecting, and handing the lookup path a client for the tenant's org. The only
 * place that opens a sealed secret.
 */
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger';
import { type ApiBudget, BUDGET_EXHAUSTED_CODE } from '../salesforce/apiBudget';
import type { ApiUsage, ApiUsageReading, ApiUsageTracker } from '../salesforce/apiUsage';
import type { ApiVersionCache } from '../salesforce/apiVersions';
import { type CircuitBreakers, isCircuitRefusal } from '../salesforce/circuitBreaker';
import { SalesforceClient } from '../salesforce/client';
import type { Contact } from '../salesforce/contacts';
import { type ContactDescribe, type DescribeCache, isContactNotReadable } from '../salesforce/describe';
import { connectionChangedError, isConnectionChanged, SalesforceError } from '../salesforce/errors';
import type { RequestOptions, SalesforceHttp } from '../salesforce/http';
import { type InstanceUrlPolicy, parseInstanceUrl } from '../salesforce/instanceUrl';
import { type ClientCredentials, requestToken, revokeToken, type SalesforceToken, TokenRequestError } from '../salesforce/oauth';
import type { RequestSlots } from '../salesforce/requestSlots';
import type { LookupLimits } from '../salesforce/lookupLimits';
import { isTenantThrottled, type TenantRateLimiter } from '../salesforce/tenantRateLimiter';
import type { TokenManager } from '../salesforce/tokens';
import { consumerKeyHint, validateConnectInput } from './connectInput';
import { credentialsAad, CredentialsUnreadableError } from './credentials';
import { type ContactFieldOption, contactFieldOptions } from './contactFieldOptions';
import { fieldNameProblems, resolveFieldNames, unavailableFieldsMessage } from './contactFieldsInput';
import { lookupContacts } from './contactLookup';
import { type ProveResult, proveConnection } from './proveConnection';
import { type ConnectionProblem, type ConnectRequest, generalProblem } from './problems';
import { tokenProblem, transportProblem } from './salesforceProblems';
import type { SecretBox } from './secretBox';
import { type ConnectionDirectory, type CurrentConnection, scopeOf } from './connectionDirectory';
import { StoreUnavailableError } from './storeErrors';
import { type ConnectionPatch, type ConnectionRecord, connectionScope, type ConnectionStore, type ConnectionView, toConnectionView } from './types';

export interface ConnectionServiceDeps {
  store: ConnectionStore;
  secretBox: SecretBox;
  http: SalesforceHttp;
  apiVersions: ApiVersionCache;
  tokens: TokenManager;
  describes: DescribeCache;
  apiUsage: ApiUsageTracker;
  budget: ApiBudget;
  breakers: CircuitBreakers;
  /** Each tenant's bound on Salesforce requests in flight. */
  requestSlots: RequestSlots;
  /** Each tenant's bound on the rate of Salesforce calls (lookups and describes). */
  rateLimiter?: TenantRateLimiter;
  /** What one contact lookup may read (default DEFAULT_LOOKUP_LIMITS). */
  lookupLimits?: LookupLimits;
  urlPolicy: InstanceUrlPolicy;
  logger: Logger;
  /** A whole lookup's budget of time; retries never wait past it. */
  lookupDeadlineMs: number;
  /** Each tenant's current connection; told of every write here, and by PostgreSQL of every write elsewhere. */
  directory: ConnectionDirectory;
}

/** What a change to the connection comes to: the connection as it now is, and why the change was refused. */
export interface ConnectionOutcome {
  connection: ConnectionView | null;
  problems: ConnectionProblem[];
}

export type ContactFieldOptionsResult = { ok: true; options: ContactFieldOption[] } | { ok: false; problem: ConnectionProblem };

/** The tenant's org, ready for lookups. */
export interface TenantOrg {
  client: SalesforceClient;
  record: ConnectionRecord;
}


const NOT_CONNECTED = generalProblem('NOT_CONNECTED', 'This tenant has no Salesforce connection. Connect one with connectSalesforce first.');

export class ConnectionService {
  /** Tenants (and why) whose unreadable credentials were already logged at error level by this process. */
  private readonly unreadableLogged = new LRUCache<string, true>({ max: 10_000 });

  constructor(private readonly deps: ConnectionServiceDeps) {}

  async get(tenantId: string): Promise<ConnectionView | null> {
    const record = await this.deps.store.get(tenantId);
    return record === null ? null : toConnectionView(record);
  }

  /**
   * Check the input, then prove it against Salesforce (token, API version, Contact readable); only then save,
   * replacing any existing connection in one write. A failure at any step saves nothing and leaves an existing
   * connection as it was. Fields chosen earlier are kept, re-checked against the new org's describe.
   */
  async connect(tenantId: string, rawInput: ConnectRequest): Promise<ConnectionOutcome> {
    const validated = validateConnectInput(rawInput, this.deps.urlPolicy);
    if (!validated.ok) return { connection: null, problems: validated.problems };
    const { consumerKey, consumerSecret, instanceUrl, apiVersion } = validated.input;

    const { result, usage } = await this.prove({ tenantId, instanceUrl, apiVersion, credentials: { consumerKey, consumerSecret } });
    if (!result.ok) {
      this.deps.logger.info({ tenantId, code: result.problem.code }, 'connectSalesforce refused');
      return { connection: null, problems: [result.problem] };
    }
    const { token, describe, readableStandardFields } = result.proven;

    const previous = await this.deps.store.get(tenantId);
    const customFields = previous?.customFields ?? [];
    const unavailableFields = describe === null ? [] : customFields.filter((f) => !describe.fields.has(f.name.toLowerCase())).map((f) => f.name);
    const now = new Date();
    const record: ConnectionRecord = {
      tenantId,
      instanceUrl,
      apiVersion,
      consumerKeyHint: consumerKeyHint(consumerKey),
      sealedCredentials: this.sealCredentials(tenantId, instanceUrl, { consumerKey, consumerSecret }),
      credentialsId: randomUUID(),
      orgId: token.orgId,
      contactFields: readableStandardFields,
      customFields,
      unavailableFields,
      status: 'CONNECTED',
      lastError: unavailableFieldsMessage(unavailableFields),
      connectedAt: now,
      lastValidatedAt: now,
      updatedAt: now,
    };
    await this.deps.store.upsert(record);
    const previousToken = this.deps.tokens.put(tenantId, record.credentialsId, token);
    // The proof's usage counts for the connection it proved, now that it is the tenant's (a refused proof's org
    // must not pause the one in place).
    this.recordApiUsage(tenantId, record.credentialsId, usage);
    await this.changed(tenantId);
    if (previousToken !== undefined) await this.revokeQuietly(tenantId, previousToken);
    this.deps.logger.info({ tenantId, instanceUrl, apiVersion, orgId: token.orgId }, 'Salesforce connected');
    return { connection: toConnectionView(record), problems: [] };
  }

  /** Re-prove the stored credentials without changing them, and record the outcome on the connection. */
  async test(tenantId: string): Promise<ConnectionOutcome> {
    const record = await this.deps.store.get(tenantId);
    if (record === null) return { connection: null, problems: [NOT_CONNECTED] };
    let credentials: ClientCredentials;
    try {
      credentials = this.openCredentials(record);
    } catch (error) {
      return this.recordTestFailure(record, transportProblem(error));
    }
    const { result, usage } = await this.prove({ tenantId, instanceUrl: record.instanceUrl, apiVersion: record.apiVersion, credentials });
    if (!result.ok) return this.recordTestFailure(record, result.problem);

    const { token, readableStandardFields } = result.proven;
    // A reconnect may have replaced these credentials while they were proven: then the new token is revoked.
    const replaced = this.deps.tokens.offer(tenantId, record.credentialsId, token);
    if (replaced !== undefined) await this.revokeQuietly(tenantId, replaced);
    this.recordApiUsage(tenantId, record.credentialsId, usage);
    const updated = await this.update(record, {
      status: 'CONNECTED',
      lastError: unavailableFieldsMessage(record.unavailableFields),
      lastValidatedAt: new Date(),
      orgId: token.orgId ?? record.orgId,
      contactFields: readableStandardFields,
    });
    return { connection: toConnectionView(updated), problems: [] };
  }

  /**
   * Replace the tenant's extra synced fields. Names are checked on their own first (no call for a name that
   * could never be a field), then against a fresh describe. All or nothing.
   */
  async setContactFields(tenantId: string, names: readonly string[]): Promise<ConnectionOutcome> {
    const org = await this.orgFor(tenantId);
    if (org === null) return { connection: null, problems: [NOT_CONNECTED] };
    const nameProblems = fieldNameProblems(names);
    if (nameProblems.length > 0) return { connection: null, problems: nameProblems };

    const described = await this.freshDescribe(org);
    if (!described.ok) return { connection: null, problems: [described.problem] };
    const { definitions, problems } = resolveFieldNames(names, described.describe);
    if (problems.length > 0) return { connection: null, problems };

    const updated = await this.update(org.record, { customFields: definitions, unavailableFields: [], status: 'CONNECTED', lastError: null });
    this.deps.logger.info({ tenantId, fields: definitions.map((f) => f.name) }, 'Salesforce contact fields set');
    return { connection: toConnectionView(updated), problems: [] };
  }

  /**
   * The Contact fields the Run-As user can read now (a fresh describe), each with whether it can be synced and
   * whether it is. Not connected, or Salesforce failing, is a problem with a message that says what to do.
   */
  async contactFieldOptions(tenantId: string): Promise<ContactFieldOptionsResult> {
    const org = await this.orgFor(tenantId);
    if (org === null) return { ok: false, problem: NOT_CONNECTED };
    const described = await this.freshDescribe(org);
    if (!described.ok) return { ok: false, problem: described.problem };
    return { ok: true, options: contactFieldOptions(described.describe, org.record.customFields) };
  }

  /** Delete the connection, then revoke its cached token at Salesforce (best effort) and forget it. */
  async disconnect(tenantId: string): Promise<boolean> {
    const existed = await this.deps.store.delete(tenantId);
    await this.changed(tenantId);
    const token = this.deps.tokens.drop(tenantId);
    this.deps.apiUsage.forget(tenantId);
    if (token !== undefined) await this.revokeQuietly(tenantId, token);
    if (existed) this.deps.logger.info({ tenantId }, 'Salesforce disconnected');
    return existed;
  }

  /** A client for the tenant's org as stored now, or null when the tenant has not connected one. */
  async orgFor(tenantId: string): Promise<TenantOrg | null> {
    const record = await this.deps.store.get(tenantId);
    return record === null ? null : this.orgOf(record);
  }

  /**
   * Contacts for normalised emails under one connection, as the directory handed it to a request. Nothing is
   * sent once the connection is no longer the tenant's (disconnected, reconnected or changed, on any replica),
   * and an answer that arrives after such a change is refused rather than served: CONNECTION_CHANGED.
   *
   * The answer names the connection it was made under: our own lookup may have moved the connection on (fields
   * found gone, left out of the query), and an answer made without a field belongs to that connection, not to the
   * one asked for (which comes back when the admin chooses the same fields again).
   */
  async lookup(connection: CurrentConnection, emails: readonly string[]): Promise<{ contacts: Map<string, Contact[]>; madeUnder: CurrentConnection }> {
    const { tenantId } = connection.record;
    if (!(await this.deps.directory.isCurrent(tenantId, connection.scope))) throw connectionChangedError();
    const { contacts, record } = await this.findContacts(this.orgOf(connection.record), emails);
    const madeUnder = record === connection.record ? connection : { record, scope: scopeOf(record) };
    // Served only if the connection it was made under is still the tenant's (an admin choosing the original fields
    // again while this lookup left one out makes it stale as well).
    const now = await this.deps.directory.get(tenantId);
    if (now === null || now.scope !== madeUnder.scope) throw connectionChangedError();
    return { contacts, madeUnder };
  }

  /**
   * Contacts for normalised emails, with the tenant's fields. Records the outcome on the connection: a failure
   * as status ERROR with lastError, a success clears it (keeping a note of fields that had to be dropped).
   * Refused without a call while the org's API usage is over the budget.
   */
  async findContacts(org: TenantOrg, emails: readonly string[]): Promise<{ contacts: Map<string, Contact[]>; record: ConnectionRecord }> {
    try {
      this.deps.budget.check(org.record.tenantId, org.record.credentialsId);
      const deadline = Date.now() + this.deps.lookupDeadlineMs;
      const found = await lookupContacts(org.client, org.record, emails, deadline, {
        describes: this.deps.describes,
        markUnavailable: (current, fields) => this.markFieldsUnavailable(current, fields),
      });
      await this.recordLookupSuccess(found.record);
      return found;
    } catch (error) {
      this.logLookupFailure(org.record.tenantId, emails.length, error);
      await this.recordLookupFailure(org.record, error);
      throw error;
    }
  }

  /**
   * The directory found the tenant's connection changed (here or on another replica): the circuit and, for other
   * credentials, the API usage start afresh.
   */
  connectionChanged(tenantId: string, previous: CurrentConnection | null, next: CurrentConnection | null): void {
    this.deps.breakers.reset(tenantId);
    if (previous?.record.credentialsId !== next?.record.credentialsId) this.deps.apiUsage.forget(tenantId);
  }

  /**
   * The directory pushed the tenant out to make room: what this process keeps per connection for it goes too, so
   * its next read starts from nothing (a change made meanwhile, which this replica no longer hears of, leaves
   * nothing behind). Its token stays: the next read retires it if the credentials changed.
   */
  connectionEvicted(tenantId: string): void {
    this.deps.breakers.reset(tenantId);
    this.deps.apiUsage.forget(tenantId);
  }

  /**
   * The directory read the tenant's connection: tokens and the circuit follow its credentials. A token of other
   * (retired) credentials is dropped and revoked, and no new one is fetched for them.
   */
  connectionLoaded(tenantId: string, connection: CurrentConnection | null): void {
    this.deps.breakers.follow(tenantId, connection?.record.credentialsId ?? null);
    const retired = this.deps.tokens.retire(tenantId, connection?.record.credentialsId ?? null);
    if (retired !== undefined) void this.revokeQuietly(tenantId, retired);
  }

  private orgOf(record: ConnectionRecord): TenantOrg {
    const { tenantId } = record;
    const client = new SalesforceClient(
      { tenantId, credentialsId: record.credentialsId, instanceUrl: record.instanceUrl, apiVersion: record.apiVersion },
      {
        http: this.deps.http,
        tokens: this.deps.tokens.sourceFor(tenantId, record.credentialsId, (options) => this.fetchToken(record, options)),
        onApiUsage: (usage) => this.recordApiUsage(tenantId, record.credentialsId, usage),
        guard: () => this.deps.breakers.guardFor(tenantId, record.credentialsId),
        slots: this.deps.requestSlots,
        rateLimiter: this.deps.rateLimiter,
        lookupLimits: this.deps.lookupLimits,
      },
    );
    return { client, record };
  }

  /** The latest API usage seen for the tenant's current connection (none after a reconnect, until a call). */
  async apiUsage(tenantId: string): Promise<ApiUsageReading | null> {
    const current = await this.deps.directory.get(tenantId);
    return current === null ? null : this.deps.apiUsage.get(tenantId, current.record.credentialsId);
  }

  /**
   * Usage is recorded when an answer arrives, which may be after the tenant moved to other credentials (on any
   * replica): a late answer of the old org must neither pause the new one nor show on its connection.
   */
  private recordApiUsage(tenantId: string, credentialsId: string, usage: ApiUsage | undefined): void {
    if (usage === undefined || !this.deps.tokens.isCurrent(tenantId, credentialsId)) return;
    this.deps.apiUsage.record(tenantId, credentialsId, usage);
  }

  /**
   * Only on the connection the failing query was made under: fields an admin chose again meanwhile (on any replica)
   * must not be marked gone on the strength of an older connection's query. Otherwise the lookup is refused as
   * made under a connection that changed (and asked again under the current one).
   */
  private async markFieldsUnavailable(record: ConnectionRecord, fields: string[]): Promise<ConnectionRecord> {
    const unavailableFields = [...new Set([...record.unavailableFields, ...fields])];
    const patch: ConnectionPatch = { unavailableFields, status: 'ERROR', lastError: unavailableFieldsMessage(unavailableFields) };
    if (!(await this.updateIfCurrent(record, patch))) throw connectionChangedError();
    this.deps.logger.warn({ tenantId: record.tenantId, fields }, 'Contact fields became unreadable; leaving them out of lookups');
    return { ...record, ...patch, updatedAt: new Date() };
  }

  private logLookupFailure(tenantId: string, emails: number, error: unknown): void {
    if (isConnectionChanged(error)) {
      this.deps.logger.info({ tenantId, emails }, 'Contact lookup dropped: the connection changed while it ran');
      return;
    }
    if (error instanceof StoreUnavailableError) {
      this.deps.logger.warn({ tenantId, emails }, 'Contact lookup failed: the connection store could not be reached');
      return;
    }
    if (error instanceof CredentialsUnreadableError) {
      // Every lookup of the tenant fails the same way until an operator acts: say it loudly, once per seal.
      const seen = `${tenantId}\u0000${error.reason}`;
      if (this.unreadableLogged.has(seen)) return;
      this.unreadableLogged.set(seen, true);
      this.deps.logger.error({ tenantId, reason: error.reason }, 'Stored Salesforce credentials cannot be decrypted with ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS');
      return;
    }
    const details =
      error instanceof SalesforceError
        ? { kind: error.kind, status: error.status, salesforceErrorCode: error.errorCode, reason: error.message }
        : { err: error };
    this.deps.logger.warn({ tenantId, emails, ...details }, 'Salesforce contact lookup failed');
  }

  /**
   * A fast refusal by the circuit breaker keeps the error that opened it; an unchanged error is not rewritten. The
   * tenant's own rate limit is not the connection's failure, nor is a lookup dropped because the connection
   * changed: nothing is recorded.
   */
  private async recordLookupFailure(record: ConnectionRecord, error: unknown): Promise<void> {
    if (isCircuitRefusal(error) || isTenantThrottled(error) || isConnectionChanged(error) || error instanceof StoreUnavailableError) return;
    const lastError = lookupFailureMessage(error);
    if (record.status === 'ERROR' && record.lastError === lastError) return;
    await this.recordOutcome(record, { status: 'ERROR', lastError });
  }

  /** Writes only when something changes, so a healthy connection costs no write per lookup. */
  private async recordLookupSuccess(record: ConnectionRecord): Promise<void> {
    const lastError = unavailableFieldsMessage(record.unavailableFields);
    if (record.status === 'CONNECTED' && record.lastError === lastError) return;
    await this.recordOutcome(record, { status: 'CONNECTED', lastError });
  }

  /**
   * A lookup's outcome on the connection. The lookup's answer does not depend on it: when the store is away, the
   * outcome is not recorded (and the store's failure is not the lookup's).
   */
  private async recordOutcome(record: ConnectionRecord, patch: ConnectionPatch): Promise<void> {
    await this.updateIfCurrent(record, patch).catch((error: unknown) => {
      if (!(error instanceof StoreUnavailableError)) throw error;
      this.deps.logger.debug({ tenantId: record.tenantId }, 'Could not record a lookup outcome: the connection store is away');
    });
  }

  /**
   * A lookup's outcome is written when it ends, which may be after an admin changed the connection (fields, on
   * any replica): an outcome of the connection as it was must not land on the connection as it is now. One
   * compare-and-set on the whole scope, so nothing can slip between a check and the write. True when written.
   */
  private async updateIfCurrent(record: ConnectionRecord, patch: ConnectionPatch): Promise<boolean> {
    const written = await this.deps.store.update(record.tenantId, patch, connectionScope(record));
    if (written) await this.rereadConnection(record.tenantId);
    return written;
  }

  private async recordTestFailure(record: ConnectionRecord, problem: ConnectionProblem): Promise<ConnectionOutcome> {
    const updated = await this.update(record, { status: 'ERROR', lastError: problem.message });
    return { connection: toConnectionView(updated), problems: [problem] };
  }

  /** The org's Contact describe asked again (an admin is looking at it), or what to tell the admin instead. */
  private async freshDescribe(org: TenantOrg): Promise<{ ok: true; describe: ContactDescribe } | { ok: false; problem: ConnectionProblem }> {
    try {
      this.deps.describes.invalidate(org.client);
      return { ok: true, describe: await this.deps.describes.get(org.client) };
    } catch (error) {
      const problem = isContactNotReadable(error)
        ? generalProblem('CONTACT_NOT_READABLE', 'The Run-As user can no longer read Contact records.')
        : transportProblem(error);
      return { ok: false, problem };
    }
  }

  /** After a write here: this replica sees it at once (others hear of it from PostgreSQL). */
  private async changed(tenantId: string): Promise<void> {
    this.deps.breakers.reset(tenantId);
    await this.rereadConnection(tenantId);
  }

  /**
   * After a write: read the row back into the directory. The write has happened either way; if the read fails,
   * the entry stays marked stale and the next request reads it again.
   */
  private async rereadConnection(tenantId: string): Promise<void> {
    await this.deps.directory.refresh(tenantId).catch((error: unknown) => {
      this.deps.logger.warn({ tenantId, err: (error as Error).message }, 'Could not re-read the connection after writing it; the next request will');
    });
  }

  /** Update the connection this record was read from; a no-op once it has been replaced by a reconnect. */
  private async update(record: ConnectionRecord, patch: ConnectionPatch): Promise<ConnectionRecord> {
    await this.deps.store.update(record.tenantId, patch, { credentialsId: record.credentialsId });
    await this.rereadConnection(record.tenantId);
    return { ...record, ...patch, updatedAt: new Date() };
  }

  /**
   * Prove credentials; a token obtained for a proof that then fails is revoked rather than left live. The org's
   * API usage seen on the way is handed back only when the proof holds, for the caller to record under the
   * connection it proved (a wrong org's usage must not pause the right one's lookups).
   */
  private async prove(input: Parameters<typeof proveConnection>[0]): Promise<{ result: ProveResult; usage: ApiUsage | undefined }> {
    let usage: ApiUsage | undefined;
    const result = await proveConnection(input, {
      http: this.deps.http,
      apiVersions: this.deps.apiVersions,
      urlPolicy: this.deps.urlPolicy,
      onApiUsage: (seen) => {
        usage = seen;
      },
    });
    if (!result.ok && result.token !== undefined) await this.revokeQuietly(input.tenantId, result.token);
    return { result, usage: result.ok ? usage : undefined };
  }

  private async fetchToken(record: ConnectionRecord, options: RequestOptions): Promise<SalesforceToken> {
    return requestToken(this.deps.http, record.instanceUrl, this.openCredentials(record), this.deps.urlPolicy, options);
  }

  private sealCredentials(tenantId: string, instanceUrl: string, credentials: ClientCredentials): string {
    const { consumerKey, consumerSecret } = credentials;
    return this.deps.secretBox.seal(JSON.stringify({ consumerKey, consumerSecret }), credentialsAad(tenantId, instanceUrl));
  }

  /**
   * The stored credentials, only for a stored instance URL that still passes the allow-list: the secret is bound
   * to the tenant and the URL (AAD), so a row whose URL was changed behind our back does not even decrypt.
   */
  private openCredentials(record: ConnectionRecord): ClientCredentials {
    const allowed = parseInstanceUrl(record.instanceUrl, this.deps.urlPolicy);
    if (!allowed.ok) {
      throw new SalesforceError('auth', `The stored instance URL is not an allowed Salesforce My Domain; reconnect Salesforce. (${allowed.message})`);
    }
    let opened: string;
    try {
      opened = this.deps.secretBox.open(record.sealedCredentials, credentialsAad(record.tenantId, record.instanceUrl));
    } catch (error) {
      throw new CredentialsUnreadableError(record.tenantId, (error as Error).message);
    }
    try {
      const parsed = JSON.parse(opened) as ClientCredentials;
      return { consumerKey: parsed.consumerKey, consumerSecret: parsed.consumerSecret };
    } catch {
      // JSON.parse's message would quote the plaintext: say only what is wrong.
      throw new CredentialsUnreadableError(record.tenantId, 'the opened secret is not the expected JSON');
    }
  }

  private async revokeQuietly(tenantId: string, token: SalesforceToken): Promise<void> {
    try {
      await revokeToken(this.deps.http, token);
    } catch (error) {
      this.deps.logger.warn({ tenantId, err: (error as Error).message }, 'Could not revoke the Salesforce token; it will expire on its own');
    }
  }
}

/**
 * What `lastError` says after a failed lookup. A refusal gets the advice connect gives: a refused token (an app
 * edited since connecting answers invalid_client_id for a few minutes; a Run-As user may have been deactivated),
 * a token not valid for the REST API, the daily quota. An outage keeps its own message: connect's advice for it
 * (check the My Domain URL) does not fit a connection that worked.
 */
function lookupFailureMessage(error: unknown): string {
  if (error instanceof TokenRequestError) return tokenProblem(error).message;
  // Our own budget guard says what it did in its own words.
  if (error instanceof SalesforceError && error.errorCode === BUDGET_EXHAUSTED_CODE) return error.message;
  if (error instanceof SalesforceError && (error.kind === 'auth' || error.kind === 'rate_limited')) return transportProblem(error).message;
  if (error instanceof SalesforceError || error instanceof CredentialsUnreadableError) return error.message;
  return 'Unexpected error while reading Salesforce';
}
