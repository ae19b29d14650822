/**
 * Per-tenant circuit breakers: consecutive 'unavailable' failures open a tenant's circuit, an open circuit refuses
 * at once, and after the cool-down a single probe decides whether it closes or opens again.
 */
import { type CircuitBreakerOptions, type CircuitState, CircuitBreakers, isCircuitRefusal } from '../../src/salesforce/circuitBreaker';
import { connectionChangedError, SalesforceError, type SalesforceFailureKind } from '../../src/salesforce/errors';

const THRESHOLD = 3;
const COOLDOWN_MS = 1_000;
/** The connection (credentials id) the calls are made under; a reconnect brings another. */
const CREDENTIALS = 'credentials-1';
const NEW_CREDENTIALS = 'credentials-2';

function unavailable(): SalesforceError {
  return new SalesforceError('unavailable', 'Salesforce answered 503');
}

/** Breakers on a clock the test moves, recording every state change. */
function setup(overrides: Partial<CircuitBreakerOptions> = {}) {
  let time = 1_000_000;
  const changes: Array<[string, CircuitState]> = [];
  const breakers = new CircuitBreakers({
    threshold: THRESHOLD,
    cooldownMs: COOLDOWN_MS,
    maxTenants: 100,
    onStateChange: (tenantId, state) => changes.push([tenantId, state]),
    now: () => time,
    ...overrides,
  });
  return {
    breakers,
    changes,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

/** What `admit()` threw, or undefined when it admitted the call. */
function refusal(admit: () => void): unknown {
  try {
    admit();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Admitted calls that each fail with `error`. */
function failCalls(breakers: CircuitBreakers, tenantId: string, count: number, error: unknown = unavailable()): void {
  const guard = breakers.guardFor(tenantId, CREDENTIALS);
  for (let i = 0; i < count; i++) {
    guard.admit();
    guard.failed(error);
  }
}

describe('CircuitBreakers', () => {
  it('starts closed and admits calls for an unknown tenant', () => {
    const { breakers, changes } = setup();
    expect(breakers.state('t1')).toBe('closed');
    expect(refusal(() => breakers.guardFor('t1', CREDENTIALS).admit())).toBeUndefined();
    expect(changes).toEqual([]);
  });

  it('stays closed below the threshold and opens at exactly `threshold` consecutive failures', () => {
    const { breakers, changes } = setup();
    failCalls(breakers, 't1', THRESHOLD - 1);
    expect(breakers.state('t1')).toBe('closed');
    const guard = breakers.guardFor('t1', CREDENTIALS);
    expect(refusal(() => guard.admit())).toBeUndefined();
    guard.failed(unavailable());
    expect(breakers.state('t1')).toBe('open');
    expect(changes).toEqual([['t1', 'open']]);
  });

  it('ignores the late success of a call admitted before the circuit opened', () => {
    const { breakers } = setup();
    const slow = breakers.guardFor('t1', CREDENTIALS);
    slow.admit();
    failCalls(breakers, 't1', THRESHOLD);
    expect(breakers.state('t1')).toBe('open');
    slow.succeeded();
    expect(breakers.state('t1')).toBe('open');
  });

  it('does not free the probe slot for an old call failing while half-open', () => {
    const { breakers, advance } = setup();
    const old = breakers.guardFor('t1', CREDENTIALS);
    failCalls(breakers, 't1', THRESHOLD - 1);
    old.admit();
    failCalls(breakers, 't1', 1);
    advance(COOLDOWN_MS);
    breakers.guardFor('t1', CREDENTIALS).admit(); // the probe
    old.failed(unavailable());
    expect(breakers.state('t1')).toBe('half_open');
    expect(isCircuitRefusal(refusal(() => breakers.guardFor('t1', CREDENTIALS).admit()))).toBe(true);
  });

  it('ignores a report from a guard that admitted nothing', () => {
    const { breakers } = setup();
    failCalls(breakers, 't1', THRESHOLD - 1);
    breakers.guardFor('t1', CREDENTIALS).failed(unavailable());
    expect(breakers.state('t1')).toBe('closed');
  });

  it('refuses with an unavailable SalesforceError that isCircuitRefusal recognises while open', () => {
    const { breakers, advance } = setup();
    failCalls(breakers, 't1', THRESHOLD);
    advance(COOLDOWN_MS - 1);
    const error = refusal(() => breakers.guardFor('t1', CREDENTIALS).admit());
    expect(error).toBeInstanceOf(SalesforceError);
    expect(error).toMatchObject({ kind: 'unavailable', errorCode: 'CIRCUIT_OPEN' });
    expect(isCircuitRefusal(error)).toBe(true);
    expect(breakers.state('t1')).toBe('open');
  });

  it.each<[string, unknown]>([
    ['an ordinary unavailable error', unavailable()],
    ['a rate_limited error', new SalesforceError('rate_limited', 'REQUEST_LIMIT_EXCEEDED')],
    ['a plain Error', new Error('boom')],
    ['a non-error value', 'CIRCUIT_OPEN'],
    ['undefined', undefined],
  ])('isCircuitRefusal is false for %s', (_name, error) => {
    expect(isCircuitRefusal(error)).toBe(false);
  });

  it('a success resets the consecutive count', () => {
    const { breakers } = setup();
    const guard = breakers.guardFor('t1', CREDENTIALS);
    failCalls(breakers, 't1', THRESHOLD - 1);
    guard.admit();
    guard.succeeded();
    failCalls(breakers, 't1', THRESHOLD - 1);
    expect(breakers.state('t1')).toBe('closed');
    failCalls(breakers, 't1', 1);
    expect(breakers.state('t1')).toBe('open');
  });

  it.each<SalesforceFailureKind>(['auth', 'rate_limited', 'rejected'])('never counts an error of kind %s as a failure', (kind) => {
    const { breakers } = setup();
    failCalls(breakers, 't1', THRESHOLD * 3, new SalesforceError(kind, `a ${kind} answer`));
    expect(breakers.state('t1')).toBe('closed');
    expect(refusal(() => breakers.guardFor('t1', CREDENTIALS).admit())).toBeUndefined();
  });

  it('does not count errors that are not SalesforceErrors', () => {
    const { breakers } = setup();
    failCalls(breakers, 't1', THRESHOLD * 2, new Error('a bug of ours'));
    expect(breakers.state('t1')).toBe('closed');
  });

  it('does not count a circuit refusal passed back to failed() while closed', () => {
    const { breakers } = setup();
    const openOne = setup();
    failCalls(openOne.breakers, 'x', THRESHOLD);
    const circuitRefusal = refusal(() => openOne.breakers.guardFor('x', CREDENTIALS).admit());
    expect(isCircuitRefusal(circuitRefusal)).toBe(true);

    const guard = breakers.guardFor('t1', CREDENTIALS);
    for (let i = 0; i < THRESHOLD * 2; i++) guard.failed(circuitRefusal);
    expect(breakers.state('t1')).toBe('closed');
  });

  it('does not count the refusals of an open circuit towards a longer cool-down', () => {
    const { breakers, advance } = setup();
    failCalls(breakers, 't1', THRESHOLD);
    const guard = breakers.guardFor('t1', CREDENTIALS);
    advance(COOLDOWN_MS / 2);
    guard.failed(refusal(() => guard.admit()));
    advance(COOLDOWN_MS / 2);
    expect(refusal(() => guard.admit())).toBeUndefined();
    expect(breakers.state('t1')).toBe('half_open');
  });

  describe('after the cool-down', () => {
    function openedAndCooled() {
      const context = setup();
      failCalls(context.breakers, 't1', THRESHOLD);
      context.advance(COOLDOWN_MS);
      context.changes.length = 0;
      return context;
    }

    it('admits exactly one probe; a concurrent second call is refused', () => {
      const { breakers, changes } = openedAndCooled();
      const guard = breakers.guardFor('t1', CREDENTIALS);
      expect(refusal(() => guard.admit())).toBeUndefined();
      expect(breakers.state('t1')).toBe('half_open');
      expect(changes).toEqual([['t1', 'half_open']]);
      const second = refusal(() => guard.admit());
      expect(isCircuitRefusal(second)).toBe(true);
      expect(second).toMatchObject({ kind: 'unavailable' });
    });

    it('closes when the probe succeeds, with the failure count reset', () => {
      const { breakers, changes } = openedAndCooled();
      const guard = breakers.guardFor('t1', CREDENTIALS);
      guard.admit();
      guard.succeeded();
      expect(breakers.state('t1')).toBe('closed');
      expect(changes).toEqual([
        ['t1', 'half_open'],
        ['t1', 'closed'],
      ]);
      expect(refusal(() => guard.admit())).toBeUndefined();
      expect(refusal(() => guard.admit())).toBeUndefined();
      failCalls(breakers, 't1', THRESHOLD - 1);
      expect(breakers.state('t1')).toBe('closed');
      failCalls(breakers, 't1', 1);
      expect(breakers.state('t1')).toBe('open');
    });

    it('reopens with a fresh cool-down when the probe fails', () => {
      const { breakers, changes, advance } = openedAndCooled();
      const guard = breakers.guardFor('t1', CREDENTIALS);
      guard.admit();
      advance(250); // the probe takes a while; the new cool-down counts from its failure
      guard.failed(unavailable());
      expect(breakers.state('t1')).toBe('open');
      expect(changes).toEqual([
        ['t1', 'half_open'],
        ['t1', 'open'],
      ]);
      advance(COOLDOWN_MS - 1);
      expect(isCircuitRefusal(refusal(() => guard.admit()))).toBe(true);
      advance(1);
      expect(refusal(() => guard.admit())).toBeUndefined();
      expect(breakers.state('t1')).toBe('half_open');
    });

    it.each<SalesforceFailureKind>(['auth', 'rate_limited', 'rejected'])('takes a probe answered by an error of kind %s as a sign of life and closes', (kind) => {
      const { breakers, changes } = openedAndCooled();
      const guard = breakers.guardFor('t1', CREDENTIALS);
      guard.admit();
      guard.failed(new SalesforceError(kind, `a ${kind} answer`));
      expect(breakers.state('t1')).toBe('closed');
      expect(changes).toEqual([
        ['t1', 'half_open'],
        ['t1', 'closed'],
      ]);
      expect(refusal(() => guard.admit())).toBeUndefined();
    });

    it('does not let a circuit refusal passed to failed() stand in for the probe', () => {
      // A caller that reports every error it saw, including the breaker's own refusal of a concurrent call,
      // must not close the circuit: the refusal says nothing about the org, and the probe is still out.
      const { breakers, changes } = openedAndCooled();
      const guard = breakers.guardFor('t1', CREDENTIALS);
      guard.admit(); // the probe
      const refused = refusal(() => guard.admit());
      expect(isCircuitRefusal(refused)).toBe(true);
      guard.failed(refused);
      expect(breakers.state('t1')).toBe('half_open');
      expect(changes).toEqual([['t1', 'half_open']]);
      expect(isCircuitRefusal(refusal(() => guard.admit()))).toBe(true);
    });
  });

  it('keeps tenants independent', () => {
    const { breakers, changes } = setup();
    failCalls(breakers, 'broken', THRESHOLD);
    failCalls(breakers, 'healthy', THRESHOLD - 1);
    expect(breakers.state('broken')).toBe('open');
    expect(breakers.state('healthy')).toBe('closed');
    expect(isCircuitRefusal(refusal(() => breakers.guardFor('broken', CREDENTIALS).admit()))).toBe(true);
    expect(refusal(() => breakers.guardFor('healthy', CREDENTIALS).admit())).toBeUndefined();
    expect(refusal(() => breakers.guardFor('never-seen', CREDENTIALS).admit())).toBeUndefined();
    expect(changes).toEqual([['broken', 'open']]);
  });

  it('reset(tenant) closes an open circuit at once and forgets its failures', () => {
    const { breakers, changes } = setup();
    failCalls(breakers, 't1', THRESHOLD);
    failCalls(breakers, 't2', THRESHOLD);
    breakers.reset('t1');
    expect(breakers.state('t1')).toBe('closed');
    expect(breakers.state('t2')).toBe('open');
    expect(refusal(() => breakers.guardFor('t1', CREDENTIALS).admit())).toBeUndefined();
    expect(changes).toEqual([
      ['t1', 'open'],
      ['t2', 'open'],
      ['t1', 'closed'],
    ]);
    failCalls(breakers, 't1', THRESHOLD - 1);
    expect(breakers.state('t1')).toBe('closed');
  });

  it('reset of a tenant it never saw changes nothing', () => {
    const { breakers, changes } = setup();
    breakers.reset('nobody');
    expect(breakers.state('nobody')).toBe('closed');
    expect(changes).toEqual([]);
  });

  it('reports the full cycle closed → open → half_open → open → half_open → closed', () => {
    const { breakers, changes, advance } = setup();
    const guard = breakers.guardFor('t1', CREDENTIALS);
    failCalls(breakers, 't1', THRESHOLD);
    advance(COOLDOWN_MS);
    guard.admit();
    guard.failed(unavailable());
    advance(COOLDOWN_MS);
    guard.admit();
    guard.succeeded();
    expect(changes.map(([, state]) => state)).toEqual(['open', 'half_open', 'open', 'half_open', 'closed']);
    expect(changes.every(([tenantId]) => tenantId === 't1')).toBe(true);
  });

  it('remembers at most `maxTenants` tenants, forgetting the least recently used', () => {
    const { breakers } = setup({ maxTenants: 2 });
    failCalls(breakers, 'a', THRESHOLD);
    failCalls(breakers, 'b', THRESHOLD);
    expect(breakers.state('a')).toBe('open'); // touches a: b is now the least recently used
    failCalls(breakers, 'c', THRESHOLD);
    expect(breakers.state('a')).toBe('open');
    expect(breakers.state('b')).toBe('closed');
    expect(breakers.state('c')).toBe('open');
    expect(refusal(() => breakers.guardFor('b', CREDENTIALS).admit())).toBeUndefined();
  });

  describe('a connection change', () => {
    it("does not let calls still running against the old org count against the new org's circuit", () => {
      const { breakers } = setup();
      const old = Array.from({ length: THRESHOLD }, () => breakers.guardFor('t1', CREDENTIALS));
      for (const guard of old) guard.admit();
      // Reconnected to another org (as the directory reports it), while those calls are still out.
      breakers.reset('t1');
      expect(refusal(() => breakers.guardFor('t1', NEW_CREDENTIALS).admit())).toBeUndefined();
      for (const guard of old) guard.failed(unavailable());
      expect(breakers.state('t1')).toBe('closed');
      expect(refusal(() => breakers.guardFor('t1', NEW_CREDENTIALS).admit())).toBeUndefined();
    });

    it("counts nothing admitted before a reset, even when the new circuit's history matches the old one's", () => {
      const { breakers } = setup({ threshold: 1 });
      const before = breakers.guardFor('t1', CREDENTIALS);
      before.admit();
      breakers.reset('t1'); // fields changed: same credentials, fresh circuit
      before.failed(unavailable());
      expect(breakers.state('t1')).toBe('closed');
    });

    it("lets a late call of other credentials neither open nor close the tenant's circuit", () => {
      const { breakers } = setup({ threshold: 1 });
      const current = breakers.guardFor('t1', NEW_CREDENTIALS);
      current.admit();
      current.failed(unavailable());
      expect(breakers.state('t1')).toBe('open');
      // A late page of an old lookup (its credentials not known to be retired here) is admitted, on its own.
      const late = breakers.guardFor('t1', CREDENTIALS);
      late.admit();
      late.succeeded();
      expect(isCircuitRefusal(refusal(() => breakers.guardFor('t1', NEW_CREDENTIALS).admit()))).toBe(true);
      const lateFailure = breakers.guardFor('t1', CREDENTIALS);
      lateFailure.admit();
      lateFailure.failed(unavailable());
      breakers.reset('t1');
      expect(refusal(() => breakers.guardFor('t1', NEW_CREDENTIALS).admit())).toBeUndefined();
    });

    it('follows the credentials the directory reads: a circuit kept for others is closed and dropped', () => {
      const { breakers, changes } = setup();
      failCalls(breakers, 't1', THRESHOLD);
      breakers.follow('t1', CREDENTIALS);
      expect(breakers.state('t1')).toBe('open'); // the same credentials: kept
      breakers.follow('t1', NEW_CREDENTIALS);
      expect(breakers.state('t1')).toBe('closed');
      expect(refusal(() => breakers.guardFor('t1', NEW_CREDENTIALS).admit())).toBeUndefined();
      expect(changes).toEqual([
        ['t1', 'open'],
        ['t1', 'closed'],
      ]);
    });

    it('does not count a call dropped because its connection changed', () => {
      const { breakers } = setup({ threshold: 1 });
      failCalls(breakers, 't1', 1, connectionChangedError());
      expect(breakers.state('t1')).toBe('closed');
    });
  });
});
