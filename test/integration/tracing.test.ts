/**
 * Tracing with real processes: replicas started from the real entry point with the standard OTEL_* variables,
 * exporting to an in-process OTLP/HTTP receiver, behind a real gateway that propagates the caller's trace context
 * (as Genfin's router does) and called directly with a `traceparent`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { typeDefs } from '../../src/server';
import { generateEncryptionKey } from '../../src/connections/secretBox';
import { type RunningGateway, postGraphQL, startGateway } from '../../demo/gateway';
import { CONNECT_MUTATION, type MutationPayload } from '../../demo/operations';
import { peopleTypeDefs, type RunningPeopleSubgraph, startPeopleSubgraph } from '../../demo/peopleSubgraph';
import { SalesforceEmulator } from '../../demo/salesforceEmulator';
import { matchingPeopleAndContacts } from './fixtures';
import { adminToken, memberToken } from '../support/jwt';
import { type OtlpReceiver, type ReceivedSpan, renderTree, startOtlpReceiver } from '../support/otlpReceiver';
import { type Replica, startReplica } from '../support/replica';

const ROOT = path.resolve(__dirname, '..', '..');
const TENANT = 'traced';
const CONSUMER_KEY = '3MVG9tracedConsumerKey0001';
const CONSUMER_SECRET = 'traced-consumer-secret-never-in-a-span';
const { people: PEOPLE, contacts: CONTACTS } = matchingPeopleAndContacts(40, 'traced');
const PEOPLE_QUERY = 'query PeoplePage { people { id salesforceContact { id name email title phone } } }';
const MAINTENANCE_503 = { status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'Down for maintenance' }] };

/** A W3C traceparent for a new trace: version 00, a random trace id and parent span id, sampled. */
function newTraceparent(sampled = true): { header: string; traceId: string; parentId: string } {
  const traceId = randomHex(16);
  const parentId = randomHex(8);
  return { header: `00-${traceId}-${parentId}-${sampled ? '01' : '00'}`, traceId, parentId };
}

function randomHex(bytes: number): string {
  return Buffer.from(Array.from({ length: bytes }, () => Math.floor(Math.random() * 256))).toString('hex');
}

function tracingEnv(receiver: OtlpReceiver, protocol: 'http/json' | 'http/protobuf', extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_SERVICE_NAME: 'salesforce-subgraph-under-test',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=collector-key-123',
    ...extra,
  };
}

const inTrace = (traceId: string) => (spans: ReceivedSpan[]) => spans.filter((span) => span.traceId === traceId);

