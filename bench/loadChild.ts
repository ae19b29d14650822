/**
 * A load generator in a process of its own, so that sending 5 MB bodies does not slow the process that samples
 * /health (run.ts). Forked by scenarios/hostile.ts: env BENCH_LOAD = { url, clients, kind, headers }; loops until
 * told { type: 'stop' }, then answers { type: 'done', requests, statuses } and exits.
 */
interface LoadSettings {
  url: string;
  clients: number;
  /** 'hostile': 5 MB of '{' with the given headers; 'ordinary': a small query with them. */
  kind: 'hostile' | 'ordinary';
  headers: Record<string, string>;
}

const HOSTILE_BODY = Buffer.alloc(5 * 1024 * 1024, '{');
const ORDINARY_BODY = JSON.stringify({ query: '{ salesforceConnection { status } }' });
/** Per client: a bound on the loop whatever the parent says. */
const MAX_REQUESTS_PER_CLIENT = 20_000;

async function send(settings: LoadSettings): Promise<number | null> {
  try {
    const response = await fetch(settings.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...settings.headers },
      body: settings.kind === 'hostile' ? HOSTILE_BODY : ORDINARY_BODY,
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.BENCH_LOAD ?? '{}') as LoadSettings;
  let stopping = false;
  let requests = 0;
  const statuses: Record<string, number> = {};
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stop') stopping = true;
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'started' });
  await Promise.all(
    Array.from({ length: settings.clients }, async () => {
      for (let i = 0; i < MAX_REQUESTS_PER_CLIENT && !stopping; i++) {
        const status = await send(settings);
        requests += 1;
        statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
      }
    }),
  );
  process.send?.({ type: 'done', requests, statuses }, () => process.exit(0));
}

void main();
