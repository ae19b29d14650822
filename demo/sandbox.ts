/**
 * The whole product on loopback, in this process: the Salesforce emulator as the demo org, the people subgraph,
 * this subgraph as production starts it (loadConfig → startApp) on the embedded SQLite store in a temporary data
 * dir, and a real Apollo Gateway composing the two. Tenant `demo` is connected through the gateway's
 * connectSalesforce (so validation runs as for a real admin); tenant `acme` is left for connecting by hand.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import { type App, startApp } from '../src/app';
import { loadConfig } from '../src/config';
import { generateEncryptionKey } from '../src/connections/secretBox';
import { typeDefs } from '../src/server';
import { ADMIN_PAGE_PATH } from '../src/admin/adminPage';
import { type RunningGateway, startGateway } from './gateway';
import { CONNECT_MUTATION, type MutationPayload, SET_FIELDS_MUTATION } from './operations';
import { DEMO_API_VERSION, DEMO_APP, DEMO_DAILY_API_USED, DEMO_PEOPLE, demoOrg } from './org';
import { peopleTypeDefs, startPeopleSubgraph } from './peopleSubgraph';
import { type DemoPorts, onPort } from './ports';
import { SalesforceEmulator } from './salesforceEmulator';
import { signToken } from './tokens';

export const DEMO_TENANT = 'demo';
export const UNCONNECTED_TENANT = 'acme';
/** Fields synced for `demo` at start, so the first curl already shows one. */
export const DEMO_SYNCED_FIELDS = ['Genfin_Tier__c'];
const TOKEN_LIFETIME = '7d';

export interface SandboxOptions {
  ports: DemoPorts;
  /** The subgraph's pino level (default warn: the demo's own lines stay readable). */
  logLevel?: string;
  /** Where the subgraph logs (default: stderr, keeping stdout for the demo's lines). */
  logDestination?: DestinationStream;
}

export interface SandboxTokens {
  demoAdmin: string;
  demoMember: string;
  acmeAdmin: string;
}

export interface Sandbox {
  gatewayUrl: string;
  /** The admin page, without a token. */
  adminPageUrl: string;
  /** Where the subgraph serves GraphQL (the admin page's /graphql). */
  subgraphUrl: string;
  peopleUrl: string;
  /** What an admin pastes into the connect form to connect `acme` to the emulated org. */
  credentials: { consumerKey: string; consumerSecret: string; instanceUrl: string; apiVersion: string };
  tokens: SandboxTokens;
  emulator: SalesforceEmulator;
  gateway: RunningGateway;
  app: App;
  dataDir: string;
  /** Gateway, subgraph, people, emulator, then the data dir: the reverse of the start. Safe to call twice. */
  stop(): Promise<void>;
}

/** Stops what was started, last first, even when one of them fails; the data dir goes last. */
class Teardown {
  private readonly steps: Array<() => Promise<void> | void> = [];
  private done: Promise<void> | undefined;

  add(step: () => Promise<void> | void): void {
    this.steps.unshift(step);
  }