/** Every log line a replica wrote, parsed. */
function logLines(replica: Replica): Array<Record<string, unknown>> {
  return replica
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('tracing (OpenTelemetry, OTLP/HTTP)', () => {
  let receiver: OtlpReceiver;
  let emulator: SalesforceEmulator;
  let people: RunningPeopleSubgraph;
  let replica: Replica;
  let gateway: RunningGateway;
  let dataDir: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    emulator = await SalesforceEmulator.start({ apps: [{ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET }], contacts: CONTACTS });
    people = await startPeopleSubgraph(PEOPLE);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'traced-'));
    replica = await startReplica({ DATA_DIR: dataDir, ENCRYPTION_KEY: generateEncryptionKey(), ...tracingEnv(receiver, 'http/json') });
    gateway = await startGateway([
      { name: 'people', url: people.url, typeDefs: peopleTypeDefs },
      { name: 'salesforce', url: replica.url, typeDefs },
    ]);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await replica?.stop();
    await people?.stop();
    await emulator?.close();
    await receiver?.close();
    if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Secrets, tokens and personal data the test used: none may appear in any exported byte. */
  async function forbiddenStrings(): Promise<string[]> {
    const values: Array<string | null | undefined> = [
      CONSUMER_KEY,
      CONSUMER_SECRET,
      await adminToken(TENANT),
      await memberToken(TENANT),
      ...emulator.issuedTokens(),
      ...CONTACTS.flatMap((c) => [c.Email, c.FirstName, c.LastName, c.Phone]),
      ...PEOPLE.flatMap((p) => [p.email, p.name]),
    ];
    return values.filter((value): value is string => typeof value === 'string' && value !== '');
  }

  function expectNothingForbidden(bytes: Buffer, forbidden: string[]): void {
    const text = bytes.toString('utf8').toLowerCase();
    const leaked = forbidden.filter((value) => text.includes(value.toLowerCase()));
    expect(leaked).toEqual([]);
  }

  it('traces connectSalesforce under the caller’s trace, with its outcome and its Salesforce calls', async () => {
    const { header, traceId, parentId } = newTraceparent();
    const response = await gateway.query<{ connectSalesforce: MutationPayload }>(CONNECT_MUTATION, {
      token: await adminToken(TENANT),
      variables: { input: { consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, instanceUrl: emulator.url } },
      headers: { traceparent: header, tracestate: 'genfin=router' },
    });
    expect(response.data?.connectSalesforce.userErrors).toEqual([]);

    const spans = inTrace(traceId)(await receiver.waitFor((all) => inTrace(traceId)(all).some((s) => s.kind === 2)));
    const server = spans.find((s) => s.kind === 2);
    expect(server).toMatchObject({ name: 'POST /graphql', parentSpanId: parentId });
    expect(server?.resource).toMatchObject({ 'service.name': 'salesforce-subgraph-under-test', 'deployment.environment.name': 'test' });
    expect(receiver.exports.every((e) => e.headers['x-collector-key'] === 'collector-key-123' && e.contentType === 'application/json')).toBe(true);
    // The gateway names the operation it sends this subgraph after the client's.
    const operation = spans.find((s) => s.attributes['graphql.operation.type'] === 'mutation');
    expect(operation?.parentSpanId).toBe(server?.spanId);
    expect(operation?.name).toMatch(/^mutation Connect__salesforce__\d+$/);
    expect(operation?.attributes).toMatchObject({ 'graphql.operation.name': operation?.name.slice('mutation '.length), 'genfin.tenant.id': TENANT });
    const connect = spans.find((s) => s.name === 'salesforce.connect');
    expect(connect?.parentSpanId).toBe(operation?.spanId);
    expect(connect?.attributes['genfin.outcome']).toBe('CONNECTED');
    const calls = spans.filter((s) => s.parentSpanId === connect?.spanId && s.kind === 3);
    expect(calls.map((s) => s.attributes['salesforce.request.kind'])).toEqual(expect.arrayContaining(['token', 'describe']));
    expectNothingForbidden(receiver.allBytes(), await forbiddenStrings());
  });

  it('records a refused connect as an error with its outcome code, and nothing of the secret', async () => {
    const { header, traceId } = newTraceparent();
    const wrongSecret = 'a-wrong-secret-that-must-not-leave';
    const response = await gateway.query<{ connectSalesforce: MutationPayload }>(CONNECT_MUTATION, {
      token: await adminToken('refused-tenant'),
      variables: { input: { consumerKey: CONSUMER_KEY, consumerSecret: wrongSecret, instanceUrl: emulator.url } },
      headers: { traceparent: header },
    });
    const [userError] = response.data?.connectSalesforce.userErrors ?? [];
    expect(userError).toBeDefined();
    const spans = inTrace(traceId)(await receiver.waitFor((all) => inTrace(traceId)(all).some((s) => s.name === 'salesforce.connect')));
    const connect = spans.find((s) => s.name === 'salesforce.connect');
    expect(connect?.status.code).toBe(2);
    expect(connect?.attributes).toMatchObject({ 'genfin.outcome': userError?.code, 'error.type': userError?.code });
    const token = spans.find((s) => s.attributes['salesforce.request.kind'] === 'token');
    expect(token?.attributes).toMatchObject({ 'http.response.status_code': 400, 'salesforce.error_code': 'invalid_client', 'error.type': '400' });
    expectNothingForbidden(receiver.allBytes(), [...(await forbiddenStrings()), wrongSecret]);
  });

  it('traces a page of people from the router’s span down to each Salesforce call, retries and token included', async () => {
    // The next lookup meets a 503 (retried), then finds its token expired: a token request, then the query again.
    emulator.expireAllTokens();
    emulator.queueFault('query', MAINTENANCE_503);
    const { header, traceId, parentId } = newTraceparent();
    const response = await gateway.query<{ people: Array<{ id: string; salesforceContact: { id: string } | null }> }>(PEOPLE_QUERY, {
      token: await memberToken(TENANT),
      headers: { traceparent: header },
    });
    expect(response.errors).toBeUndefined();
    expect(response.data?.people.filter((p) => p.salesforceContact !== null)).toHaveLength(PEOPLE.length);

    const spans = inTrace(traceId)(
      await receiver.waitFor((all) => {
        const mine = inTrace(traceId)(all);
        return mine.some((s) => s.kind === 2) && mine.some((s) => s.attributes['salesforce.request.kind'] === 'token');
      }),
    );
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (span: ReceivedSpan | undefined) => (span?.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId));

    const server = spans.find((s) => s.kind === 2);
    expect(server?.parentSpanId).toBe(parentId);
    expect(server?.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/graphql', 'http.response.status_code': 200 });
    const operation = spans.find((s) => s.attributes['graphql.operation.type'] === 'query');
    expect(parentOf(operation)).toBe(server);
    expect(operation?.name).toMatch(/^query PeoplePage__salesforce__\d+$/);
    expect(operation?.attributes).toMatchObject({ 'graphql.operation.type': 'query', 'genfin.tenant.id': TENANT });

    const lookup = spans.find((s) => s.name === 'contacts.lookup');
    expect(parentOf(lookup)).toBe(operation);
    expect(lookup?.attributes).toMatchObject({
      'genfin.contacts.emails_requested': PEOPLE.length,
      'genfin.contacts.from_cache': 0,
      'genfin.contacts.waited_in_batch_window': PEOPLE.length,
      'genfin.contacts.to_salesforce': PEOPLE.length,
      'genfin.contacts.failed': 0,
    });
    const batch = spans.find((s) => s.name === 'contacts.batch');
    expect(parentOf(batch)).toBe(lookup);
    expect(batch?.attributes).toMatchObject({ 'genfin.contacts.batch_emails': PEOPLE.length, 'genfin.contacts.to_salesforce': PEOPLE.length });

    // Each Salesforce call, as an HTTP client span under the batch: the 503, its retry refused for the expired
    // token, the token request, and the query that answered.
    const calls = spans.filter((s) => s.kind === 3).sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
    expect(calls.every((call) => parentOf(call) === batch)).toBe(true);
    expect(calls.map((c) => [c.attributes['salesforce.request.kind'], c.attributes['http.response.status_code'], c.attributes['salesforce.request.attempt']])).toEqual([
      ['query', 503, 1],
      ['query', 401, 2],
      ['token', 200, 1],
      ['query', 200, 1],
    ]);
    const [failed, retried, token, answered] = calls;
    expect(failed?.status.code).toBe(2);
    expect(failed?.attributes).toMatchObject({ 'error.type': '503', 'salesforce.error_code': 'SERVER_UNAVAILABLE' });
    expect(retried?.attributes).toMatchObject({ 'http.request.resend_count': 1, 'salesforce.error_code': 'INVALID_SESSION_ID' });
    expect(token?.name).toBe('POST /services/oauth2/token');
    expect(answered?.name).toBe('GET /services/data/{version}/query');
    expect(answered?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'server.address': new URL(emulator.url).hostname,
      'url.full': `${emulator.url}/services/data/v60.0/query?q=REDACTED`,
      'url.template': '/services/data/{version}/query',
    });
    expect(answered?.attributes['http.response.body.size']).toBeGreaterThan(1000);
    expect(answered?.attributes['salesforce.api_usage.max']).toBeGreaterThan(0);
    expect(answered?.attributes['salesforce.api_usage.used']).toBeGreaterThan(0);

    expectNothingForbidden(receiver.allBytes(), await forbiddenStrings());

    // The request's log line carries the trace.
    const requestLines = logLines(replica).filter((line) => line.msg === 'GraphQL request' && line.trace_id === traceId);
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]?.span_id).toMatch(/^[0-9a-f]{16}$/);
    process.stdout.write(`${renderTree(spans, (s) => String(s.attributes['salesforce.request.kind'] ?? ''))}\n`);
  });

  it('counts what came from the cache and what was coalesced', async () => {
    const { header, traceId } = newTraceparent();
    const response = await gateway.query(PEOPLE_QUERY, { token: await memberToken(TENANT), headers: { traceparent: header } });
    expect(response.errors).toBeUndefined();
    const spans = inTrace(traceId)(await receiver.waitFor((all) => inTrace(traceId)(all).some((s) => s.kind === 2)));
    const lookup = spans.find((s) => s.name === 'contacts.lookup');
    expect(lookup?.attributes).toMatchObject({ 'genfin.contacts.from_cache': PEOPLE.length, 'genfin.contacts.to_salesforce': 0 });
    expect(spans.filter((s) => s.kind === 3)).toEqual([]);
  });

  it('continues a traceparent sent directly, and starts its own trace without one', async () => {
    const { header, traceId, parentId } = newTraceparent();
    const direct = await postGraphQL(replica.url, '{ salesforceConnection { status } }', { token: await adminToken(TENANT), headers: { traceparent: header } });
    expect(direct.errors).toBeUndefined();
    const spans = inTrace(traceId)(await receiver.waitFor((all) => inTrace(traceId)(all).some((s) => s.kind === 2)));
    expect(spans.find((s) => s.kind === 2)?.parentSpanId).toBe(parentId);

    const before = new Set(receiver.spans().map((s) => s.traceId));
    const untraced = await postGraphQL(replica.url, 'query Untraced { salesforceConnection { status } }', { token: await adminToken(TENANT) });
    expect(untraced.errors).toBeUndefined();
    const all = await receiver.waitFor((now) => now.some((s) => s.name === 'query Untraced'));
    const own = all.find((s) => s.name === 'query Untraced');
    expect(before.has(own?.traceId ?? '')).toBe(false);
    expect(all.find((s) => s.spanId === own?.parentSpanId)?.parentSpanId).toBeUndefined();
  });

  it('exports nothing for a caller’s trace it was told not to sample', async () => {
    const { header, traceId } = newTraceparent(false);
    await postGraphQL(replica.url, '{ salesforceConnection { status } }', { token: await adminToken(TENANT), headers: { traceparent: header } });
    const marker = newTraceparent();
    await postGraphQL(replica.url, '{ salesforceConnection { status } }', { token: await adminToken(TENANT), headers: { traceparent: marker.header } });
    await receiver.waitFor((all) => all.some((s) => s.traceId === marker.traceId));
    expect(receiver.spans().filter((s) => s.traceId === traceId)).toEqual([]);
    // Its log lines still carry the trace's ids, for joining with the router's.
    expect(logLines(replica).some((line) => line.msg === 'GraphQL request' && line.trace_id === traceId)).toBe(true);
  });
});

