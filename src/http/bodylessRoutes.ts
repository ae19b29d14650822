/**
 * Only /graphql reads a request body. Anywhere else (/health, /ready, /metrics, the admin page, an unknown path) a
 * request that declares one is refused with 413 before any route runs, and what it sends is discarded within the
 * same bounds as a refusal at /graphql: otherwise Node reads a refused or ignored body to its end to keep the
 * connection alive, however long it is (a 1 GB body to /health was read whole).
 */
import type { RequestHandler } from 'express';
import type { Logger } from '../logger';
import { type DiscardBounds, refuseUnread } from './refuseUnread';

export function bodyOnlyAt(path: string, bounds: DiscardBounds, logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (!declaresBody(req.headers) || req.path === path || req.path.startsWith(`${path}/`)) return next();
    refuseUnread(req, res, { status: 413, code: 'PAYLOAD_TOO_LARGE', message: `Only ${path} accepts a request body` }, bounds, (outcome, discardedBytes) =>
      logger.debug({ path: req.path, outcome, discardedBytes }, 'Closed the connection of a request with a body outside /graphql'),
    );
  };
}

/** A body follows the headers when they say how long it is (and it is not empty) or that it is chunked. */
function declaresBody(headers: { 'content-length'?: string | undefined; 'transfer-encoding'?: string | undefined }): boolean {
  const length = headers['content-length'];
  if (length !== undefined && length.trim() !== '0') return true;
  return headers['transfer-encoding'] !== undefined;
}
