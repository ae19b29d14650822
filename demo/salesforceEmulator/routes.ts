/**
 * HTTP routing: what a request is from its method and path alone (its counter and fault kind), and which handler
 * answers it: the OAuth endpoints, the version list, or a REST resource once the API version, the session and the
 * org's API usage have been checked (every authenticated answer carries Sforce-Limit-Info).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { bearerToken, invalidSession, methodNotAllowed, notFound, READ_METHODS, type Reply, restError } from './http';
import type { OAuthServer } from './oauth';
import type { OrgState } from './orgState';
import type { RestResources } from './resources';
import type { EmulatorCounters, FaultKind } from './types';

export type CounterKind = Exclude<keyof EmulatorCounters, 'tokenFailures'>;

/** What a request is, decided from its method and path alone (before auth), so faults and counters apply uniformly. */
export interface Classified {
  counter: CounterKind;
  fault?: FaultKind;
}

const OAUTH_PATHS: Record<string, 'token' | 'revoke' | 'introspect'> = {
  '/services/oauth2/token': 'token',
  '/services/oauth2/revoke': 'revoke',
  '/services/oauth2/introspect': 'introspect',
};

export const VERSIONS_PATH = /^\/services\/data\/?$/;
export const REST_PATH = /^\/services\/data\/([^/]+)(?:\/(.*))?$/;
const QUERY_RESOURCE = /^query\/?$/;
const DESCRIBE_RESOURCE = /^sobjects\/([^/]+)\/describe\/?$/;

export function classify(method: string, path: string): Classified {
  const oauth = OAUTH_PATHS[path];
  if (oauth) return method === 'POST' ? { counter: oauth, fault: oauth === 'introspect' ? undefined : oauth } : { counter: 'other' };
  if (!READ_METHODS.includes(method)) return { counter: 'other' };
  if (VERSIONS_PATH.test(path)) return { counter: 'versions', fault: 'versions' };
  const resource = REST_PATH.exec(path)?.[2] ?? '';
  if (QUERY_RESOURCE.test(resource)) return { counter: 'query', fault: 'query' };
  if (resource.startsWith('query/')) return { counter: 'queryMore', fault: 'query' };
  if (DESCRIBE_RESOURCE.test(resource)) return { counter: 'describe', fault: 'describe' };
  return { counter: 'other' };
}

export class Router {
  constructor(
    private readonly org: OrgState,
    private readonly oauth: OAuthServer,
    private readonly resources: RestResources,
  ) {}

  route(method: string, url: URL, headers: IncomingHttpHeaders, body: Buffer): Reply {
    const path = url.pathname;
    const oauth = OAUTH_PATHS[path];
    if (oauth) {
      if (method !== 'POST') return methodNotAllowed(method, ['POST']);
      if (oauth === 'token') return this.oauth.issueToken(headers, body);
      if (oauth === 'revoke') return this.oauth.revoke(headers, body);
      return this.oauth.introspect(headers, body);
    }
    if (VERSIONS_PATH.test(path)) return READ_METHODS.includes(method) ? this.resources.listVersions() : methodNotAllowed(method, READ_METHODS);
    const rest = REST_PATH.exec(path);
    if (rest) return this.handleRest(method, url, headers, rest[1] ?? '', rest[2] ?? '');
    return notFound();
  }

  private handleRest(method: string, url: URL, headers: IncomingHttpHeaders, versionSegment: string, resource: string): Reply {
    const version = /^v(\d+\.\d)$/.exec(versionSegment)?.[1];
    if (version && this.org.retiredVersions.has(version)) {
      return restError(410, 'GONE', `API version ${version} has been retired and is no longer available`);
    }
    if (!version || !this.org.versions.includes(version)) return notFound();
    const token = this.oauth.liveToken(bearerToken(headers.authorization) ?? '');
    if (!token) return invalidSession();
    token.lastUsedAt = Date.now();
    this.org.apiUsage += 1;
    const reply =
      this.org.apiUsage > this.org.apiUsageMax
        ? restError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.')
        : this.routeResource(method, url, version, resource);
    return { ...reply, headers: { ...reply.headers, 'Sforce-Limit-Info': `api-usage=${this.org.apiUsage}/${this.org.apiUsageMax}` } };
  }

  private routeResource(method: string, url: URL, version: string, resource: string): Reply {
    const handler = this.resourceHandler(url, version, resource);
    if (!handler) return notFound();
    return READ_METHODS.includes(method) ? handler() : methodNotAllowed(method, READ_METHODS);
  }

  private resourceHandler(url: URL, version: string, resource: string): (() => Reply) | undefined {
    if (resource === '' || resource === '/') return () => this.resources.resourceDirectory(version);
    if (QUERY_RESOURCE.test(resource)) return () => this.resources.query(url, version);
    if (resource.startsWith('query/')) return () => this.resources.queryMore(resource, version);
    if (resource === 'limits' || resource === 'limits/') return () => this.resources.limits();
    const describe = DESCRIBE_RESOURCE.exec(resource);
    if (describe) return () => this.resources.describe(describe[1] ?? '');
    return undefined;
  }
}
