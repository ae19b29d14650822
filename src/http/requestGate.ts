/**
 * The door of /graphql, ahead of the body parser: a request without the router's secret (when one is set), or
 * with a bearer token that does not verify, is refused with 401 before a byte of its body is read. A request with
 * no bearer token at all may only be the router's small `_service` SDL query: its body may weigh a few KB, and a
 * larger one is refused with 401 too (the token is what it lacks). Every other request may send up to the
 * configured body limit; a larger one is refused with 413 as soon as that is known (from its Content-Length, or
 * at the first byte past the limit), not after the whole body was read. Refusals made while the body is still
 * arriving go through refuseUnread, so that the client hears them.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { type Authentication, authenticate, MISSING_BEARER } from '../auth/authenticate';
import type { TokenVerifier } from '../auth/viewer';
import type { Logger } from '../logger';
import { type DiscardBounds, type Refusal, refuseUnread } from './refuseUnread';

export interface RequestGateOptions {
  verifier: TokenVerifier;
  routerSecret: string | undefined;
  /** The most an authenticated request's body may weigh. */
  bodyLimitBytes: number;
  /** The most a request without a bearer token may weigh (the `_service` query is ~100 bytes). */
  anonymousBodyLimitBytes: number;
  /** What is read and dropped of a refused request's body, at most, before its connection is cut. */
  refusedBodyDiscardBytes: number;
  refusedBodyDiscardMs: number;
  logger: Logger;
}

/** Authenticates from the headers (into `res.locals.authentication`), then reads the body within its limit. */
export function requestGate(options: RequestGateOptions): RequestHandler {
  const parseBody = express.json({ limit: options.bodyLimitBytes });
  const parseAnonymousBody = express.json({ limit: options.anonymousBodyLimitBytes });
  const bounds: DiscardBounds = { maxBytes: options.refusedBodyDiscardBytes, maxMs: options.refusedBodyDiscardMs };
  const refuse = (req: Request, res: Response, refusal: Refusal) =>
    refuseUnread(req, res, refusal, bounds, (outcome, discardedBytes) =>
      options.logger.debug({ status: refusal.status, outcome, discardedBytes, requestId: res.locals.requestId as unknown }, 'Closed the connection of a refused request'),
    );
  return (req, res, next) => {
    authenticate(req.headers, options.verifier, options.routerSecret).then(
      (authentication) => {
        if (!authentication.fromRouter || (authentication.viewer === null && authentication.authFailure !== MISSING_BEARER)) {
          refuse(req, res, unauthenticated(authentication));
          return;
        }
        res.locals.authentication = authentication;
        const anonymous = authentication.viewer === null;
        const limit = anonymous ? options.anonymousBodyLimitBytes : options.bodyLimitBytes;
        const tooLarge = () => refuse(req, res, anonymous ? unauthenticated(authentication) : payloadTooLarge(limit));
        const length = declaredLength(req);
        if (length !== undefined && length > limit) {
          tooLarge();
          return;
        }
        if (length === undefined) refuseOnceOver(req, limit, tooLarge);
        if (anonymous) parseAnonymousBody(req, res, tooLargeAs(next, tooLarge));
        else parseBody(req, res, next);
      },
      (error: unknown) => next(error),
    );
  };
}

function unauthenticated(authentication: Authentication): Refusal {
  return { status: 401, code: 'UNAUTHENTICATED', message: authentication.authFailure ?? 'Authentication required' };
}

function payloadTooLarge(limit: number): Refusal {
  return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: `The request body is larger than ${limit} bytes` };
}

/** The body's length as its Content-Length header states it (Node refuses a malformed one); none when chunked. */
function declaredLength(req: Request): number | undefined {
  const header = req.headers['content-length'];
  return header === undefined ? undefined : Number(header);
}

/**
 * A body of unstated length is counted as it arrives: past `limit` bytes the request is refused at once. The body
 * parser's own limit would refuse it too, but only after reading the rest of it, however long.
 */
function refuseOnceOver(req: Request, limit: number, refuse: () => void): void {
  let received = 0;
  const count = (chunk: Buffer) => {
    received += chunk.length;
    if (received <= limit) return;
    req.off('data', count);
    refuse();
  };
  req.on('data', count);
}

/** A body too large for an anonymous request (found only once decompressed, say) is refused like the rest. */
function tooLargeAs(next: NextFunction, refuse: () => void): NextFunction {
  return (error?: unknown) => {
    if ((error as { type?: unknown } | undefined)?.type === 'entity.too.large') refuse();
    else next(error as Error);
  };
}
