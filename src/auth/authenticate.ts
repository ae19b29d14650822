/**
 * Who a request comes from, decided from its headers alone: whether the router sent it (when ROUTER_SECRET is
 * set) and whose bearer token it carries. Runs before the body is read, so a caller with neither costs a header
 * check and a signature check, nothing more.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AuthenticationError, type TokenVerifier, type Viewer } from './viewer';

export interface Authentication {
  /** Null when the request carried no bearer token (only the router's `_service` SDL query is served then). */
  viewer: Viewer | null;
  /** Why `viewer` is null, for the UNAUTHENTICATED error. */
  authFailure: string | null;
  /** False when ROUTER_SECRET is set and the request did not carry it. */
  fromRouter: boolean;
}

export const MISSING_ROUTER_SECRET = 'Missing or wrong router-authorization header';
export const MISSING_BEARER = 'Missing Authorization: Bearer <JWT> header';

/** Never throws for a bad token: the failure is in the result. */
export async function authenticate(headers: IncomingHttpHeaders, verifier: TokenVerifier, routerSecret: string | undefined): Promise<Authentication> {
  const fromRouter = routerSecret === undefined || sameSecret(headers['router-authorization'], routerSecret);
  if (!fromRouter) return { viewer: null, authFailure: MISSING_ROUTER_SECRET, fromRouter };
  if (headers.authorization === undefined) return { viewer: null, authFailure: MISSING_BEARER, fromRouter };
  const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization);
  if (match === null) return { viewer: null, authFailure: 'The Authorization header is not "Bearer <JWT>"', fromRouter };
  try {
    return { viewer: await verifier.verify(match[1] as string), authFailure: null, fromRouter };
  } catch (error) {
    if (error instanceof AuthenticationError) return { viewer: null, authFailure: error.message, fromRouter };
    throw error;
  }
}

/** Constant-time comparison (of digests, so that lengths do not leak either). */
function sameSecret(offered: string | string[] | undefined, secret: string): boolean {
  if (typeof offered !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(offered), digest(secret));
}
