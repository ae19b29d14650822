/**
 * A tiny HTTP reverse proxy that stands in front of a Salesforce emulator as "another org's My Domain", for tests
 * that need a persistent outage or a fault on one particular request (a queryMore page) for one tenant only.
 *
 * - `mode = 'pass'` forwards every request to the target and answers what it answered; the target's origin is
 *   rewritten to the proxy's in response bodies (a token response's `instance_url`), so the client keeps talking
 *   to the proxy.
 * - `mode = 'unavailable'` answers every request itself with 503 (Salesforce maintenance) without forwarding.
 * - `failNext(pattern, reply)` answers the next request whose path matches with `reply`, once, without forwarding.
 *
 * `requests` records every request that reached the proxy, forwarded or not: it is what "calls to this org" means.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyReply {
  status: number;
  /** JSON-encoded unless a string. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  /** What the proxy answered; 0 when forwarding failed. */
  status: number;
  forwarded: boolean;
}

const MAINTENANCE: ProxyReply = {
  status: 503,
  body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'The server is temporarily unavailable for maintenance.' }],
};

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade', 'proxy-connection']);

export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  mode: 'pass' | 'unavailable' = 'pass';
  private readonly oneShots: Array<{ pattern: RegExp; reply: ProxyReply }> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly target: URL,
  ) {}

  static async start(target: string): Promise<FaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const proxy = new FaultProxy(server, `http://127.0.0.1:${port}`, new URL(target));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void proxy.handle(req, res));
    return proxy;
  }

  /** Answer the next request whose path (query string included) matches with `reply`, once. */
  failNext(pattern: RegExp, reply: ProxyReply): void {
    this.oneShots.push({ pattern, reply });
  }

  /** Forget the recorded requests (in place). */
  reset(): void {
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const path = target.split('?')[0] ?? '/';
    const body = await readAll(req).catch(() => undefined);
    if (body === undefined) return;

    const shot = this.oneShots.findIndex(({ pattern }) => pattern.test(target));
    if (shot !== -1) {
      const [{ reply }] = this.oneShots.splice(shot, 1) as [{ pattern: RegExp; reply: ProxyReply }];
      this.requests.push({ method, path, status: reply.status, forwarded: false });
      sendReply(res, reply);
      return;
    }
    if (this.mode === 'unavailable') {
      this.requests.push({ method, path, status: MAINTENANCE.status, forwarded: false });
      sendReply(res, MAINTENANCE);
      return;
    }

    const entry: ProxiedRequest = { method, path, status: 0, forwarded: true };
    this.requests.push(entry);
    try {
      const answer = await this.forward(method, target, req, body);
      entry.status = answer.status;
      const rewritten = Buffer.from(answer.body.toString('utf8').split(this.target.origin).join(this.url), 'utf8');
      res.writeHead(answer.status, { ...answer.headers, 'content-length': rewritten.length });
      res.end(rewritten);
    } catch {
      res.socket?.destroy();
    }
  }

  private forward(method: string, target: string, req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    headers.host = this.target.host;
    if (body.length > 0) headers['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        { host: this.target.hostname, port: this.target.port, method, path: target, headers, agent: false },
        (incoming) => {
          readAll(incoming).then((answer) => {
            const copied: Record<string, string | string[]> = {};
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (value !== undefined && !HOP_BY_HOP.has(name)) copied[name] = value;
            }
            resolve({ status: incoming.statusCode ?? 502, headers: copied, body: answer });
          }, reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function sendReply(res: ServerResponse, reply: ProxyReply): void {
  const payload = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const contentType = typeof reply.body === 'string' ? 'text/plain;charset=UTF-8' : 'application/json;charset=UTF-8';
  res.writeHead(reply.status, { 'content-type': contentType, ...reply.headers, 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
