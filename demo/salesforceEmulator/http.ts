/**
 * The HTTP layer: the replies the emulator sends (Salesforce's REST and OAuth error shapes included) and how it
 * writes them, and the helpers that read a raw request (body, sizes, target, form, bearer token).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';
export const OAUTH_HEADERS = { 'Cache-Control': 'no-cache,must-revalidate,max-age=0,no-store,private' };
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
export const READ_METHODS = ['HEAD', 'GET'];

// ─── Replies ─────────────────────────────────────────────────────────────────────────────────────────────────────

/** What the emulator answers; `body` is JSON-encoded unless it is a string. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  destroySocket?: boolean;
  /** Writes the body itself (after the status and headers), for answers too large to hold. */
  stream?: (res: ServerResponse) => void;
}

export function restError(status: number, errorCode: string, message: string): Reply {
  return { status, body: [{ message, errorCode }] };
}

export function notFound(): Reply {
  return { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
}

export function invalidSession(): Reply {
  return {
    status: 401,
    headers: { 'WWW-Authenticate': 'Token' },
    body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
  };
}

export function methodNotAllowed(method: string, allowed: string[]): Reply {
  return {
    status: 405,
    headers: { Allow: allowed.join(', ') },
    body: [{ errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(',')}` }],
  };
}

export function oauthError(error: string, description: string): Reply {
  return { status: 400, headers: OAUTH_HEADERS, body: { error, error_description: description } };
}

function oversizedRequest(status: 414 | 431): Reply {
  const title = status === 414 ? 'Request-URI Too Long' : 'Request Header Fields Too Large';
  return {
    status,
    headers: { 'Content-Type': 'text/html;charset=UTF-8', Connection: 'close' },
    body: `<html><head><title>${status} ${title}</title></head><body><h1>${status} ${title}</h1></body></html>`,
  };
}

function encodeBody(reply: Reply): { payload: string; contentType?: string } {
  if (reply.body === undefined) return { payload: '' };
  if (typeof reply.body === 'string') return { payload: reply.body, contentType: 'text/plain;charset=UTF-8' };
  return { payload: JSON.stringify(reply.body), contentType: JSON_CONTENT_TYPE };
}

export function send(res: ServerResponse, reply: Reply): void {
  if (reply.destroySocket) {
    res.socket?.destroy();
    return;
  }
  if (reply.stream) {
    res.writeHead(reply.status, { 'Content-Type': JSON_CONTENT_TYPE, ...reply.headers });
    reply.stream(res);
    return;
  }
  const { payload, contentType } = encodeBody(reply);
  const headers: Record<string, string | number> = {
    ...(contentType ? { 'Content-Type': contentType } : {}),
    ...reply.headers,
    'Content-Length': Buffer.byteLength(payload),
  };
  res.writeHead(reply.status, headers);
  res.end(payload);
}

// ─── Raw request helpers ─────────────────────────────────────────────────────────────────────────────────────────

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Byte sizes as they were on the wire: Node hands the target and header lines over as latin1 strings. */
function measureRequest(req: IncomingMessage): { targetBytes: number; headerBytes: number } {
  let headerBytes = 0;
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    const value = req.rawHeaders[i + 1] ?? '';
    headerBytes += Buffer.byteLength(`${name}: ${value}\r\n`, 'latin1');
  }
  return { targetBytes: Buffer.byteLength(req.url ?? '', 'latin1'), headerBytes };
}

/** Salesforce caps URI + headers together; blame the headers only when they alone break the cap. */
export function sizeLimitReply(req: IncomingMessage, maxBytes: number): Reply | undefined {
  const { targetBytes, headerBytes } = measureRequest(req);
  if (targetBytes + headerBytes <= maxBytes) return undefined;
  return oversizedRequest(headerBytes > maxBytes ? 431 : 414);
}

export function parseTarget(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://emulator.invalid');
  } catch {
    return new URL('http://emulator.invalid/');
  }
}

function mediaType(headers: IncomingHttpHeaders): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function readForm(headers: IncomingHttpHeaders, body: Buffer): URLSearchParams | undefined {
  if (mediaType(headers) !== FORM_CONTENT_TYPE) return undefined;
  return new URLSearchParams(body.toString('utf8'));
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}