describe('tracing over http/protobuf, and on stop', () => {
  it('exports protobuf with the trace id and nothing personal, and flushes what is buffered when stopped', async () => {
    const receiver = await startOtlpReceiver();
    const emulator = await SalesforceEmulator.start({ apps: [{ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET }], contacts: CONTACTS });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'traced-proto-'));
    // A batch delay far longer than the test: only the stop can export these spans.
    const replica = await startReplica({ DATA_DIR: dataDir, ENCRYPTION_KEY: generateEncryptionKey(), ...tracingEnv(receiver, 'http/protobuf', { OTEL_BSP_SCHEDULE_DELAY: '600000' }) });
    try {
      const connected = await postGraphQL<{ connectSalesforce: MutationPayload }>(replica.url, CONNECT_MUTATION, {
        token: await adminToken(TENANT),
        variables: { input: { consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, instanceUrl: emulator.url } },
      });
      expect(connected.data?.connectSalesforce.userErrors).toEqual([]);
      const { header, traceId } = newTraceparent();
      const representations = PEOPLE.slice(0, 5).map((p) => ({ __typename: 'Person', id: p.id, email: p.email }));
      const answer = await postGraphQL(replica.url, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { salesforceContact { id } } } }', {
        token: await memberToken(TENANT),
        variables: { r: representations },
        headers: { traceparent: header },
      });
      expect(answer.errors).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.exports).toEqual([]);
      await replica.stop();
      expect(receiver.exports.length).toBeGreaterThan(0);
      expect(receiver.exports.every((e) => e.contentType === 'application/x-protobuf')).toBe(true);
      const bytes = receiver.allBytes();
      expect(bytes.includes(Buffer.from(traceId, 'hex'))).toBe(true);
      expect(bytes.includes(Buffer.from('contacts.lookup'))).toBe(true);
      const leaked = [CONSUMER_SECRET, ...emulator.issuedTokens(), ...representations.map((r) => r.email ?? '')].filter((value) => bytes.includes(Buffer.from(value)));
      expect(leaked).toEqual([]);
    } finally {
      await replica.stop();
      await emulator.close();
      await receiver.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('tracing off', () => {
  it('loads no SDK when no OTLP variable is set, or when OTEL_SDK_DISABLED says so', async () => {
    const script = [
      "const { tracing } = require('./src/observability/tracing/register');",
      "const loaded = Object.keys(require.cache).filter((file) => file.includes('@opentelemetry/sdk-'));",
      'process.stdout.write(JSON.stringify({ on: tracing !== null, loaded: loaded.length }));',
    ].join('\n');
    const run = async (env: Record<string, string>) => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
      });
      return JSON.parse(stdout) as { on: boolean; loaded: number };
    };
    expect(await run({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toEqual({ on: false, loaded: 0 });
    expect(await run({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_SDK_DISABLED: 'true' })).toEqual({ on: false, loaded: 0 });
    expect(await run({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_TRACES_EXPORTER: 'none' })).toEqual({ on: false, loaded: 0 });
    const on = await run({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces' });
    expect(on.on).toBe(true);
    expect(on.loaded).toBeGreaterThan(0);
  }, 60_000);

  it('refuses to start with a protocol the SDK does not speak', async () => {
    const failure = await promisify(execFile)(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(ROOT, 'src', 'index.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml' },
    }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(78);
    expect(failure?.stderr).toContain('OTEL_EXPORTER_OTLP_PROTOCOL: expected one of http/protobuf, http/json, grpc, got "http/xml"');
  }, 30_000);

  it('exports nothing from a replica started without the variables', async () => {
    // The SDK's default endpoint is localhost:4318: a receiver there would get whatever a stray SDK sent.
    const receiver = await startOtlpReceiver({ port: 4318 }).catch(() => null);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'untraced-'));
    const replica = await startReplica({ DATA_DIR: dataDir, ENCRYPTION_KEY: generateEncryptionKey(), OTEL_SERVICE_NAME: 'untraced' });
    try {
      const { header, traceId } = newTraceparent();
      const answer = await postGraphQL(replica.url, '{ salesforceConnection { status } }', { token: await adminToken(TENANT), headers: { traceparent: header } });
      expect(answer.errors).toBeUndefined();
      await replica.stop();
      if (receiver !== null) expect(receiver.exports).toEqual([]);
      // Without an SDK nothing reads the header: no span, and no ids in the logs.
      expect(logLines(replica).find((line) => line.msg === 'GraphQL request')).not.toHaveProperty('trace_id');
      expect(replica.output()).not.toContain(traceId);
    } finally {
      await replica.stop();
      await receiver?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
