import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { operationsRouter, Readiness } from '../../src/observability/health';
import { Metrics } from '../../src/observability/metrics';

interface Answer {
  status: number;
  body: string;
  headers: Headers;
}

describe('operationsRouter', () => {
  let server: http.Server;
  let base: string;
  let readiness: Readiness;
  let ping: () => Promise<void>;
  let metrics: Metrics;

  beforeAll(async () => {
    readiness = new Readiness();
    metrics = new Metrics({ tenantLabels: false });
    const app = express();
    app.use(operationsRouter({ readiness, metrics, pingStore: () => ping(), pingTimeoutMs: 200 }));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  });

  beforeEach(() => {
    readiness.state = 'starting';
    ping = () => Promise.resolve();
  });

  async function get(path: string): Promise<Answer> {
    const response = await fetch(base + path);
    const answer = { status: response.status, body: await response.text(), headers: response.headers };
    expect(answer.headers.get('cache-control')).toBe('no-store');
    return answer;
  }

  it('answers liveness in every state', async () => {
    for (const mark of [() => undefined, () => readiness.markReady(), () => readiness.markDraining()]) {
      mark();
      const answer = await get('/health');
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ status: 'ok' });
    }
  });

  it('is not ready while starting', async () => {
    ping = jest.fn(() => Promise.resolve());
    const answer = await get('/ready');
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ status: 'starting' });
    expect(ping).not.toHaveBeenCalled();
  });

  it('is ready once marked and the store answers', async () => {
    readiness.markReady();
    const answer = await get('/ready');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: 'ready' });
  });

  it('is not ready while draining', async () => {
    readiness.markReady();
    readiness.markDraining();
    const answer = await get('/ready');
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ status: 'draining' });
  });

  it('gives up on a store ping that hangs', async () => {
    readiness.markReady();
    ping = () => new Promise<void>(() => undefined);
    const started = Date.now();
    const answer = await get('/ready');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ status: 'store_unreachable' });
  });

  it.each([
    ['rejects', () => Promise.reject(new Error('connect ECONNREFUSED postgres://user:pw@db:5432/subgraph'))],
    [
      'throws synchronously',
      () => {
        throw new Error('bad url postgres://user:pw@db:5432/subgraph');
      },
    ],
  ])('hides the error when the store ping %s', async (_how, failingPing) => {
    readiness.markReady();
    ping = failingPing;
    const answer = await get('/ready');
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ status: 'store_unreachable' });
    expect(answer.body).not.toContain('postgres://user:pw@');
  });

  it('serves Prometheus metrics', async () => {
    metrics.budgetRefusal();
    const answer = await get('/metrics');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe(metrics.contentType);
    expect(answer.body).toContain('salesforce_budget_refusals_total 1');
  });
});