  run(): Promise<void> {
    this.done ??= (async () => {
      const failures: unknown[] = [];
      for (const step of this.steps) {
        try {
          await step();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw new AggregateError(failures, 'Some parts of the demo did not stop cleanly');
    })();
    return this.done;
  }
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const teardown = new Teardown();
  try {
    return await start(options, teardown);
  } catch (error) {
    await teardown.run().catch(() => undefined);
    throw error;
  }
}

async function start({ ports, logLevel = 'warn', logDestination = process.stderr }: SandboxOptions, teardown: Teardown): Promise<Sandbox> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genfin-demo-'));
  teardown.add(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const jwtSecret = randomBytes(32).toString('base64url');

  const emulator = await onPort('salesforce', ports, (port) => SalesforceEmulator.start({ ...demoOrg(), port }));
  teardown.add(() => emulator.close());
  emulator.setApiUsage(DEMO_DAILY_API_USED);

  const people = await onPort('people', ports, (port) => startPeopleSubgraph(DEMO_PEOPLE, { port }));
  teardown.add(() => people.stop());

  const app = await onPort('subgraph', ports, (port) => startSubgraph({ port, dataDir, jwtSecret, logLevel, logDestination }));
  teardown.add(() => app.stop());

  const gateway = await onPort('gateway', ports, (port) =>
    startGateway(
      [
        { name: 'people', url: people.url, typeDefs: peopleTypeDefs },
        { name: 'salesforce', url: app.url, typeDefs },
      ],
      { port },
    ),
  );
  teardown.add(() => gateway.stop());

  const tokens = await issueTokens(jwtSecret);
  const credentials = { ...DEMO_APP, instanceUrl: emulator.url, apiVersion: DEMO_API_VERSION };
  await connectDemoTenant(gateway, tokens.demoAdmin, credentials);

  return {
    gatewayUrl: gateway.url,
    adminPageUrl: new URL(ADMIN_PAGE_PATH, app.url).href,
    subgraphUrl: app.url,
    peopleUrl: people.url,
    credentials,
    tokens,
    emulator,
    gateway,
    app,
    dataDir,
    stop: () => teardown.run(),
  };
}

/** As production runs it, configured only through (a fixed set of) environment variables. */
async function startSubgraph(options: { port: number; dataDir: string; jwtSecret: string; logLevel: string; logDestination: DestinationStream }): Promise<App> {
  const config = loadConfig({
    NODE_ENV: 'development',
    PORT: String(options.port),
    DATA_DIR: options.dataDir,
    ENCRYPTION_KEY: generateEncryptionKey(),
    AUTH_JWT_SECRET: options.jwtSecret,
    SALESFORCE_ALLOW_LOOPBACK: 'true',
    ADMIN_UI: 'true',
    LOG_LEVEL: options.logLevel,
  });
  return startApp(config, { host: '127.0.0.1', logDestination: options.logDestination });
}

function issueTokens(secret: string): Promise<SandboxTokens> {
  const sign = (tenantId: string, role: 'admin' | 'member') =>
    signToken({ secret, tenantId, userId: `${tenantId}-${role}`, roles: [role], expiresIn: TOKEN_LIFETIME });
  return Promise.all([sign(DEMO_TENANT, 'admin'), sign(DEMO_TENANT, 'member'), sign(UNCONNECTED_TENANT, 'admin')]).then(
    ([demoAdmin, demoMember, acmeAdmin]) => ({ demoAdmin, demoMember, acmeAdmin }),
  );
}

/** Through the gateway, as the tenant's admin would: connect, then choose the synced fields. */
async function connectDemoTenant(gateway: RunningGateway, adminToken: string, input: Sandbox['credentials']): Promise<void> {
  const connected = await gateway.query<{ connectSalesforce: MutationPayload }>(CONNECT_MUTATION, { token: adminToken, variables: { input } });
  assertNoProblems('connectSalesforce', connected.errors, connected.data?.connectSalesforce);
  const fields = await gateway.query<{ setSalesforceContactFields: MutationPayload }>(SET_FIELDS_MUTATION, {
    token: adminToken,
    variables: { fields: DEMO_SYNCED_FIELDS },
  });
  assertNoProblems('setSalesforceContactFields', fields.errors, fields.data?.setSalesforceContactFields);
}

function assertNoProblems(operation: string, errors: Array<{ message: string }> | undefined, payload: MutationPayload | undefined): void {
  const problems = [...(errors ?? []).map((e) => e.message), ...(payload?.userErrors ?? []).map((e) => `${e.code}: ${e.message}`)];
  if (payload === undefined && problems.length === 0) problems.push('no answer');
  if (problems.length > 0) throw new Error(`The demo could not ${operation} for tenant "${DEMO_TENANT}": ${problems.join('; ')}`);
}
