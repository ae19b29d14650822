/**
 * The spans of a request to /graphql:
 * - the HTTP server span, continuing the caller's trace (W3C `traceparent`/`tracestate`, or whatever
 *   OTEL_PROPAGATORS names) or starting one as the sampler says, active while the request is served;
 * - under it, the GraphQL operation's span (`query GetPeople`), with the operation's type, name and the tenant,
 *   ended with the error codes the response carries. Contact lookups and mutations are made under it.
 *
 * Recorded of the request: method, route, path (never the query string: a GET's carries the document and its
 * variables), status, user agent. Never a header's value otherwise, the document, or variables.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { type Context as TraceContext, context, propagation, ROOT_CONTEXT, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { RequestHandler, Response } from 'express';
import { errorCodes, responseErrors } from '../requestLogging';
import { ATTR, isTracingOn, markFailed, NOT_RECORDING, SEMCONV, tracer } from './spans';

/**
 * Starts the request's server span and makes it active for what serves the request up to reading its body (whose
 * stream events run in the socket's context, not this one: `continueTrace` makes it active again after).
 */
export function serverSpans(route: string): RequestHandler {
  return (req, res, next) => {
    if (!isTracingOn()) return next();
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(
      `${req.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [SEMCONV.httpMethod]: req.method,
          [SEMCONV.httpRoute]: route,
          [SEMCONV.urlPath]: route,
          [SEMCONV.urlScheme]: req.protocol,
          ...(req.socket.remoteAddress !== undefined ? { [SEMCONV.clientAddress]: req.socket.remoteAddress } : {}),
          ...(typeof req.headers['user-agent'] === 'string' ? { [SEMCONV.userAgent]: req.headers['user-agent'].slice(0, 256) } : {}),
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    res.locals.traceContext = active;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      span.setAttribute(SEMCONV.httpStatus, res.statusCode);
      if (!res.writableFinished) markFailed(span, 'aborted');
      else if (res.statusCode >= 500) markFailed(span, String(res.statusCode));
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(active, next);
  };
}

/**
 * Makes the request's span active again for what follows (GraphQL): binding the request's streams to it instead
 * would wrap every listener added to them, a cost paid on every request.
 */
export function continueTrace(): RequestHandler {
  return (_req, res, next) => (isTracingOn() ? context.with(traceContextOf(res), next) : next());
}

/** The trace context a request's server span set (the root context outside one). */
export function traceContextOf(res: Response): TraceContext {
  return (res.locals.traceContext as TraceContext | undefined) ?? ROOT_CONTEXT;
}

/** A GraphQL operation's span, and the context its work is made under. */
export interface OperationTrace {
  span: Span;
  context: TraceContext;
}

const NO_OPERATION_TRACE: OperationTrace = { span: NOT_RECORDING, context: ROOT_CONTEXT };

/** Starts the span of one GraphQL operation under the request's span; named once the operation is known. */
export function startOperationTrace(parent: TraceContext, tenantId: string | undefined): OperationTrace {
  if (!isTracingOn()) return NO_OPERATION_TRACE;
  const span = tracer.startSpan('GraphQL operation', { attributes: tenantId !== undefined ? { [ATTR.tenantId]: tenantId } : {} }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Names each operation's span (`query GetPeople`) and ends it with the response's error codes. */
export function operationSpansPlugin<C extends { operationTrace: OperationTrace }>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart({ contextValue }) {
      const { span } = contextValue.operationTrace;
      return {
        async didResolveOperation({ operation, operationName }) {
          if (operation === undefined) return;
          span.updateName(operationName !== null && operationName !== undefined ? `${operation.operation} ${operationName}` : operation.operation);
          span.setAttribute(SEMCONV.graphqlOperationType, operation.operation);
          if (operationName !== null && operationName !== undefined) span.setAttribute(SEMCONV.graphqlOperationName, operationName);
        },
        async willSendResponse({ errors, response }) {
          const codes = errorCodes(responseErrors(errors, response));
          if (codes.length > 0) {
            span.setAttribute(ATTR.errorCodes, codes);
            markFailed(span, codes[0] ?? 'INTERNAL_SERVER_ERROR');
          }
          span.end();
        },
      };
    },
  };
}
