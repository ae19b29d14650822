/**
 * `npm run demo` as a newcomer runs it: a child process (in its own process group, as a terminal would run it),
 * whose printed lines are enough to query the gateway, and which stops with everything it started on SIGINT
 * (Ctrl-C, sent to the whole group) or on SIGTERM sent to npm alone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { postGraphQL } from '../../demo/gateway';
import { PORT_VARIABLES } from '../../demo/ports';
import { commandLine, freePorts, isAlive, processesInGroup } from '../support/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

interface RunningDemo {
  child: ChildProcess;
  /** `Label: value` lines, by label. */
  values: Map<string, string>;
  curls: string[];
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `npm run demo` with the given ports; resolves once it has printed both curl commands. */
function startDemo(env: Record<string, string>): { demo: Promise<RunningDemo>; child: ChildProcess; output: () => string } {
  // As from a newcomer's shell: not Jest's NODE_ENV=test.
  const { NODE_ENV: _jest, ...shell } = process.env;
  const child = spawn('npm', ['run', 'demo'], { cwd: ROOT, env: { ...shell, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const demo = new Promise<RunningDemo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const onOutput = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const lines = output.split('\n');
      const curls = lines.filter((line) => line.startsWith('curl '));
      if (curls.length < 2) return;
      clearTimeout(timer);
      const values = new Map(lines.map((line) => /^([A-Z][A-Za-z ()]+): (\S+)$/.exec(line)).filter((m) => m !== null).map((m) => [m[1] as string, m[2] as string]));
      resolve({ child, values, curls, output: () => output, exited });
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  demo.catch(() => undefined);
  return { demo, child, output: () => output };
}

async function demoPortsEnv(): Promise<{ env: Record<string, string>; ports: number[] }> {
  const ports = await freePorts(4);
  const env = Object.fromEntries(Object.values(PORT_VARIABLES).map((variable, i) => [variable, String(ports[i])]));
  return { env, ports };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a printed curl command back: its URL, bearer token and body. */
function parseCurl(command: string): { url: string; token: string; body: string } {
  const match = /^curl -s (\S+) -H 'content-type: application\/json' -H 'authorization: Bearer (\S+)' --data '(.+)'$/.exec(command);
  if (match === null) throw new Error(`not a curl command the test understands: ${command}`);
  return { url: match[1] as string, token: match[2] as string, body: match[3] as string };
}

async function runCurl(command: string): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const { url, token, body } = parseCurl(command);
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

interface EnrichedPeople {
  people: Array<{ name: string; email: string | null; salesforceContact: null | { name: string; account: { name: string } | null; customFields: Array<{ name: string; value: unknown }> } }>;
}

describe('npm run demo', () => {
  let started: ReturnType<typeof startDemo> | undefined;

  afterEach(() => {
    // A failed test must not leave the demo running: end its whole group.
    const pid = started?.child.pid;
    if (pid !== undefined && processesInGroup(pid).length > 0) process.kill(-pid, 'SIGKILL');
    started = undefined;
  });

  it('prints what a newcomer needs, serves enriched people, and stops with every process on Ctrl-C (SIGINT to the group), exit 0', async () => {
    const { env, ports } = await demoPortsEnv();
    started = startDemo(env);
    const demo = await started.demo;
    const pgid = demo.child.pid as number;

    const gateway = demo.values.get('Gateway');
    expect(gateway).toBe(`http://127.0.0.1:${ports[0]}/`);
    expect(demo.values.get('Admin page')).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${ports[1]}/admin/salesforce#token=ey`));
    for (const label of ['Admin token (demo)', 'Member token (demo)', 'Admin token (acme)', 'Consumer Key', 'Consumer Secret']) {
      expect(demo.values.get(label)).toEqual(expect.any(String));
    }
    expect(demo.values.get('Instance URL')).toBe(`http://127.0.0.1:${ports[3]}`);

    const member = demo.values.get('Member token (demo)') as string;
    const people = await postGraphQL<EnrichedPeople>(gateway as string, '{ people(first: 12) { name email salesforceContact { name account { name } customFields { name value } } } }', {
      token: member,
    });
    expect(people.errors).toBeUndefined();
    const found = people.data?.people ?? [];
    expect(found).toHaveLength(12);
    const enriched = found.filter((person) => person.salesforceContact !== null);
    expect(enriched.length).toBeGreaterThanOrEqual(8);
    expect(found.some((person) => person.salesforceContact === null)).toBe(true);
    expect(enriched[0]?.salesforceContact).toMatchObject({ account: { name: expect.any(String) }, customFields: [{ name: 'Genfin_Tier__c', value: expect.any(String) }] });

    // The printed commands work as printed.
    const [peopleCurl, statusCurl] = demo.curls as [string, string];
    expect(parseCurl(peopleCurl).token).toBe(member);
    expect(((await runCurl(peopleCurl)).data?.people as unknown[]).length).toBe(5);
    expect((await runCurl(statusCurl)).data?.salesforceConnection).toMatchObject({ status: 'CONNECTED', apiUsage: { max: 15000 } });
    expect((await fetch((demo.values.get('Admin page') as string).split('#')[0] as string)).status).toBe(200);

    // npm and the demo's own node process (and esbuild's service, which tsx may start), but no tsx CLI between them:
    // that runner SIGKILLs a child whose event loop is busy for 60 ms when a signal arrives, and exits 130.
    const processes = processesInGroup(pgid);
    expect(processes.length).toBeGreaterThanOrEqual(2);
    expect(processes.map(commandLine).filter((command) => /tsx[\\/]dist[\\/]cli|\.bin[\\/]tsx/.test(command))).toEqual([]);
    process.kill(-pgid, 'SIGINT');
    const exit = await withTimeout(demo.exited, STOP_TIMEOUT_MS, 'stopping the demo');
    expect(exit).toEqual({ code: 0, signal: null });
    await withTimeout((async () => { while (processesInGroup(pgid).length > 0) await new Promise((r) => setTimeout(r, 50)); })(), 5_000, 'the group emptying');
    expect(processes.filter(isAlive)).toEqual([]);
    expect(demo.output()).toContain('Demo stopped.');
    for (const port of ports) expect(await portIsFree(port)).toBe(true);
  }, START_TIMEOUT_MS + STOP_TIMEOUT_MS + 10_000);

  it('stops every process on SIGTERM sent to npm alone, exit 0', async () => {
    const { env } = await demoPortsEnv();
    started = startDemo(env);
    const demo = await started.demo;
    const pgid = demo.child.pid as number;
    const processes = processesInGroup(pgid);
    demo.child.kill('SIGTERM');
    expect(await withTimeout(demo.exited, STOP_TIMEOUT_MS, 'stopping the demo')).toEqual({ code: 0, signal: null });
    await withTimeout((async () => { while (processes.some(isAlive)) await new Promise((r) => setTimeout(r, 50)); })(), 5_000, 'every process exiting');
    expect(processesInGroup(pgid)).toEqual([]);
  }, START_TIMEOUT_MS + STOP_TIMEOUT_MS + 10_000);

  it('names the variable of a port in use, starts nothing and exits non-zero', async () => {
    const { env } = await demoPortsEnv();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(Number(env.DEMO_GATEWAY_PORT), '127.0.0.1', resolve));
    try {
      started = startDemo(env);
      await expect(started.demo).rejects.toThrow(/exited/);
      const output = started.output();
      expect(output).toContain(`Port ${env.DEMO_GATEWAY_PORT} (DEMO_GATEWAY_PORT, the gateway) is already in use.`);
      expect(output).not.toContain('Gateway:');
      expect(processesInGroup(started.child.pid as number)).toEqual([]);
      expect(started.child.exitCode).not.toBe(0);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, START_TIMEOUT_MS);
});
