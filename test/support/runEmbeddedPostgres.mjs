// @ts-check
/**
 * Runs globalSetup's embedded start path (`startEmbedded`, test/support/testDatabase.mjs) in a node process of its
 * own, for test/support/embeddedPostgres.test.ts: `node runEmbeddedPostgres.mjs [install]` prints one JSON line,
 * `{ url, dir }` once the server answers, or `{ error }` (the message globalSetup would end the run with) and exits 1.
 * A started server is stopped, and its directory removed, when stdin ends.
 */
import process from 'node:process';
import { startEmbedded } from './testDatabase.mjs';

const [install] = process.argv.slice(2);
try {
  const server = await startEmbedded({ install });
  process.stdout.write(`${JSON.stringify({ url: server.url, dir: server.dir })}\n`);
  await new Promise((resolve) => process.stdin.on('end', resolve).resume());
  await server.stop();
} catch (err) {
  process.stdout.write(`${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n`);
  process.exitCode = 1;
}
