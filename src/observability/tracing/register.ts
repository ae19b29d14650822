/**
 * Imported first by the process entry (src/index.ts), so that tracing is set up before anything else is loaded.
 * A tracing variable that cannot work ends the process with the configuration exit code, as config errors do.
 */
import { startTracing, type Tracing, TracingConfigError } from './sdk';

function startOrExit(): Tracing | null {
  try {
    return startTracing(process.env);
  } catch (error) {
    if (!(error instanceof TracingConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
}

export const tracing: Tracing | null = startOrExit();
