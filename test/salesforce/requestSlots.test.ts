/** The per-tenant bound on Salesforce requests in flight: a slot per request, waiters in order, never past a deadline. */
import { RequestSlots } from '../../src/salesforce/requestSlots';
import { failureOf } from '../support/promises';

describe('RequestSlots', () => {
  it('grants up to the bound at once and queues the rest in arrival order', async () => {
    const slots = new RequestSlots({ perTenant: 2 });
    const first = await slots.acquire('t1');
    const second = await slots.acquire('t1');
    const order: string[] = [];
    const third = slots.acquire('t1').then((release) => (order.push('third'), release));
    const fourth = slots.acquire('t1').then((release) => (order.push('fourth'), release));
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(slots.inFlight('t1')).toBe(2);

    first();
    (await third)();
    second();
    (await fourth)();
    expect(order).toEqual(['third', 'fourth']);
    expect(slots.inFlight('t1')).toBe(0);
  });

  it('keeps tenants apart: a busy tenant does not hold another', async () => {
    const slots = new RequestSlots({ perTenant: 1 });
    const busy = await slots.acquire('t1');
    const other = await slots.acquire('t2');
    expect(slots.inFlight('t1')).toBe(1);
    expect(slots.inFlight('t2')).toBe(1);
    busy();
    other();
  });

  it('gives a slot back once however often release is called', async () => {
    const slots = new RequestSlots({ perTenant: 1 });
    const release = await slots.acquire('t1');
    const waiting = slots.acquire('t1');
    release();
    release();
    const next = await waiting;
    expect(slots.inFlight('t1')).toBe(1);
    next();
    expect(slots.inFlight('t1')).toBe(0);
  });

  it('fails a waiter as unavailable when its deadline passes, and it never takes a slot afterwards', async () => {
    const slots = new RequestSlots({ perTenant: 1 });
    const held = await slots.acquire('t1');
    const error = await failureOf(slots.acquire('t1', Date.now() + 20));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/deadline/);
    held();
    expect(slots.inFlight('t1')).toBe(0);
  });

  it('releases the slot when the call fails', async () => {
    const slots = new RequestSlots({ perTenant: 1 });
    await expect(slots.run('t1', undefined, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(slots.inFlight('t1')).toBe(0);
  });

  it('reports the in-flight count on every change', async () => {
    const seen: number[] = [];
    const slots = new RequestSlots({ perTenant: 3, onInFlight: (_tenant, n) => seen.push(n) });
    await Promise.all([1, 2, 3].map(() => slots.run('t1', undefined, () => new Promise((resolve) => setTimeout(resolve, 5)))));
    expect(Math.max(...seen)).toBe(3);
    expect(seen.at(-1)).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a bound of %p', (perTenant) => {
    expect(() => new RequestSlots({ perTenant })).toThrow(/expected perTenant to be a positive integer/);
  });
});
