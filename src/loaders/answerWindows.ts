/**
 * How old an answer may be, and for what. All three windows count from when Salesforce gave the answer:
 *
 *   0 ──── ttlMs ──── ttlMs + staleWhileRevalidateMs ──────────── staleIfErrorMs
 *   fresh: served     revalidate: served at once, refreshed       past both: Salesforce is asked; if it cannot
 *                     behind (one refresh whichever asks)         answer, served marked stale up to staleIfErrorMs
 */

export interface AnswerWindows {
  ttlMs: number;
  staleWhileRevalidateMs: number;
  staleIfErrorMs: number;
}

export type Freshness = 'fresh' | 'revalidate' | 'expired';

export function freshnessOf(fetchedAt: number, now: number, windows: AnswerWindows): Freshness {
  const age = now - fetchedAt;
  if (age < windows.ttlMs) return 'fresh';
  if (age < windows.ttlMs + windows.staleWhileRevalidateMs) return 'revalidate';
  return 'expired';
}

/** Whether an answer this old may stand in for one Salesforce could not give. */
export function usableIfFailing(fetchedAt: number, now: number, windows: AnswerWindows): boolean {
  return now - fetchedAt < Math.max(windows.staleIfErrorMs, windows.ttlMs + windows.staleWhileRevalidateMs);
}

/** How long an answer is worth keeping at all: the end of the last window. */
export function keepMs(windows: AnswerWindows): number {
  return Math.max(windows.ttlMs + windows.staleWhileRevalidateMs, windows.staleIfErrorMs);
}
