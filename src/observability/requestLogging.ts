/**
 * Request ids and one log line per GraphQL request. The id comes from the caller's `x-request-id` (the gateway's
 * trace id, say) when it looks like one, else is made here; it is echoed in the response header and carried by
 * every log line of the request.
 */
import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { RequestHandler } from 'express';
import { randomUUID } from 'node:crypto';
import type { Context } from '../context';

const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdMiddleware(): RequestHandler {
  return (req, res, next) => {
    const offered = req.headers['x-request-id'];
    const requestId = typeof offered === 'string' && ACCEPTABLE_REQUEST_ID.test(offered) ? offered : randomUUID();
    res.setHeader('x-request-id', requestId);
    res.locals.requestId = requestId;
    next();
  };
}

/** Logs each operation once: its name, duration, and the codes of any errors (Salesforce's own code included). */
export function requestLoggingPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, errors, response }) {
          const all = responseErrors(errors, response);
          const codes = errorCodes(all);
          const salesforceErrorCodes = [...new Set(all.map((e) => e.extensions?.salesforceErrorCode).filter((c) => c !== undefined))];
          contextValue.logger.info(
            {
              operationName: operationName ?? undefined,
              durationMs: Math.round(performance.now() - started),
              ...(codes.length > 0 ? { errorCodes: codes } : {}),
              ...(salesforceErrorCodes.length > 0 ? { salesforceErrorCodes } : {}),
            },
            'GraphQL request',
          );
        },
      };
    },
  };
}

type FormattedErrors = NonNullable<Extract<GraphQLResponse['body'], { kind: 'single' }>['singleResult']['errors']>;

/** Every error a response carries: the request's own (parse, validation) and its fields'. */
export function responseErrors(errors: readonly GraphQLError[] | undefined, response: GraphQLResponse): Array<GraphQLError | FormattedErrors[number]> {
  const body = response.body;
  const fieldErrors = body.kind === 'single' ? (body.singleResult.errors ?? []) : [];
  return [...(errors ?? []), ...fieldErrors];
}

/** The distinct `extensions.code`s of errors (INTERNAL_SERVER_ERROR for one without). */
export function errorCodes(errors: ReadonlyArray<{ extensions?: Record<string, unknown> | undefined }>): string[] {
  return [...new Set(errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
}
