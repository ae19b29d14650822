/**
 * Scenario tracing-throughput: what tracing costs. Two replicas of this subgraph, each its own process started from
 * the real entry point (the SDK is process-wide), each behind its own gateway: one with tracing off, one exporting
 * every span (always_on) over OTLP/HTTP protobuf to a receiver in this process. Warm pages of people, many clients,
 * windows interleaved A B B A so the machine's drift weighs on both alike; medians of the windows. Goal: ≥ 0.9×.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateEncryptionKey } from '../../src/connections/secretBox';
import type { RunningGateway } from '../../demo/gateway';
import { startOtlpReceiver } from '../../test/support/otlpReceiver';
import { type Replica, startReplica } from '../../test/support/replica';
import { contactsFor, personIds } from '../fixtures';
import { abbaOrder, concurrently, percentile, ProblemLog, queryPeople, round } from '../harness';
import { record } from '../report';
import type { Scenario } from '../scenario';
import { type Bench, benchGateway, connectTenant, memberTokenFor } from '../stack';

const PEOPLE = 10;
const CLIENTS = 16;
/** Windows per side: PAIRS × 2, in A B B A order. */
const PAIRS = 3;
const WARMUP_MS = 1_000;
const WINDOW_MS = 3_000;
const TENANT = 'tracing';

interface Side {
  replica: Replica;
  gateway: RunningGateway;
  dataDir: string;
}

async function startSide(bench: Bench, env: Record<string, string>): Promise<Side> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tracing-'));
  const replica = await startReplica({ LOG_LEVEL: 'info', DATA_DIR: dataDir, ENCRYPTION_KEY: generateEncryptionKey(), ...env });
  const gateway = await benchGateway(bench.people, replica.url);
  return { replica, gateway, dataDir };
}

async function stopSide(side: Side | undefined): Promise<void> {
  if (side === undefined) return;
  await side.gateway.stop();
  await side.replica.stop();
  fs.rmSync(side.dataDir, { recursive: true, force: true });
}

async function tracingThroughput(bench: Bench): Promise<void> {
  const receiver = await startOtlpReceiver({ keepBodies: false });
  let off: Side | undefined;
  let on: Side | undefined;
  try {
    off = await startSide(bench, {});
    on = await startSide(bench, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_SERVICE_NAME: 'bench-traced',
    });
    bench.emulator.setContacts(contactsFor('tr', PEOPLE));
    await connectTenant(off.gateway.url, bench.emulator, TENANT);
    await connectTenant(on.gateway.url, bench.emulator, TENANT);
    const token = await memberTokenFor(TENANT);
    const ids = personIds('tr', PEOPLE);
    const problems = new ProblemLog();

    async function window(url: string, ms: number): Promise<number> {
      let ok = 0;
      const start = performance.now();
      const end = start + ms;
      await concurrently(CLIENTS, async () => {
        while (performance.now() < end) {
          if ((await queryPeople(url, token, ids, 'salesforce', problems)).ok) ok += 1;
        }
      });
      return ok / ((performance.now() - start) / 1000);
    }

    const sides = { off: off.gateway.url, on: on.gateway.url };
    for (const url of Object.values(sides)) await window(url, WARMUP_MS);
    const rps: Record<'off' | 'on', number[]> = { off: [], on: [] };
    const order = abbaOrder(PAIRS, 'off', 'on');
    const exportedBefore = receiver.exports.length;
    for (const which of order) rps[which].push(await window(sides[which], WINDOW_MS));
    const offRps = percentile(rps.off, 50);
    const onRps = percentile(rps.on, 50);
    const ratio = round(onRps / offRps, 3);
    const exported = receiver.exports.length - exportedBefore;
    if (exported === 0) problems.add('the traced replica exported nothing while measured');
    record(
      {
        id: 'tracing-throughput',
        metric: `Throughput with tracing on (every span exported) vs off (${PEOPLE} people, ${CLIENTS} clients)`,
        value: ratio,
        unit: `× (${round(onRps, 1)} vs ${round(offRps, 1)} req/s, medians)`,
        target: '≥ 0.9',
        pass: ratio >= 0.9 && problems.count === 0,
        details: {
          windowsRps: { on: rps.on.map((v) => round(v, 1)), off: rps.off.map((v) => round(v, 1)) },
          order: order.join(' '),
          windowMs: WINDOW_MS,
          exportRequests: exported,
          exportedBytes: receiver.receivedBytes(),
        },
      },
      problems,
    );
  } finally {
    await stopSide(on);
    await stopSide(off);
    await receiver.close();
  }
}

export const tracingScenario: Scenario = {
  id: 'tracing-throughput',
  name: 'throughput with tracing on vs off (two replica processes, interleaved)',
  target: '≥ 0.9',
  run: tracingThroughput,
};
