/**
 * Operational endpoints for orchestrators and scrapers: liveness, readiness and Prometheus metrics.
 */
import { type Response, Router } from 'express';
import type { Metrics } from './metrics';
import { withTimeout } from '../timeout';

export type Lifecycle = 'starting' | 'ready' | 'draining';

/** Where the process is in its life; /ready answers from it. */
export class Readiness {
  state: Lifecycle = 'starting';

  markReady(): void {
    this.state = 'ready';
  }

  markDraining(): void {
    this.state = 'draining';
  }
}

export interface OperationsDeps {
  readiness: Readiness;
  /** Resolves when the connection store answers. */
  pingStore: () => Promise<void>;
  metrics: Metrics;
  pingTimeoutMs?: number;
}

const DEFAULT_PING_TIMEOUT_MS = 2000;

export function operationsRouter(deps: OperationsDeps): Router {
  const pingTimeoutMs = deps.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  const router = Router();

  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.get('/health', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });

  router.get('/ready', async (_req, res) => {
    const { state } = deps.readiness;
    if (state !== 'ready') return status(res, 503, state);
    // The error is deliberately dropped: its text may carry a connection string.
    const reachable = await withTimeout(deps.pingStore, pingTimeoutMs).then(
      () => true,
      () => false,
    );
    // Draining may have begun while the ping was in flight.
    if (deps.readiness.state !== 'ready') return status(res, 503, deps.readiness.state);
    status(res, reachable ? 200 : 503, reachable ? 'ready' : 'store_unreachable');
  });

  router.get('/metrics', async (_req, res) => {
    const body = await deps.metrics.render();
    res.status(200).type(deps.metrics.contentType).send(body);
  });

  return router;
}

function status(res: Response, code: number, value: string): void {
  res.status(code).json({ status: value });
}

