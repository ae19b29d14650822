/**
 * One span per attempt of a Salesforce HTTP call, as an HTTP client span (OpenTelemetry's HTTP semantic
 * conventions) with what explains a slow or failed field: the kind of call, the attempt, the status, the bytes
 * read, the org's API usage when the answer carries it, and Salesforce's error code when it refused.
 *
 * Never recorded: the query string (a SOQL query carries emails: each value becomes REDACTED), request or response
 * bodies (secrets, tokens, contacts), any header but the API usage one, and Salesforce's error messages (they can
 * quote the query).
 */
import { type Span, SpanKind, trace } from '@opentelemetry/api';
import { ATTR, isTracingOn, markFailed, NOT_RECORDING, SEMCONV, tracer } from '../observability/tracing/spans';
import { parseLimitInfo } from './apiUsage';
import type { SalesforceRequestKind, SalesforceRequestOutcome } from './http';

/** The value a query string's values are replaced with (the key stays: `?q=REDACTED`). */
export const REDACTED = 'REDACTED';

/** Low-cardinality path templates, per kind (`url.template`, and the span's name after the method). */
const TEMPLATES: Record<SalesforceRequestKind, string> = {
  token: '/services/oauth2/token',
  revoke: '/services/oauth2/revoke',
  versions: '/services/data/',
  query: '/services/data/{version}/query',
  query_more: '/services/data/{version}/query/{queryLocator}',
  describe: '/services/data/{version}/sobjects/{sobject}/describe',
  limits: '/services/data/{version}/limits',
  other: '/services/data/{version}/…',
};

/** Salesforce error codes as they are (`INVALID_FIELD`, `invalid_client`): anything else is not recorded. */
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Starts the span of one attempt (0-based) of a call to `url`, in the active context. */
export function startCallSpan(method: string, url: URL, kind: SalesforceRequestKind, attempt: number): Span {
  if (!isTracingOn()) return NOT_RECORDING;
  const template = TEMPLATES[kind];
  return tracer.startSpan(`${method} ${template}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      [SEMCONV.httpMethod]: method,
      [SEMCONV.serverAddress]: url.hostname,
      [SEMCONV.serverPort]: url.port === '' ? (url.protocol === 'http:' ? 80 : 443) : Number(url.port),
      [SEMCONV.urlFull]: redactedUrl(url),
      [SEMCONV.urlTemplate]: template,
      [ATTR.requestKind]: kind,
      [ATTR.attempt]: attempt + 1,
      ...(attempt > 0 ? { [SEMCONV.resendCount]: attempt } : {}),
    },
  });
}

/** Ends an attempt's span with its answer: status, bytes read, API usage, and the error code of a refusal. */
export function endCallSpanAnswered(span: Span, answer: { status: number; headers: Record<string, string | string[] | undefined>; body: string }, bytes: number): void {
  if (!span.isRecording()) return span.end();
  span.setAttribute(SEMCONV.httpStatus, answer.status);
  span.setAttribute(SEMCONV.responseBodySize, bytes);
  const usage = parseLimitInfo(answer.headers['sforce-limit-info']);
  if (usage !== null) span.setAttributes({ [ATTR.apiUsageUsed]: usage.used, [ATTR.apiUsageMax]: usage.max });
  if (answer.status >= 400) {
    markFailed(span, String(answer.status));
    const code = errorCodeOf(answer.body);
    if (code !== undefined) span.setAttribute(ATTR.salesforceErrorCode, code);
  }
  span.end();
}

/** Ends an attempt's span that got no (readable) answer: timeout, network error, or an answer over the bound. */
export function endCallSpanFailed(span: Span, outcome: Exclude<SalesforceRequestOutcome, 'success' | 'http_4xx' | 'http_5xx'>): void {
  markFailed(span, outcome);
  span.end();
}

/** A retry's wait, as an event on the active span (the attempts' parent): the gap between two attempts' spans. */
export function noteRetryWait(kind: SalesforceRequestKind, failedAttempt: number, delayMs: number): void {
  trace.getActiveSpan()?.addEvent('salesforce.retry_wait', { [ATTR.requestKind]: kind, [ATTR.attempt]: failedAttempt, 'genfin.delay_ms': Math.round(delayMs) });
}

/** The URL with every query value replaced by REDACTED. */
export function redactedUrl(url: URL): string {
  const keys = [...new Set(url.searchParams.keys())];
  const query = keys.length === 0 ? '' : `?${keys.map((key) => `${encodeURIComponent(key)}=${REDACTED}`).join('&')}`;
  return `${url.origin}${url.pathname}${query}`;
}

/** `[{"errorCode": …}]` (REST) or `{"error": …}` (OAuth), when it looks like a code. */
function errorCodeOf(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  if (first === null || typeof first !== 'object') return undefined;
  const { errorCode, error } = first as Record<string, unknown>;
  const code = typeof errorCode === 'string' ? errorCode : error;
  return typeof code === 'string' && ERROR_CODE.test(code) ? code : undefined;
}
