/**
 * The one typed context every resolver receives: who is calling, the services, and this request's loaders.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AuthenticationError, type TokenVerifier, type Viewer } from './auth/viewer';
import type { ConnectionService } from './connections/service';
import { forbidden, unauthenticated } from './errors';
import { type ContactsByEmailLoader, createContactsByEmailLoader } from './loaders/contactLoader';
import type { SharedContactLookups } from './loaders/sharedContactLookups';
import type { Logger } from './logger';

export interface Services {
  connections: ConnectionService;
  lookups: SharedContactLookups;
  logger: Logger;
  /** How long one GraphQL request may wait for Salesforce. */
  requestDeadlineMs: number;
}

export interface Context {
  /** Null when the caller did not authenticate; only the `_service` SDL query gets this far then. */
  viewer: Viewer | null;
  /** Why `viewer` is null, for the UNAUTHENTICATED error. */
  authFailure: string | null;
  /** False when ROUTER_SECRET is set and the request did not carry it: nothing at all is served then. */
  fromRouter: boolean;
  requestId: string;
  /** Carries requestId and tenantId on every line. */
  logger: Logger;
  /** Epoch ms by which every Salesforce-backed field of this request answers. */
  deadline: number;
  services: Services;
  loaders: RequestLoaders;
}

export interface RequestLoaders {
  /** Created on first use, so requests that never touch Salesforce never read the connection store. */
  contactsByEmail(): ContactsByEmailLoader;
}

export interface ContextOptions {
  verifier: TokenVerifier;
  services: Services;
  routerSecret: string | undefined;
}

/** Builds a request's context from its headers. Never throws: authentication is enforced per operation. */
export function createContextFactory(options: ContextOptions) {
  return async ({ headers, requestId }: { headers: IncomingHttpHeaders; requestId: string }): Promise<Context> => {
    const deadline = Date.now() + options.services.requestDeadlineMs;
    const fromRouter = options.routerSecret === undefined || sameSecret(headers['router-authorization'], options.routerSecret);
    const { viewer, authFailure } = fromRouter
      ? await authenticate(headers, options.verifier)
      : { viewer: null, authFailure: 'Missing or wrong router-authorization header' };
    const logger = options.services.logger.child({ requestId, ...(viewer ? { tenantId: viewer.tenantId } : {}) });
    return {
      viewer,
      authFailure,
      fromRouter,
      requestId,
      logger,
      deadline,
      services: options.services,
      loaders: requestLoaders(viewer, options.services, deadline),
    };
  };
}

/** Constant-time comparison (of digests, so that lengths do not leak either). */
function sameSecret(offered: string | string[] | undefined, secret: string): boolean {
  if (typeof offered !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(offered), digest(secret));
}

async function authenticate(headers: IncomingHttpHeaders, verifier: TokenVerifier): Promise<{ viewer: Viewer | null; authFailure: string | null }> {
  const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (match === null) return { viewer: null, authFailure: 'Missing Authorization: Bearer <JWT> header' };
  try {
    return { viewer: await verifier.verify(match[1] as string), authFailure: null };
  } catch (error) {
    if (error instanceof AuthenticationError) return { viewer: null, authFailure: error.message };
    throw error;
  }
}

function requestLoaders(viewer: Viewer | null, services: Services, deadline: number): RequestLoaders {
  let contactsByEmail: ContactsByEmailLoader | undefined;
  return {
    contactsByEmail() {
      contactsByEmail ??= createContactsByEmailLoader(requireViewer({ viewer, authFailure: null }).tenantId, services.lookups, deadline);
      return contactsByEmail;
    },
  };
}

/** The caller, or UNAUTHENTICATED. The auth plugin already refuses such operations; this keeps resolvers honest. */
export function requireViewer(context: Pick<Context, 'viewer' | 'authFailure'>): Viewer {
  if (context.viewer === null) throw unauthenticated(context.authFailure ?? 'Authentication required');
  return context.viewer;
}

/** The caller if they administer their tenant, or FORBIDDEN. */
export function requireAdmin(context: Pick<Context, 'viewer' | 'authFailure'>): Viewer {
  const viewer = requireViewer(context);
  if (!viewer.isAdmin) throw forbidden('Only an admin of this tenant may change its Salesforce connection');
  return viewer;
}
