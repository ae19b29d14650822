/**
 * Which failures of a lookup mean "Salesforce could not answer now" (what is known may be served in its place),
 * as opposed to "Salesforce said no" or "this service cannot ask" (nothing may be served), and which mean the
 * credentials are refused (what is known must stop being served at once).
 */
import { isConnectionChanged, SalesforceError } from './errors';

/**
 * Unreachable, timeout, 5xx, unreadable answer, open circuit, request deadline (all 'unavailable'), the org's daily
 * quota, Genfin's budget or the tenant's call rate (all 'rate_limited'). Not a refused token or session ('auth': a
 * customer who revoked the app must see its data stop), not undecryptable credentials, not a refused query, and not
 * a lookup dropped because the connection changed (what is known belongs to the old connection).
 */
export function isAvailabilityFailure(error: unknown): boolean {
  // Undecryptable credentials are not a SalesforceError: excluded below.
  if (isConnectionChanged(error)) return false;
  return error instanceof SalesforceError && (error.kind === 'unavailable' || error.kind === 'rate_limited');
}

/**
 * Salesforce refused the tenant's credentials or session (a revoked or edited app, a rotated secret, a deactivated
 * Run-As user): the customer may have withdrawn access, so nothing read under them may be served any more.
 */
export function isCredentialsRefusal(error: unknown): boolean {
  return error instanceof SalesforceError && error.kind === 'auth';
}
