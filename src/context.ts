/**
 * The one typed context every resolver receives: who is calling, the services, and this request's loaders.
 */
import type { Authentication } from './auth/authenticate';
import type { Viewer } from './auth/viewer';
import type { ConnectionDirectory, CurrentConnection } from './connections/connectionDirectory';
import type { ConnectionService } from './connections/service';
import { forbidden, unauthenticated } from './errors';
import { type ContactsByEmailLoader, createContactsByEmailLoader } from './loaders/contactLoader';
import { RequestBudget } from './loaders/requestBudget';
import type { SharedContactLookups } from './loaders/sharedContactLookups';
import type { Logger } from './logger';
import { type OperationTrace, startOperationTrace } from './observability/tracing/requestSpans';
import type { Context as TraceContext } from '@opentelemetry/api';

export interface Services {
  connections: ConnectionService;
  /** Each tenant's current connection, kept fresh across replicas. */
  directory: ConnectionDirectory;
  lookups: SharedContactLookups<CurrentConnection>;
  logger: Logger;
  /** How long one GraphQL request may wait for Salesforce. */
  requestDeadlineMs: number;
  /** `_entities` representations, and distinct emails, one request may have looked up. */
  maxRepresentations: number;
  maxEmailsPerRequest: number;
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
  /** What this request may still ask of Salesforce. */
  budget: RequestBudget;
  /** The operation's span: lookups and mutations are traced under it. */
  operationTrace: OperationTrace;
}

export interface RequestLoaders {
  /** Created on first use, so requests that never touch Salesforce never read the connection store. */
  contactsByEmail(): ContactsByEmailLoader;
}

export interface ContextOptions {
  services: Services;
}

/** Builds a request's context once the request gate has authenticated it. Never throws. */
export function createContextFactory(options: ContextOptions) {
  return async ({ authentication, requestId, traceContext }: { authentication: Authentication; requestId: string; traceContext: TraceContext }): Promise<Context> => {
    const deadline = Date.now() + options.services.requestDeadlineMs;
    const { viewer, authFailure, fromRouter } = authentication;
    const logger = options.services.logger.child({ requestId, ...(viewer ? { tenantId: viewer.tenantId } : {}) });
    const operationTrace = startOperationTrace(traceContext, viewer?.tenantId);
    return {
      viewer,
      authFailure,
      fromRouter,
      requestId,
      logger,
      deadline,
      services: options.services,
      loaders: requestLoaders(viewer, options.services, deadline, operationTrace.context),
      budget: new RequestBudget(options.services.maxRepresentations, options.services.maxEmailsPerRequest),
      operationTrace,
    };
  };
}

function requestLoaders(viewer: Viewer | null, services: Services, deadline: number, trace: TraceContext): RequestLoaders {
  let contactsByEmail: ContactsByEmailLoader | undefined;
  return {
    contactsByEmail() {
      contactsByEmail ??= createContactsByEmailLoader(requireViewer({ viewer, authFailure: null }).tenantId, services, deadline, trace);
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
