/**
 * A small OTLP/HTTP trace receiver for tests: accepts POST /v1/traces in either encoding (http/json is decoded into
 * spans; http/protobuf is kept as bytes), answers 200 as a collector does, and keeps every byte received so a test
 * can check what left the process.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type AttributeValue = string | number | boolean | string[] | number[] | boolean[];

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** 1 internal, 2 server, 3 client. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttributeValue>;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  links: Array<{ traceId: string; spanId: string }>;
  resource: Record<string, AttributeValue>;
}

export interface Export {
  contentType: string;
  body: Buffer;
  headers: http.IncomingHttpHeaders;
}

export interface OtlpReceiver {
  /** The endpoint to give as OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  endpoint: string;
  exports: Export[];
  /** Every span received as JSON so far. */
  spans(): ReceivedSpan[];
  /** Everything received, all requests' bodies together. */
  allBytes(): Buffer;
  /** How many body bytes arrived in all (counted even when bodies are not kept). */
  receivedBytes(): number;
  /** Resolves once `predicate(spans())` holds, polling; rejects after `timeoutMs` with what arrived. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1, on `port` when given (rejects if it is taken), else on a free one. With `keepBodies: false`
 * (a long bench) each export is counted and its body dropped.
 */
export async function startOtlpReceiver(options: { port?: number; keepBodies?: boolean } = {}): Promise<OtlpReceiver> {
  const exports: Export[] = [];
  let receivedBytes = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length;
      if (options.keepBodies !== false) chunks.push(chunk);
    });
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        exports.push({ contentType: String(req.headers['content-type'] ?? ''), body: Buffer.concat(chunks), headers: req.headers });
      }
      const json = String(req.headers['content-type'] ?? '').includes('json');
      res.writeHead(req.url === '/v1/traces' ? 200 : 404, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const spans = (): ReceivedSpan[] => exports.filter((e) => e.contentType.includes('json')).flatMap((e) => decodeJson(e.body));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exports,
    spans,
    allBytes: () => Buffer.concat(exports.map((e) => e.body)),
    receivedBytes: () => receivedBytes,
    async waitFor(predicate, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const now = spans();
        if (predicate(now)) return now;
        if (Date.now() > until) throw new Error(`spans awaited did not arrive within ${timeoutMs} ms; got: ${now.map((s) => s.name).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface JsonAttribute {
  key: string;
  value: JsonValue;
}
interface JsonValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: JsonValue[] };
}

function valueOf(value: JsonValue): AttributeValue {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  return (value.arrayValue?.values ?? []).map(valueOf) as AttributeValue;
}

function attributesOf(list: JsonAttribute[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));
}

function decodeJson(body: Buffer): ReceivedSpan[] {
  const request = JSON.parse(body.toString('utf8')) as {
    resourceSpans?: Array<{
      resource?: { attributes?: JsonAttribute[] };
      scopeSpans?: Array<{
        spans?: Array<{
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          kind: number;
          startTimeUnixNano: string | number;
          endTimeUnixNano: string | number;
          attributes?: JsonAttribute[];
          status?: { code?: number; message?: string };
          links?: Array<{ traceId: string; spanId: string }>;
        }>;
      }>;
    }>;
  };
  return (request.resourceSpans ?? []).flatMap((rs) => {
    const resource = attributesOf(rs.resource?.attributes);
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId === undefined || span.parentSpanId === '' ? undefined : span.parentSpanId,
        name: span.name,
        kind: span.kind,
        startNs: BigInt(span.startTimeUnixNano),
        endNs: BigInt(span.endTimeUnixNano),
        attributes: attributesOf(span.attributes),
        status: { code: span.status?.code ?? 0, ...(span.status?.message !== undefined ? { message: span.status.message } : {}) },
        links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
        resource,
      })),
    );
  });
}

/** The spans of one trace as an indented tree (name and chosen attributes), children in start order. */
export function renderTree(spans: ReceivedSpan[], show: (span: ReceivedSpan) => string = () => ''): string {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | undefined, ReceivedSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanId !== undefined && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number): void => {
    const list = (children.get(parent) ?? []).sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
    for (const span of list) {
      const ms = Number(span.endNs - span.startNs) / 1e6;
      lines.push(`${'  '.repeat(depth)}${span.name} (${ms.toFixed(1)} ms)${show(span) === '' ? '' : ` ${show(span)}`}`);
      walk(span.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}
