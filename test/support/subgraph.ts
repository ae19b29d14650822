/**
 * This project's subgraph started in-process as production starts it (loadConfig → startApp), with logs
 * captured so tests can read them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type App, startApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { generateEncryptionKey } from '../../src/connections/secretBox';
import { TEST_JWT_SECRET } from './jwt';

export interface TestSubgraph {
  app: App;
  url: string;
  dataDir: string;
  /** Every log line written so far, raw. */
  logs(): string;
  stop(): Promise<void>;
}

export interface TestSubgraphOptions {
  dataDir?: string;
  encryptionKey?: string;
  env?: Record<string, string>;
}

export function makeDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sf-subgraph-'));
}

export const TEST_ENCRYPTION_KEY = generateEncryptionKey();

export async function startTestSubgraph(options: TestSubgraphOptions = {}): Promise<TestSubgraph> {
  const dataDir = options.dataDir ?? makeDataDir();
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    ENCRYPTION_KEY: options.encryptionKey ?? TEST_ENCRYPTION_KEY,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    SALESFORCE_ALLOW_LOOPBACK: 'true',
    SALESFORCE_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'debug',
    ...options.env,
  });
  const app = await startApp(config, { logDestination: destination, host: '127.0.0.1' });
  return { app, url: app.url, dataDir, logs: () => lines.join(''), stop: () => app.stop() };
}
