/**
 * How contact lookups show in a trace, counts only (never an email):
 * - each request's lookup (one DataLoader batch) tallies where its emails' answers came from (`LookupTally`);
 * - each batch sent on from SharedContactLookups is a span of its own, made under the request that opened it and
 *   linked to every other request it carries, so that a request whose emails rode in another's batch still leads
 *   to the Salesforce calls that answered them. The Salesforce calls are made inside it, as its children.
 */
import { type Context, context, type Link, ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api';
import { StoreUnavailableError } from '../connections/storeErrors';
import { ATTR, inSpan, isTracingOn, markFailed } from '../observability/tracing/spans';
import { SalesforceError } from '../salesforce/errors';

/** Where one request's emails were answered from. Every email counts in exactly one of the first three. */
export interface LookupTally {
  /** Served from this process's cache. */
  fromCache: number;
  /** Joined a lookup another request had already started or queued. */
  coalesced: number;
  /** Opened or joined the next batch, and waited for it to be sent. Each then counts in one of the two below. */
  batched: number;
  /** Of those batched: answered by the shared tier in the connection store. */
  fromSharedTier: number;
  /** Of those batched: asked of Salesforce. */
  toSalesforce: number;
}

export function emptyTally(): LookupTally {
  return { fromCache: 0, coalesced: 0, batched: 0, fromSharedTier: 0, toSalesforce: 0 };
}

/** The tally as span attributes. */
export function tallyAttributes(tally: LookupTally): Record<string, number> {
  return {
    [ATTR.fromCache]: tally.fromCache,
    [ATTR.coalesced]: tally.coalesced,
    [ATTR.batched]: tally.batched,
    [ATTR.fromSharedTier]: tally.fromSharedTier,
    [ATTR.toSalesforce]: tally.toSalesforce,
  };
}

/** The requests one batch carries, as the spans that were active when they joined it. */
export class BatchTrace {
  private parent: Context | undefined;
  private readonly links = new Map<string, Link>();

  /** The active request joins the batch (the first one is its parent). */
  join(): void {
    if (!isTracingOn()) return;
    const active = context.active();
    this.parent ??= active;
    const spanContext = trace.getSpan(active)?.spanContext();
    if (spanContext !== undefined && trace.isSpanContextValid(spanContext)) this.links.set(spanContext.spanId, { context: spanContext });
  }

  /** Sends the batch inside its span: `contacts.batch`, with how many emails and requests it carries. */
  run<T>(emails: number, work: (span: Span) => Promise<T>): Promise<T> {
    const span = trace.getSpan(this.parent ?? ROOT_CONTEXT);
    const parentId = span?.spanContext().spanId;
    const links = [...this.links.values()].filter((link) => link.context.spanId !== parentId);
    return inSpan('contacts.batch', { [ATTR.batchEmails]: emails, [ATTR.batchRequests]: this.links.size }, work, {
      parent: this.parent ?? ROOT_CONTEXT,
      links,
      codeOf: () => 'INTERNAL',
    });
  }
}

/** Work nobody waits for (a refresh behind an answer already served) starts a trace of its own. */
export function detachedFromRequest(work: () => void): void {
  if (isTracingOn()) context.with(ROOT_CONTEXT, work);
  else work();
}

/**
 * A failure as a span records it: Salesforce's or our error code (`REQUEST_LIMIT_EXCEEDED`, `CONNECTION_CHANGED`),
 * else its kind; never its message, which may quote a query.
 */
export function failureCode(error: unknown): string {
  if (error instanceof SalesforceError) return error.errorCode ?? `salesforce_${error.kind}`;
  if (error instanceof StoreUnavailableError) return 'STORE_UNAVAILABLE';
  return error instanceof Error ? error.name : 'unknown';
}

/**
 * One request's lookup (a DataLoader batch) in its span, `contacts.lookup`, under `parent` (the GraphQL operation):
 * how many emails it asked for, where their answers came from, how many were served stale or failed (with the
 * first failure's code).
 */
export function inLookupSpan<A extends { stale: boolean }>(
  parent: Context | undefined,
  emails: number,
  work: (tally: LookupTally) => Promise<Array<A | Error>>,
): Promise<Array<A | Error>> {
  return inSpan(
    'contacts.lookup',
    { [ATTR.emailsRequested]: emails },
    async (span) => {
      const tally = emptyTally();
      const answers = await work(tally);
      const failures = answers.filter((answer): answer is Error => answer instanceof Error);
      span.setAttributes({
        ...tallyAttributes(tally),
        [ATTR.stale]: answers.filter((answer) => !(answer instanceof Error) && answer.stale).length,
        [ATTR.failed]: failures.length,
      });
      const [first] = failures;
      if (first !== undefined) markFailed(span, failureCode(first));
      return answers;
    },
    { ...(parent !== undefined ? { parent } : {}), codeOf: failureCode },
  );
}
