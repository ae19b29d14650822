/**
 * The API budget guard: every Salesforce call spends the customer's daily quota, which their other integrations
 * need too. Once the latest reading says a tenant has used `percent` % of it, lookups stop with
 * SALESFORCE_RATE_LIMITED instead of spending the rest.
 *
 * The quota is a rolling 24-hour window, so usage falls again; but a refused lookup sends nothing and so learns
 * nothing. A reading older than `recheckMs` therefore lets lookups through again, and the next answer's
 * Sforce-Limit-Info decides anew (at most one call per tenant per `recheckMs` when the org stays over).
 */
import type { ApiUsageTracker } from './apiUsage';
import { SalesforceError } from './errors';

export const BUDGET_EXHAUSTED_CODE = 'API_BUDGET_EXHAUSTED';

export class ApiBudget {
  constructor(
    private readonly usage: ApiUsageTracker,
    private readonly percent: number,
    private readonly recheckMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws SalesforceError('rate_limited') when the last usage known for this connection is over the budget. */
  check(tenantId: string, credentialsId: string): void {
    const reading = this.usage.get(tenantId, credentialsId);
    if (reading === null || reading.max <= 0 || this.now() - reading.at >= this.recheckMs) return;
    // Compared in integers: (used / max) * 100 is 28.999… for 29 000 of 100 000, which would slip under 29 %.
    if (reading.used * 100 >= this.percent * reading.max) {
      const usedPercent = (reading.used / reading.max) * 100;
      throw new SalesforceError(
        'rate_limited',
        `Lookups paused: the org has used ${reading.used} of ${reading.max} daily API requests (${usedPercent.toFixed(1)}%), over the ${this.percent}% Genfin may spend`,
        { errorCode: BUDGET_EXHAUSTED_CODE },
      );
    }
  }
}
