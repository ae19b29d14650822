/**
 * Refusing a request whose body is still arriving (no credentials, a body over its limit) so that the client gets
 * the answer. Closing the connection at once loses it: the kernel answers a close with unread bytes still queued by
 * a reset, and a reset makes the client drop the answer it had received but not yet read (Node's `fetch` reports
 * "fetch failed" instead of the 401). So the answer is sent whole, with `Connection: close`, and what the client
 * goes on sending is read and dropped — never parsed nor kept — until its body ends (the answer is then completed
 * and the connection closed, never reused), or at most `maxBytes` or `maxMs` after the refusal, when the
 * connection is cut. Most clients (curl, Node's `fetch`) read the answer while they send and hang up within a few
 * ms; one that reads only once it has sent everything needs its whole body read, hence the bounds.
 */
import type { Request, Response } from 'express';
import { graphQLErrorJson, type HttpRefusalCode } from './graphqlErrorResponse';

/** How much of a refused body is read and dropped, at most, before the connection is cut. */
export interface DiscardBounds {
  maxBytes: number;
  maxMs: number;
}

/** Why the refusal's connection closed: the client's body ended (or it went away), or a bound was reached. */
export type DiscardOutcome = 'ended' | 'client_closed' | 'max_bytes' | 'max_ms';

export interface Refusal {
  status: number;
  code: HttpRefusalCode;
  message: string;
}

export type OnDiscardClosed = (outcome: DiscardOutcome, discardedBytes: number) => void;

/** Sends `refusal` at once, then discards the rest of the body within `bounds`; `onClosed` hears how it ended. */
export function refuseUnread(req: Request, res: Response, refusal: Refusal, bounds: DiscardBounds, onClosed: OnDiscardClosed): void {
  if (res.headersSent) return;
  const body = graphQLErrorJson(refusal.code, refusal.message);
  res.status(refusal.status).type('application/json').set({ 'Cache-Control': 'no-store', Connection: 'close', 'Content-Length': String(Buffer.byteLength(body)) });
  // The whole answer goes out now; `end` (which closes the connection) waits until the body is off the wire.
  res.write(body);
  discardThenClose(req, res, bounds, onClosed);
}

/** Reads and drops the body until it ends (then ends the answer), the client leaves, or a bound is reached (cut). */
function discardThenClose(req: Request, res: Response, bounds: DiscardBounds, onClosed: OnDiscardClosed): void {
  if (req.readableEnded) {
    res.end();
    onClosed('ended', 0);
    return;
  }
  let discarded = 0;
  let settled = false;
  const settle = (outcome: DiscardOutcome) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    req.off('data', count);
    if (outcome === 'ended') res.end();
    else if (outcome !== 'client_closed') res.destroy();
    onClosed(outcome, discarded);
  };
  const count = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > bounds.maxBytes) settle('max_bytes');
  };
  const timer = setTimeout(() => settle('max_ms'), bounds.maxMs);
  req.on('data', count);
  req.once('end', () => settle('ended'));
  res.once('close', () => settle('client_closed'));
  req.resume();
}
