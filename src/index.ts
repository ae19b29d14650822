/**
 * Process entry: start tracing when asked (first, before the rest is loaded), read the environment, start, and stop
 * cleanly on SIGTERM/SIGINT, flushing the spans still buffered.
 */
import { tracing } from './observability/tracing/register';
import { startApp } from './app';
import { ConfigError, loadConfig } from './config';
import { StoredSecretsUnreadableError } from './connections/encryptionKey';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  let app;
  try {
    app = await startApp(config);
  } catch (error) {
    // The keys do not match the stored secrets: a configuration problem, told in one line.
    if (error instanceof StoredSecretsUnreadableError) {
      process.stderr.write(`Refusing to start: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const shutdown = (signal: string): void => {
    app.logger.info({ signal }, 'Shutting down');
    app
      .stop()
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          app.logger.error({ err: error }, 'Shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
