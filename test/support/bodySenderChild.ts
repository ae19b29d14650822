/**
 * Clients that POST large bodies, in a process of their own as a real client would be: in the test's process,
 * the client would read the answer on the server's own event loop, and could not miss it. Forked by bodySender.ts
 * with env BODY_SENDER = { url, bytes, headers }; obeys its parent's messages:
 *   { type: 'sequence', count } → POSTs one after another, answers { type: 'sequence', results };
 *   { type: 'start', clients }  → that many clients POST in a loop until { type: 'stop' }, answered by
 *                                 { type: 'stopped', outcomes } (status or error code → how many).
 */
interface Settings {
  url: string;
  bytes: number;
  headers: Record<string, string>;
}

export interface SentResult {
  /** The status, or the error's code when no answer was read. */
  outcome: string;
  ms: number;
  connection: string | null;
  code: string | null;
}

const settings = JSON.parse(process.env.BODY_SENDER ?? '{}') as Settings;
const body = Buffer.alloc(settings.bytes, '{');
/** Per client: a bound on the loop whatever the parent says. */
const MAX_REQUESTS_PER_CLIENT = 10_000;

async function post(): Promise<SentResult> {
  const started = performance.now();
  try {
    const response = await fetch(settings.url, { method: 'POST', headers: { 'content-type': 'application/json', ...settings.headers }, body, signal: AbortSignal.timeout(20_000) });
    const text = await response.text();
    let code: string | null = null;
    try {
      code = String((JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code ?? null);
    } catch {
      code = 'not JSON';
    }
    return { outcome: String(response.status), ms: performance.now() - started, connection: response.headers.get('connection'), code };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { outcome: cause?.code ?? (error as Error).message, ms: performance.now() - started, connection: null, code: null };
  }
}

async function sequence(count: number): Promise<SentResult[]> {
  // One request to warm up this process's HTTP client: the first one pays for loading it.
  await fetch(settings.url.replace('/graphql', '/health')).then((response) => response.arrayBuffer());
  const results: SentResult[] = [];
  for (let i = 0; i < count; i++) results.push(await post());
  return results;
}

let stopping = false;
let running: Promise<Record<string, number>> | undefined;

async function loop(clients: number): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < MAX_REQUESTS_PER_CLIENT && !stopping; i++) {
        const { outcome } = await post();
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
    }),
  );
  return outcomes;
}

process.on('message', (message: { type?: string; count?: number; clients?: number }) => {
  if (message.type === 'sequence') {
    void sequence(message.count ?? 1).then((results) => process.send?.({ type: 'sequence', results }));
  } else if (message.type === 'start') {
    stopping = false;
    running = loop(message.clients ?? 1);
    process.send?.({ type: 'started' });
  } else if (message.type === 'stop') {
    stopping = true;
    void (running ?? Promise.resolve({})).then((outcomes) => process.send?.({ type: 'stopped', outcomes }));
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
