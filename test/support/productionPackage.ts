/**
 * This service laid out as a production deployment holds it, built once for a test run:
 *   - dist/, compiled by tsc from tsconfig.build.json (what `npm run build` compiles; its codegen step is left out,
 *     since the generated file is committed and regenerating it would write into src/);
 *   - the other files package.json's "files" lists (schema.graphql, admin-ui/), and package.json itself;
 *   - a node_modules holding only what `npm ci --omit=dev` installs: package-lock.json's top-level packages not
 *     marked dev, each linked from this checkout's node_modules.
 * A process started from it (`node dist/index.js`) fails as a deployment would when the built code reaches for
 * anything else: a devDependency (tsx, typescript), a file under src/, an asset "files" does not ship. One limit:
 * a linked package resolves its own dependencies from its real place, so only this project's requires are held to
 * the production set (a production package's dependencies are production by definition).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const BUILD_TIMEOUT_MS = 180_000;

export interface ProductionPackage {
  /** The deployment's root: run `node dist/index.js` from here. */
  dir: string;
  remove(): Promise<void>;
}

interface PackageJson {
  files?: string[];
}

interface PackageLock {
  packages: Record<string, { dev?: boolean }>;
}

export async function buildProductionPackage(): Promise<ProductionPackage> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genfin-production-'));
  const remove = () => fs.promises.rm(dir, { recursive: true, force: true });
  try {
    await compile(path.join(dir, 'dist'));
    copyShippedFiles(dir);
    linkProductionDependencies(path.join(dir, 'node_modules'));
    return { dir, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

function compile(outDir: string): Promise<void> {
  const tsc = require.resolve('typescript/bin/tsc');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', outDir],
      { cwd: ROOT, timeout: BUILD_TIMEOUT_MS },
      (error, stdout, stderr) => (error ? reject(new Error(`the build failed: ${error.message}\n${stdout}${stderr}`)) : resolve()),
    );
  });
}

/** package.json and what its "files" lists, except dist/ (compiled instead). */
function copyShippedFiles(dir: string): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  if (manifest.files === undefined || !manifest.files.includes('dist')) {
    throw new Error('package.json must list what a deployment ships in "files", dist included');
  }
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  for (const entry of manifest.files.filter((file) => file !== 'dist')) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
}

/** `node_modules/<name>` (or `node_modules/@scope/name`) for each production package at the top of the tree. */
function linkProductionDependencies(nodeModules: string): void {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as PackageLock;
  for (const [location, entry] of Object.entries(lock.packages)) {
    const name = topLevelPackage(location);
    if (name === null || entry.dev === true) continue;
    const installed = path.join(ROOT, 'node_modules', name);
    // An optional package for another platform is in the lock file but not installed.
    if (!fs.existsSync(installed)) continue;
    const link = path.join(nodeModules, name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(fs.realpathSync(installed), link, 'dir');
  }
}

/** The package name of a lock file location directly under node_modules/, or null (the root, nested packages). */
function topLevelPackage(location: string): string | null {
  const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(location);
  return match?.[1] ?? null;
}
