/**
 * Per-tenant circuit breakers. When a tenant's org keeps failing (network, timeouts, 5xx, unreadable answers),
 * its calls fail fast for a cool-down instead of each waiting out timeouts and retries; then a single probe is let
 * through, and its outcome closes or re-opens the circuit. Tenants never share a breaker, so one broken org
 * cannot slow another.
 */
import { LRUCache } from 'lru-cache';
import { SalesforceError } from './errors';

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
  state: CircuitState;
  failures: number;
  openedAt: number;
  probeOut: boolean;
  /** Bumped on every state change; admissions carry the epoch they were granted in. */
  epoch: number;
}

interface Ticket {
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

  guardFor(tenantId: string): CallGuard {
    let ticket: Ticket | undefined;
    const report = (outcome: (ticket: Ticket) => void): void => {
      if (ticket !== undefined) outcome(ticket);
      ticket = undefined;
    };
    return {
      admit: () => {
        ticket = this.admit(tenantId);
      },
      succeeded: () => report((t) => this.succeeded(tenantId, t)),
      failed: (error) => {
        // The breaker's own refusal says nothing about the org: it must neither count nor answer the probe.
        if (isCircuitRefusal(error)) return;
        if (error instanceof SalesforceError && error.kind === 'unavailable') report((t) => this.failed(tenantId, t));
        else report((t) => this.released(tenantId, t));
      },
    };
  }

  /** Forget a tenant's history (its connection changed). */
  reset(tenantId: string): void {
    const circuit = this.circuits.get(tenantId);
    if (circuit !== undefined && circuit.state !== 'closed') this.setState(tenantId, circuit, 'closed');
    this.circuits.delete(tenantId);
  }

  private admit(tenantId: string): Ticket {
    const circuit = this.circuits.get(tenantId);
    if (circuit === undefined || circuit.state === 'closed') return { epoch: circuit?.epoch ?? 0, probe: false };
    if (circuit.state === 'open' && this.now() - circuit.openedAt >= this.options.cooldownMs) {
      this.setState(tenantId, circuit, 'half_open');
    }
    if (circuit.state === 'half_open' && !circuit.probeOut) {
      circuit.probeOut = true;
      return { epoch: circuit.epoch, probe: true };
    }
    throw new SalesforceError('unavailable', CIRCUIT_OPEN_MESSAGE, { errorCode: CIRCUIT_OPEN_CODE });
  }

  private succeeded(tenantId: string, ticket: Ticket): void {
    const circuit = this.circuits.get(tenantId);
    if (circuit === undefined || circuit.epoch !== ticket.epoch) return;
    circuit.failures = 0;
    circuit.probeOut = false;
    if (circuit.state !== 'closed') this.setState(tenantId, circuit, 'closed');
  }

  private failed(tenantId: string, ticket: Ticket): void {
    const circuit = this.circuit(tenantId);
    if (circuit.epoch !== ticket.epoch) return;
    circuit.failures += 1;
    circuit.probeOut = false;
    if (circuit.state === 'half_open' || circuit.failures >= this.options.threshold) {
      circuit.openedAt = this.now();
      if (circuit.state !== 'open') this.setState(tenantId, circuit, 'open');
    }
  }

  /** A call that got an answer which says nothing about health: a probe is back, count unchanged. */
  private released(tenantId: string, ticket: Ticket): void {
    if (ticket.probe) this.succeeded(tenantId, ticket);
  }

  private circuit(tenantId: string): Circuit {
    let circuit = this.circuits.get(tenantId);
    if (circuit === undefined) {
      circuit = { state: 'closed', failures: 0, openedAt: 0, probeOut: false, epoch: 0 };
      this.circuits.set(tenantId, circuit);
    }
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
