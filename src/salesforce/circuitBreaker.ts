/**
 * Per-tenant circuit breakers. When a tenant's org keeps failing (network, timeouts, 5xx, unreadable answers),
 * its calls fail fast for a cool-down instead of each waiting out timeouts and retries; then a single probe is let
 * through, and its outcome closes or re-opens the circuit. Tenants never share a breaker, so one broken org
 * cannot slow another.
 *
 * A tenant's circuit belongs to the connection (credentials) it was kept for, which only `follow` (the directory's
 * reads) and `reset` change, and a call's outcome counts only for the very circuit that admitted it: after a
 * reconnect, calls still running against the old org can neither open nor close the new one's circuit, and after
 * a reset nothing admitted before it counts.
 */
import { LRUCache } from 'lru-cache';
import { isConnectionChanged, SalesforceError } from './errors';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  threshold: number;
  cooldownMs: number;
  maxTenants: number;
  /** Told whenever a tenant's state changes (metrics). */
  onStateChange?: (tenantId: string, state: CircuitState) => void;
  now?: () => number;
}

/**
 * Admission for one tenant's calls, one call at a time: ask before, report after. A report counts only for the
 * state the call was admitted under, so a slow call admitted while closed cannot close a circuit that opened in
 * the meantime, and an old failure cannot free the half-open probe slot.
 */
export interface CallGuard {
  /** Throws SalesforceError('unavailable') while the circuit is open (or its one probe is out). */
  admit(): void;
  succeeded(): void;
  /** Only failures that say the org is unhealthy count; a refusal (auth, 4xx, quota) is an answer. */
  failed(error: unknown): void;
}

interface Circuit {
  /** The credentials whose calls this circuit counts. */
  credentialsId: string;
  state: CircuitState;
  failures: number;
  openedAt: number;
  probeOut: boolean;
  /** Bumped on every state change; admissions carry the epoch they were granted in. */
  epoch: number;
}

interface Ticket {
  /** The circuit that admitted the call: a report to any other (replaced, reset, evicted) is not counted. */
  circuit: Circuit;
  epoch: number;
  probe: boolean;
}

export class CircuitBreakers {
  private readonly circuits: LRUCache<string, Circuit>;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.circuits = new LRUCache({
      max: options.maxTenants,
      // An evicted open circuit is forgotten, which is as good as closed: say so, or the gauge stays open.
      dispose: (circuit, tenantId, reason) => {
        if (reason === 'evict' && circuit.state !== 'closed') options.onStateChange?.(tenantId, 'closed');
      },
    });
    this.now = options.now ?? Date.now;
  }

  state(tenantId: string): CircuitState {
    return this.circuits.get(tenantId)?.state ?? 'closed';
  }

  /** Admission for one call of the tenant's connection with these credentials. */
  guardFor(tenantId: string, credentialsId: string): CallGuard {
    let ticket: Ticket | undefined;
    const report = (outcome: (circuit: Circuit, ticket: Ticket) => void): void => {
      if (ticket !== undefined && this.circuits.peek(tenantId) === ticket.circuit && ticket.circuit.epoch === ticket.epoch) {
        outcome(ticket.circuit, ticket);
      }
      ticket = undefined;
    };
    return {
      admit: () => {
        ticket = this.admit(tenantId, credentialsId);
      },
      succeeded: () => report((circuit) => this.succeeded(tenantId, circuit)),
      failed: (error) => {
        // The breaker's own refusal says nothing about the org: it must neither count nor answer the probe.
        if (isCircuitRefusal(error)) return;
        if (error instanceof SalesforceError && error.kind === 'unavailable' && !isConnectionChanged(error)) {
          report((circuit) => this.failed(tenantId, circuit));
        } else {
          // An answer that says nothing about health, or a call dropped because its connection is gone.
          report((circuit, t) => this.released(tenantId, circuit, t));
        }
      },
    };
  }

  /**
   * The tenant's connection uses these credentials now (as the directory read it): a circuit kept for others goes
   * (closed, if it was not), one for these stays.
   */
  follow(tenantId: string, credentialsId: string | null): void {
    const circuit = this.circuits.peek(tenantId);
    if (circuit !== undefined && circuit.credentialsId !== credentialsId) this.reset(tenantId);
  }

  /** Forget a tenant's history (its connection changed). */
  reset(tenantId: string): void {
    const circuit = this.circuits.get(tenantId);
    if (circuit !== undefined && circuit.state !== 'closed') this.setState(tenantId, circuit, 'closed');
    this.circuits.delete(tenantId);
  }

  private admit(tenantId: string, credentialsId: string): Ticket {
    const circuit = this.circuitFor(tenantId, credentialsId);
    if (circuit.state === 'closed') return { circuit, epoch: circuit.epoch, probe: false };
    if (circuit.state === 'open' && this.now() - circuit.openedAt >= this.options.cooldownMs) {
      this.setState(tenantId, circuit, 'half_open');
    }
    if (circuit.state === 'half_open' && !circuit.probeOut) {
      circuit.probeOut = true;
      return { circuit, epoch: circuit.epoch, probe: true };
    }
    throw new SalesforceError('unavailable', CIRCUIT_OPEN_MESSAGE, { errorCode: CIRCUIT_OPEN_CODE });
  }

  private succeeded(tenantId: string, circuit: Circuit): void {
    circuit.failures = 0;
    circuit.probeOut = false;
    if (circuit.state !== 'closed') this.setState(tenantId, circuit, 'closed');
  }

  private failed(tenantId: string, circuit: Circuit): void {
    circuit.failures += 1;
    circuit.probeOut = false;
    if (circuit.state === 'half_open' || circuit.failures >= this.options.threshold) {
      circuit.openedAt = this.now();
      if (circuit.state !== 'open') this.setState(tenantId, circuit, 'open');
    }
  }

  /** A call that got an answer which says nothing about health: a probe is back, count unchanged. */
  private released(tenantId: string, circuit: Circuit, ticket: Ticket): void {
    if (ticket.probe) this.succeeded(tenantId, circuit);
  }

  /**
   * The tenant's circuit, made for these credentials if the tenant has none. A call of other credentials than the
   * circuit's (a late call of a connection since replaced) is admitted on a circuit of its own, kept nowhere: what
   * it reports counts for nothing, and the tenant's circuit is left as it is.
   */
  private circuitFor(tenantId: string, credentialsId: string): Circuit {
    const existing = this.circuits.get(tenantId);
    if (existing?.credentialsId === credentialsId) return existing;
    const circuit: Circuit = { credentialsId, state: 'closed', failures: 0, openedAt: 0, probeOut: false, epoch: 0 };
    if (existing === undefined) this.circuits.set(tenantId, circuit);
    return circuit;
  }

  private setState(tenantId: string, circuit: Circuit, state: CircuitState): void {
    circuit.state = state;
    circuit.epoch += 1;
    this.options.onStateChange?.(tenantId, state);
  }
}

const CIRCUIT_OPEN_CODE = 'CIRCUIT_OPEN';
const CIRCUIT_OPEN_MESSAGE = 'Salesforce failed repeatedly for this tenant; not calling it again until the cool-down ends';

export function isCircuitRefusal(error: unknown): boolean {
  return error instanceof SalesforceError && error.errorCode === CIRCUIT_OPEN_CODE;
}
