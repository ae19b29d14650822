/**
 * A per-tenant bound on Salesforce requests in flight. Salesforce counts concurrent long-running requests per org
 * (25 in production orgs), and the customer's other integrations share that allowance, so one replica of this
 * subgraph keeps well under it whatever the load: a lookup's chunks go out together up to the bound, and the rest
 * wait for a free slot (never past the caller's deadline).
 */
import { SalesforceError } from './errors';

export interface RequestSlotsOptions {
  /** Requests one tenant may have in flight at once. */
  perTenant: number;
  /** Told whenever a tenant's in-flight count changes (metrics, benchmarks). */
  onInFlight?: (tenantId: string, inFlight: number) => void;
}

interface Waiter {
  grant(): void;
  timer: NodeJS.Timeout | undefined;
}

interface TenantSlots {
  inFlight: number;
  waiting: Waiter[];
}

/** Gives back a slot; calling it more than once gives back one slot only. */
export type ReleaseSlot = () => void;

export class RequestSlots {
  /** Only tenants with requests in flight or waiting: idle ones are dropped, so this stays small. */
  private readonly tenants = new Map<string, TenantSlots>();

  constructor(private readonly options: RequestSlotsOptions) {
    if (!Number.isInteger(options.perTenant) || options.perTenant < 1) {
      throw new RangeError(`RequestSlots: expected perTenant to be a positive integer, got ${options.perTenant}`);
    }
  }

  /** Requests the tenant has in flight now. */
  inFlight(tenantId: string): number {
    return this.tenants.get(tenantId)?.inFlight ?? 0;
  }

  /**
   * Wait for one of the tenant's slots. Rejects with SalesforceError('unavailable') if none frees up before
   * `deadline` (epoch ms).
   */
  acquire(tenantId: string, deadline = Number.POSITIVE_INFINITY): Promise<ReleaseSlot> {
    const tenant = this.tenant(tenantId);
    if (tenant.inFlight < this.options.perTenant) return Promise.resolve(this.take(tenantId, tenant));
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const waiter: Waiter = { grant: () => resolve(this.take(tenantId, tenant)), timer: undefined };
      const remaining = deadline - Date.now();
      if (Number.isFinite(remaining)) {
        waiter.timer = setTimeout(() => {
          tenant.waiting.splice(tenant.waiting.indexOf(waiter), 1);
          this.forgetIfIdle(tenantId, tenant);
          reject(new SalesforceError('unavailable', "Salesforce request not attempted: the request's deadline passed while waiting for one of the tenant's request slots"));
        }, Math.max(0, remaining));
      }
      tenant.waiting.push(waiter);
    });
  }

  /** Run `call` holding one of the tenant's slots. */
  async run<T>(tenantId: string, deadline: number | undefined, call: () => Promise<T>): Promise<T> {
    const release = await this.acquire(tenantId, deadline);
    try {
      return await call();
    } finally {
      release();
    }
  }

  private take(tenantId: string, tenant: TenantSlots): ReleaseSlot {
    tenant.inFlight += 1;
    this.options.onInFlight?.(tenantId, tenant.inFlight);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      tenant.inFlight -= 1;
      this.options.onInFlight?.(tenantId, tenant.inFlight);
      const next = tenant.waiting.shift();
      if (next !== undefined) {
        clearTimeout(next.timer);
        next.grant();
      } else {
        this.forgetIfIdle(tenantId, tenant);
      }
    };
  }

  private tenant(tenantId: string): TenantSlots {
    let tenant = this.tenants.get(tenantId);
    if (tenant === undefined) {
      tenant = { inFlight: 0, waiting: [] };
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  private forgetIfIdle(tenantId: string, tenant: TenantSlots): void {
    if (tenant.inFlight === 0 && tenant.waiting.length === 0 && this.tenants.get(tenantId) === tenant) this.tenants.delete(tenantId);
  }
}
