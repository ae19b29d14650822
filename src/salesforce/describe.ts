/**
 * What the org's Contact looks like to the Run-As user (notes §7): describe lists only the fields field-level
 * security lets it read, so "absent from describe" means "we may not select it".
 */
import { LRUCache } from 'lru-cache';
import type { SalesforceClient } from './client';
import { SalesforceError } from './errors';
import type { RequestOptions } from './http';

interface DescribeContext {
  client: SalesforceClient;
  options: RequestOptions;
}

export interface DescribedField {
  name: string;
  label: string;
  type: string;
  /** A custom field (describe's `custom`; an API name ending in `__c` when describe leaves it out). */
  custom: boolean;
}

export interface ContactDescribe {
  /** By lower-cased API name. */
  fields: ReadonlyMap<string, DescribedField>;
}

/** `GET …/sobjects/Contact/describe`. A 404 means the Run-As user cannot read Contact at all. */
export async function describeContact(client: SalesforceClient, options: RequestOptions = {}): Promise<ContactDescribe> {
  const body = await client.getJson(`${client.apiPath}/sobjects/Contact/describe`, 'Contact describe', options);
  const fields = (body as { fields?: unknown }).fields;
  if (!Array.isArray(fields)) throw new SalesforceError('unavailable', 'Contact describe: expected a fields array');
  const byName = new Map<string, DescribedField>();
  for (const field of fields as unknown[]) {
    const { name, label, type, custom } = (field ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || typeof type !== 'string') continue;
    byName.set(name.toLowerCase(), {
      name,
      type,
      label: typeof label === 'string' ? label : name,
      custom: typeof custom === 'boolean' ? custom : /__c$/i.test(name),
    });
  }
  return { fields: byName };
}

export function isContactNotReadable(error: unknown): boolean {
  return error instanceof SalesforceError && error.status === 404;
}

/**
 * Describes per tenant for `ttlMs`, fetched single-flight (lru-cache's fetch joins concurrent callers).
 * Keyed by credentials too, so a reconnect to another org never sees the old org's fields.
 */
export class DescribeCache {
  private readonly cache: LRUCache<string, ContactDescribe, DescribeContext>;

  constructor(options: { maxTenants: number; ttlMs: number }) {
    this.cache = new LRUCache<string, ContactDescribe, DescribeContext>({
      max: options.maxTenants,
      ttl: options.ttlMs,
      fetchMethod: (_key, _stale, { context }) => describeContact(context.client, context.options),
    });
  }

  async get(client: SalesforceClient, options: RequestOptions = {}): Promise<ContactDescribe> {
    const describe = await this.cache.fetch(cacheKey(client), { context: { client, options } });
    if (describe === undefined) throw new SalesforceError('unavailable', 'Contact describe: no answer');
    return describe;
  }

  /** Forget the tenant's describe so the next `get` asks Salesforce again. */
  invalidate(client: SalesforceClient): void {
    this.cache.delete(cacheKey(client));
  }
}

function cacheKey(client: SalesforceClient): string {
  return `${client.org.tenantId}\u0000${client.org.credentialsId}`;
}
