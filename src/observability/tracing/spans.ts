/**
 * The one tracer every span of this service comes from, and the few helpers its call sites share. Everything here
 * is OpenTelemetry's API: without the SDK (tracing off) each call is a no-op on a non-recording span.
 *
 * What may go into a span is decided where the span is made; nothing here records an error's message (a
 * Salesforce message can quote the SOQL that carried an email): a failure is its code.
 */
import { type Attributes, type Context, context, INVALID_SPAN_CONTEXT, type Link, type Span, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';

export const tracer: Tracer = trace.getTracer('genfin-salesforce-subgraph');

let on = false;

/** Told by the SDK's start (sdk.ts): until then, and without it, the helpers here skip what only a span needs. */
export function tracingStarted(): void {
  on = true;
}

/** Whether spans are being recorded at all: off, a request pays for none of their attributes or contexts. */
export function isTracingOn(): boolean {
  return on;
}

/** The span handed to work when tracing is off: records nothing. */
export const NOT_RECORDING: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Attribute names of this service (genfin.*, salesforce.*), beside OpenTelemetry's semantic conventions. */
export const ATTR = {
  tenantId: 'genfin.tenant.id',
  outcome: 'genfin.outcome',
  errorCodes: 'genfin.error_codes',
  emailsRequested: 'genfin.contacts.emails_requested',
  fromCache: 'genfin.contacts.from_cache',
  coalesced: 'genfin.contacts.coalesced',
  batched: 'genfin.contacts.waited_in_batch_window',
  fromSharedTier: 'genfin.contacts.from_shared_tier',
  toSalesforce: 'genfin.contacts.to_salesforce',
  stale: 'genfin.contacts.stale',
  failed: 'genfin.contacts.failed',
  batchEmails: 'genfin.contacts.batch_emails',
  batchRequests: 'genfin.contacts.batch_requests',
  requestKind: 'salesforce.request.kind',
  attempt: 'salesforce.request.attempt',
  apiUsageUsed: 'salesforce.api_usage.used',
  apiUsageMax: 'salesforce.api_usage.max',
  salesforceErrorCode: 'salesforce.error_code',
} as const;

/** OpenTelemetry semantic conventions used here (HTTP, URL, GraphQL, errors). */
export const SEMCONV = {
  errorType: 'error.type',
  httpMethod: 'http.request.method',
  httpStatus: 'http.response.status_code',
  httpRoute: 'http.route',
  resendCount: 'http.request.resend_count',
  responseBodySize: 'http.response.body.size',
  urlFull: 'url.full',
  urlPath: 'url.path',
  urlScheme: 'url.scheme',
  urlTemplate: 'url.template',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  clientAddress: 'client.address',
  userAgent: 'user_agent.original',
  graphqlOperationName: 'graphql.operation.name',
  graphqlOperationType: 'graphql.operation.type',
} as const;

/** Marks a span failed with a code (never a message): status ERROR, `error.type` the code. */
export function markFailed(span: Span, code: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  span.setAttribute(SEMCONV.errorType, code);
}

/**
 * Runs `work` in a new active span under `parent` (default: the active context) and ends the span when it settles;
 * a throw marks it failed with `codeOf(error)` and is rethrown.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  options: { parent?: Context; links?: Link[]; codeOf: (error: unknown) => string },
): Promise<T> {
  if (!on) return work(NOT_RECORDING);
  const span = tracer.startSpan(name, { attributes, ...(options.links !== undefined ? { links: options.links } : {}) }, options.parent);
  try {
    return await context.with(trace.setSpan(options.parent ?? context.active(), span), () => work(span));
  } catch (error) {
    markFailed(span, options.codeOf(error));
    throw error;
  } finally {
    span.end();
  }
}

/** The active span's ids for a log line, when a sampled or recording span is active. */
export function activeTraceIds(): { trace_id: string; span_id: string } | Record<string, never> {
  if (!on) return {};
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const { traceId, spanId } = span.spanContext();
  return trace.isSpanContextValid(span.spanContext()) ? { trace_id: traceId, span_id: spanId } : {};
}
