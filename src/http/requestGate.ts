/**
 * The door of /graphql, ahead of the body parser: a request without the router's secret (when one is set), or
 * with a bearer token that does not verify, is refused with 401 before a byte of its body is read. A request with
 * no bearer token at all may only be the router's small `_service` SDL query: its body may weigh a few KB. Every
 * other request may send up to the configured body limit.
 */
import express, { type RequestHandler } from 'express';
import { authenticate, MISSING_BEARER } from '../auth/authenticate';
import type { TokenVerifier } from '../auth/viewer';
import { sendGraphQLError } from './graphqlErrorResponse';

export interface RequestGateOptions {
  verifier: TokenVerifier;
  routerSecret: string | undefined;
  /** The most an authenticated request's body may weigh. */
  bodyLimitBytes: number;
  /** The most a request without a bearer token may weigh (the `_service` query is ~100 bytes). */
  anonymousBodyLimitBytes: number;
}

/** Authenticates from the headers (into `res.locals.authentication`), then reads the body within its limit. */
export function requestGate(options: RequestGateOptions): RequestHandler {
  const parseBody = express.json({ limit: options.bodyLimitBytes });
  const parseAnonymousBody = express.json({ limit: options.anonymousBodyLimitBytes });
  return (req, res, next) => {
    authenticate(req.headers, options.verifier, options.routerSecret).then(
      (authentication) => {
        if (!authentication.fromRouter || (authentication.viewer === null && authentication.authFailure !== MISSING_BEARER)) {
          sendGraphQLError(res, 401, 'UNAUTHENTICATED', authentication.authFailure ?? 'Authentication required');
          return;
        }
        res.locals.authentication = authentication;
        (authentication.viewer === null ? parseAnonymousBody : parseBody)(req, res, next);
      },
      (error: unknown) => next(error),
    );
  };
}
