/**
 * The tenant's Salesforce connection: connecting (validate, prove against Salesforce, then save), disconnecting,
 * reading it, and handing the lookup path a client for the tenant's org. The only place that opens a sealed
 * secret.
 */
import { randomUUID } from 'node:crypto';
import type { ConnectSalesforceInput, SalesforceUserError } from '../__generated__/resolvers-types';
import type { Logger } from '../logger';
import { listApiVersions, SalesforceClient } from '../salesforce/client';
import { CONTACT_FIELDS } from '../salesforce/contacts';
import { SalesforceError } from '../salesforce/errors';
import type { SalesforceHttp } from '../salesforce/http';
import type { InstanceUrlPolicy } from '../salesforce/instanceUrl';
import { type ClientCredentials, requestToken, revokeToken, type SalesforceToken } from '../salesforce/oauth';
import type { TokenManager } from '../salesforce/tokens';
import { consumerKeyHint, validateConnectInput, type ValidConnectInput } from './connectInput';
import { apiVersionUserError, tokenUserError, transportUserError } from './salesforceUserErrors';
import type { SecretBox } from './secretBox';
import { type ConnectionRecord, type ConnectionStore, type ConnectionView, toConnectionView } from './types';

export interface ConnectionServiceDeps {
  store: ConnectionStore;
  secretBox: SecretBox;
  http: SalesforceHttp;
  tokens: TokenManager;
  urlPolicy: InstanceUrlPolicy;
  logger: Logger;
}

export type ConnectResult = { connection: ConnectionView; userErrors: [] } | { connection: null; userErrors: SalesforceUserError[] };

/** The tenant's org, ready for lookups. */
export interface TenantOrg {
  client: SalesforceClient;
  record: ConnectionRecord;
}

export class ConnectionService {
  constructor(private readonly deps: ConnectionServiceDeps) {}

  async get(tenantId: string): Promise<ConnectionView | null> {
    const record = await this.deps.store.get(tenantId);
    return record === null ? null : toConnectionView(record);
  }

  /**
   * Check the input, get a token from the org and check the API version; only then save. A failure at any step
   * saves nothing and leaves an existing connection as it was.
   */
  async connect(tenantId: string, rawInput: ConnectSalesforceInput): Promise<ConnectResult> {
    const validated = validateConnectInput(rawInput, this.deps.urlPolicy);
    if (!validated.ok) return { connection: null, userErrors: validated.userErrors };
    const input = validated.input;

    const proven = await this.proveAgainstSalesforce(input);
    if (!proven.ok) {
      this.deps.logger.info({ tenantId, code: proven.userError.code }, 'connectSalesforce refused');
      return { connection: null, userErrors: [proven.userError] };
    }

    const now = new Date();
    const record: ConnectionRecord = {
      tenantId,
      instanceUrl: input.instanceUrl,
      apiVersion: input.apiVersion,
      consumerKeyHint: consumerKeyHint(input.consumerKey),
      sealedCredentials: this.sealCredentials(tenantId, input),
      credentialsId: randomUUID(),
      contactFields: [...CONTACT_FIELDS],
      status: 'CONNECTED',
      lastError: null,
      connectedAt: now,
      lastValidatedAt: now,
      updatedAt: now,
    };
    await this.deps.store.upsert(record);
    const previous = this.deps.tokens.drop(tenantId);
    this.deps.tokens.put(tenantId, record.credentialsId, proven.token);
    if (previous !== undefined) await this.revokeQuietly(tenantId, previous);
    this.deps.logger.info({ tenantId, instanceUrl: record.instanceUrl, apiVersion: record.apiVersion }, 'Salesforce connected');
    return { connection: toConnectionView(record), userErrors: [] };
  }

  /** Delete the connection, then revoke its cached token at Salesforce (best effort) and forget it. */
  async disconnect(tenantId: string): Promise<boolean> {
    const existed = await this.deps.store.delete(tenantId);
    const token = this.deps.tokens.drop(tenantId);
    if (token !== undefined) await this.revokeQuietly(tenantId, token);
    if (existed) this.deps.logger.info({ tenantId }, 'Salesforce disconnected');
    return existed;
  }

  /** A client for the tenant's org, or null when the tenant has not connected one. */
  async orgFor(tenantId: string): Promise<TenantOrg | null> {
    const record = await this.deps.store.get(tenantId);
    if (record === null) return null;
    const client = new SalesforceClient(
      { tenantId, credentialsId: record.credentialsId, instanceUrl: record.instanceUrl, apiVersion: record.apiVersion },
      { http: this.deps.http, tokens: this.deps.tokens, fetchToken: () => this.fetchToken(record) },
    );
    return { client, record };
  }

  /** A lookup failed: show it on the connection (status ERROR, lastError). */
  async recordLookupFailure(tenantId: string, error: unknown): Promise<void> {
    const lastError = error instanceof SalesforceError ? error.message : 'Unexpected error while reading Salesforce';
    await this.deps.store.updateStatus(tenantId, { status: 'ERROR', lastError });
  }

  /** A lookup worked: clear an earlier error. Writes only when there was one. */
  async recordLookupSuccess(record: ConnectionRecord): Promise<void> {
    if (record.status === 'CONNECTED' && record.lastError === null) return;
    await this.deps.store.updateStatus(record.tenantId, { status: 'CONNECTED', lastError: null });
  }

  private async proveAgainstSalesforce(
    input: ValidConnectInput,
  ): Promise<{ ok: true; token: SalesforceToken } | { ok: false; userError: SalesforceUserError }> {
    let token: SalesforceToken;
    try {
      token = await requestToken(this.deps.http, input.instanceUrl, input, this.deps.urlPolicy);
    } catch (error) {
      return { ok: false, userError: tokenUserError(error) };
    }
    let versionProblem: SalesforceUserError | null = null;
    try {
      const versions = await listApiVersions(this.deps.http, input.instanceUrl);
      if (!versions.includes(input.apiVersion)) versionProblem = apiVersionUserError(input.apiVersion, versions);
    } catch (error) {
      versionProblem = transportUserError(error);
    }
    if (versionProblem === null) return { ok: true, token };
    // Nothing will use this token: do not leave a live session behind at the customer's org.
    await this.revokeQuietly(null, token);
    return { ok: false, userError: versionProblem };
  }

  private async fetchToken(record: ConnectionRecord): Promise<SalesforceToken> {
    return requestToken(this.deps.http, record.instanceUrl, this.openCredentials(record), this.deps.urlPolicy);
  }

  private sealCredentials(tenantId: string, credentials: ClientCredentials): string {
    const { consumerKey, consumerSecret } = credentials;
    return this.deps.secretBox.seal(JSON.stringify({ consumerKey, consumerSecret }), tenantId);
  }

  private openCredentials(record: ConnectionRecord): ClientCredentials {
    try {
      const parsed = JSON.parse(this.deps.secretBox.open(record.sealedCredentials, record.tenantId)) as ClientCredentials;
      return { consumerKey: parsed.consumerKey, consumerSecret: parsed.consumerSecret };
    } catch (error) {
      throw new SalesforceError('auth', `The stored Salesforce credentials cannot be decrypted with the configured ENCRYPTION_KEY (${(error as Error).message})`);
    }
  }

  private async revokeQuietly(tenantId: string | null, token: SalesforceToken): Promise<void> {
    try {
      await revokeToken(this.deps.http, token);
    } catch (error) {
      this.deps.logger.warn({ tenantId, err: (error as Error).message }, 'Could not revoke the Salesforce token; it will expire on its own');
    }
  }
}
