/**
 * The API versions an org serves (notes §3): `GET {instanceUrl}/services/data/`, no auth. The list changes three
 * times a year, so it is kept per instance for a while and fetched single-flight: repeated connects (an admin
 * fixing a typo in the secret) do not ask again.
 */
import { LRUCache } from 'lru-cache';
import { restError, SalesforceError, tryParseJson } from './errors';
import type { SalesforceHttp } from './http';

/** `GET /services/data/`: the versions the org serves, as `vNN.N`, oldest first. */
export async function listApiVersions(http: SalesforceHttp, instanceUrl: string): Promise<string[]> {
  const response = await http.get(`${instanceUrl}/services/data/`);
  if (response.status !== 200) throw restError(response.status, response.body, 'API version list');
  const body = tryParseJson(response.body);
  if (!Array.isArray(body)) {
    throw new SalesforceError('unavailable', 'Salesforce answered the API version list with something that is not a list');
  }
  return body
    .map((entry: unknown) => (entry !== null && typeof entry === 'object' ? (entry as { version?: unknown }).version : undefined))
    .filter((version): version is string => typeof version === 'string' && /^\d+\.\d+$/.test(version))
    .sort((a, b) => Number.parseFloat(a) - Number.parseFloat(b))
    .map((version) => `v${version}`);
}

export interface ApiVersionCacheOptions {
  /** Instances whose list is kept. */
  maxInstances: number;
  /** How long a list is trusted. Failures are never kept. */
  ttlMs: number;
}

export class ApiVersionCache {
  private readonly cache: LRUCache<string, readonly string[], SalesforceHttp>;

  constructor(options: ApiVersionCacheOptions) {
    this.cache = new LRUCache<string, readonly string[], SalesforceHttp>({
      max: options.maxInstances,
      ttl: options.ttlMs,
      fetchMethod: (instanceUrl, _stale, { context }) => listApiVersions(context, instanceUrl),
    });
  }

  /** The versions `instanceUrl` serves, oldest first; joins a fetch already under way. */
  async get(http: SalesforceHttp, instanceUrl: string): Promise<readonly string[]> {
    const versions = await this.cache.fetch(instanceUrl, { context: http });
    if (versions === undefined) throw new SalesforceError('unavailable', 'API version list: no answer');
    return versions;
  }
}
