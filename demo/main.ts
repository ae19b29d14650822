/**
 * `npm run demo`: starts the sandbox (see sandbox.ts), prints how to use it, and on Ctrl-C (SIGINT) or SIGTERM
 * stops every part of it and exits 0. Everything runs in this one process, so nothing outlives it.
 */
import { banner } from './banner';
import { checkPortsFree, DemoPortsError, demoPorts, PortInUseError } from './ports';
import { type Sandbox, startSandbox } from './sandbox';

/** A stop that takes longer than this (a hung connection) gives up and exits 1. */
const STOP_TIMEOUT_MS = 15_000;
/**
 * A signal within this long of the first is a copy of it (npm passes a terminal's Ctrl-C on to the process that got
 * it already) and is ignored; a later one means "stop waiting" and exits at once.
 *
 * `npm run demo` runs this file as `node --import tsx`, in one process: tsx's CLI would sit between npm and it, and
 * that runner SIGKILLs its child (exit 130) when the child's event loop takes over 60 ms to acknowledge a signal.
 */
const REPEAT_WINDOW_MS = 1_000;
/** Exit code for a configuration problem (as src/index.ts uses). */
const EXIT_CONFIG = 78;

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let ports;
  try {
    ports = demoPorts(process.env);
    await checkPortsFree(ports);
  } catch (error) {
    if (error instanceof DemoPortsError || error instanceof PortInUseError) fail(error.message, EXIT_CONFIG);
    throw error;
  }

  // Signals are handled from the start: one that arrives while starting stops the sandbox as soon as it is up.
  let stopRequested: string | null = null;
  let stopRequestedAt = 0;
  let sandbox: Sandbox | null = null;
  const stop = (signal: string): void => {
    if (stopRequested !== null) {
      if (Date.now() - stopRequestedAt > REPEAT_WINDOW_MS) fail(`${signal} again: exiting without waiting for the demo to stop.`, 130);
      return;
    }
    stopRequested = signal;
    stopRequestedAt = Date.now();
    if (sandbox !== null) void shutDown(sandbox, signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  try {
    sandbox = await startSandbox({ ports, ...(process.env.LOG_LEVEL ? { logLevel: process.env.LOG_LEVEL } : {}) });
  } catch (error) {
    if (error instanceof PortInUseError) fail(error.message, EXIT_CONFIG);
    throw error;
  }
  if (stopRequested !== null) return shutDown(sandbox, stopRequested);
  process.stdout.write(banner(sandbox));
}

async function shutDown(sandbox: Sandbox, signal: string): Promise<void> {
  process.stderr.write(`${signal}: stopping the demo…\n`);
  setTimeout(() => fail(`The demo did not stop within ${STOP_TIMEOUT_MS / 1000} s; exiting anyway.`, 1), STOP_TIMEOUT_MS).unref();
  try {
    await sandbox.stop();
  } catch (error) {
    fail(`The demo stopped with errors: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
  process.stderr.write('Demo stopped.\n');
  process.exit(0);
}

main().catch((error: unknown) => fail(`The demo could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, 1));
