/**
 * A tenant's Salesforce client credentials at rest: what their seal is bound to, and the error for a seal this
 * process cannot open. Shared by the connection service and the key rotation tool.
 */

/** Sealed credentials open only for the tenant and instance URL they were sealed for. */
export function credentialsAad(tenantId: string, instanceUrl: string): string {
  return `${tenantId}\n${instanceUrl}`;
}

/** What an admin is told (GraphQL error, user error, the connection's lastError). */
export const CREDENTIALS_UNREADABLE_MESSAGE =
  'This service cannot decrypt the stored Salesforce credentials: its ENCRYPTION_KEY does not match the one they were sealed with. ' +
  'An operator must restore the key (or add it to ENCRYPTION_KEY_PREVIOUS); reconnecting Salesforce also fixes it.';

/**
 * The stored credentials cannot be decrypted with this process's keys (a lost or wrong ENCRYPTION_KEY, a row
 * changed behind our back). Our problem, not Salesforce's: no token is asked for, and it is never reported as
 * SALESFORCE_AUTH_FAILED, nor counted by the token refusal cache or the circuit breaker.
 */
export class CredentialsUnreadableError extends Error {
  override readonly name = 'CredentialsUnreadableError';

  constructor(
    readonly tenantId: string,
    /** Why opening failed (unknown key id, failed authentication, malformed): for the logs, never a secret. */
    readonly reason: string,
  ) {
    super(CREDENTIALS_UNREADABLE_MESSAGE);
  }
}

export function isCredentialsUnreadable(error: unknown): error is CredentialsUnreadableError {
  return error instanceof CredentialsUnreadableError;
}
