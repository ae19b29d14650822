/**
 * Several replicas on one PostgreSQL database, each a real process behind a real gateway of its own, as Genfin runs
 * them: a change made through any replica (connect, synced fields, reconnect to another org, disconnect) holds on
 * every replica within a second, and no replica serves what it cached or looked up under an earlier connection.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { typeDefs } from '../../src/server';
import { LISTENER_APPLICATION_NAME } from '../../src/connections/postgresChanges';
import { POSTGRES_SCHEMA_VERSION } from '../../src/connections/postgresStore';
import { encryptionKeyFromBase64, generateEncryptionKey } from '../../src/connections/secretBox';
import { type RunningGateway, startGateway } from '../../demo/gateway';
import { adminToken, memberToken } from '../support/jwt';
import { peopleTypeDefs, type RunningPeopleSubgraph, startPeopleSubgraph } from '../../demo/peopleSubgraph';
import { createScratchDatabase, withClient } from '../support/postgres';
import { type Replica, ReplicaExited, startReplica } from '../support/replica';
import { type EmulatorContact, SalesforceEmulator } from '../../demo/salesforceEmulator';

const TENANT = 'replicated';
const KEY = generateEncryptionKey();
/** The key rotated to. */
const NEXT_KEY = generateEncryptionKey();
const ROOT = path.resolve(__dirname, '..', '..');
/** Concurrent gateway queries per replica for the cold-start load. */
const COLD_LOAD_QUERIES = 40;
/** Propagation must be well under a second; polls every few ms up to this. */
const PROPAGATION_LIMIT_MS = 1_000;

const PEOPLE = [
  { id: 'p-alice', email: 'alice@replicas.example', name: 'Alice' },
  { id: 'p-bob', email: 'bob@replicas.example', name: 'Bob' },
  { id: 'p-carol', email: 'carol@replicas.example', name: 'Carol' },
];

const contact = (Id: string, Email: string, LastName: string, extra: Partial<EmulatorContact> = {}): EmulatorContact => ({ Id, Email, LastName, ...extra });

/** Org A knows Alice and Carol; org B knows Alice (another record) and Bob. */
const ORG_A = {
  consumerKey: 'replicas-org-a-consumer-key',
  consumerSecret: 'replicas-org-a-consumer-secret',
  contacts: [
    contact('003A00000000001AAA', 'alice@replicas.example', 'Alice-in-A', { MailingCity: 'Lyon' }),
    contact('003A00000000003AAA', 'carol@replicas.example', 'Carol-in-A'),
  ],
};
const ORG_B = {
  consumerKey: 'replicas-org-b-consumer-key',
  consumerSecret: 'replicas-org-b-consumer-secret',
  contacts: [contact('003B00000000001AAA', 'alice@replicas.example', 'Alice-in-B'), contact('003B00000000002AAA', 'bob@replicas.example', 'Bob-in-B')],
};

const PEOPLE_QUERY = '{ people { id salesforceContact { id customFields { name value } } } }';

interface PeopleData {
  people: Array<{ id: string; salesforceContact: { id: string; customFields: Array<{ name: string; value: unknown }> } | null }>;
}

/** What one replica answers now: contact id (or null) by person id. */
type Seen = Record<string, string | null>;

describe('three replicas on one PostgreSQL database', () => {
  let database: { url: string; drop(): Promise<void> };
  let orgA: SalesforceEmulator;
  let orgB: SalesforceEmulator;
  let people: RunningPeopleSubgraph;
  let replicas: Replica[] = [];
  let gateways: RunningGateway[] = [];
  /** Milliseconds from a change's answer on replica 0 to the others showing it, by change. */
  const propagation: Record<string, number[]> = {};
  /** Salesforce calls of the three replicas together, cold, under load. */
  const coldStart: Array<Record<string, number>> = [];

  beforeAll(async () => {
    database = await createScratchDatabase('replicas');
    orgA = await SalesforceEmulator.start({ apps: [ORG_A], contacts: ORG_A.contacts });
    orgB = await SalesforceEmulator.start({ apps: [ORG_B], contacts: ORG_B.contacts });
    people = await startPeopleSubgraph(PEOPLE);
    // Started together on an empty database: they race to create the schema.
    replicas = await Promise.all([0, 1, 2].map(() => startReplica(envWith({ ENCRYPTION_KEY: KEY }))));
    gateways = await Promise.all(
      replicas.map((replica) =>
        startGateway([
          { name: 'people', url: people.url, typeDefs: peopleTypeDefs },
          { name: 'salesforce', url: replica.url, typeDefs },
        ]),
      ),
    );
  }, 90_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await Promise.all(replicas.map((replica) => replica.stop()));
    await people?.stop();
    await orgA?.close();
    await orgB?.close();
    await database?.drop();
    writeArtifact('replicas.json', { propagationMs: propagation, coldStart });
  });

  function envWith(env: Record<string, string>): Record<string, string> {
    return { DATABASE_URL: database.url, CONTACT_CACHE_TTL_MS: '600000', ...env };
  }

  /** Stops every replica and starts three new ones on the same ports (so the gateways reach them), with `env`. */
  async function restartReplicas(env: Record<string, string>): Promise<void> {
    const ports = replicas.map((replica) => new URL(replica.url).port);
    await Promise.all(replicas.map((replica) => replica.stop()));
    replicas = await Promise.all(ports.map((port) => startReplica(envWith({ ...env, PORT: port }))));
  }

  async function seen(replica: number): Promise<Seen> {
    const response = await gateways[replica]!.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken(TENANT) });
    if (response.errors !== undefined) throw new Error(`replica ${replica}: ${JSON.stringify(response.errors)}`);
    return Object.fromEntries((response.data?.people ?? []).map((p) => [p.id, p.salesforceContact?.id ?? null]));
  }

  async function connect(replica: number, org: typeof ORG_A, emulator: SalesforceEmulator): Promise<void> {
    const response = await gateways[replica]!.query<{ connectSalesforce: { userErrors: unknown[] } }>(
      'mutation($input: ConnectSalesforceInput!) { connectSalesforce(input: $input) { userErrors { code message } } }',
      { token: await adminToken(TENANT), variables: { input: { consumerKey: org.consumerKey, consumerSecret: org.consumerSecret, instanceUrl: emulator.url } } },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.connectSalesforce.userErrors).toEqual([]);
  }

  /**
   * Polls every replica but `changedOn` until `holds` is true of what it answers (an answer with errors, such as a
   * lookup caught by the change, is not yet); records how long the slowest took.
   */
  async function expectEverywhereWithin(change: string, holds: (seen: Seen) => boolean, changedOn = 0): Promise<void> {
    const started = performance.now();
    const others = [0, 1, 2].filter((replica) => replica !== changedOn);
    const times = await Promise.all(
      others.map(async (replica) => {
        for (;;) {
          const answer = await seen(replica).catch(() => null);
          const elapsed = performance.now() - started;
          if (answer !== null && holds(answer)) return elapsed;
          if (elapsed > PROPAGATION_LIMIT_MS) throw new Error(`${change}: replica ${replica} still answers ${JSON.stringify(answer)} after ${Math.round(elapsed)} ms`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }),
    );
    (propagation[change] ??= []).push(Math.round(Math.max(...times)));
  }

  it('all three started together on an empty database and created the schema once', async () => {
    expect(replicas).toHaveLength(3);
    for (const replica of replicas) expect(replica.output()).not.toMatch(/"level":(50|60)/);
    const schema = await withClient(database.url, async (client) => ({
      versions: (await client.query(`SELECT version FROM salesforce_schema_version`)).rows.map((row: { version: number }) => row.version),
      triggers: (await client.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'salesforce_connections'::regclass AND NOT tgisinternal`)).rowCount,
    }));
    expect(schema).toEqual({ versions: [POSTGRES_SCHEMA_VERSION], triggers: 2 });
  });

  it('connect on one replica: the others enrich at once, and cache what they found (hits and misses)', async () => {
    await connect(0, ORG_A, orgA);
    await expectEverywhereWithin('connect', (answer) => answer['p-alice'] === '003A00000000001AAA');
    for (const replica of [0, 1, 2]) {
      expect(await seen(replica)).toEqual({ 'p-alice': '003A00000000001AAA', 'p-bob': null, 'p-carol': '003A00000000003AAA' });
    }
    orgA.resetCounters();
    for (const replica of [0, 1, 2]) await seen(replica);
    expect(orgA.counters.query).toBe(0); // every replica answers from its cache now
  });

  it('synced fields changed on one replica: the others use them within a second', async () => {
    const response = await gateways[0]!.query<{ setSalesforceContactFields: { userErrors: unknown[] } }>(
      'mutation { setSalesforceContactFields(fields: ["MailingCity"]) { userErrors { code message } } }',
      { token: await adminToken(TENANT) },
    );
    expect(response.data?.setSalesforceContactFields.userErrors).toEqual([]);
    const cityOf = async (replica: number): Promise<unknown> => {
      const answer = await gateways[replica]!.query<PeopleData>(PEOPLE_QUERY, { token: await memberToken(TENANT) });
      return answer.data?.people.find((p) => p.id === 'p-alice')?.salesforceContact?.customFields.find((f) => f.name === 'MailingCity')?.value;
    };
    const started = performance.now();
    const times = await Promise.all(
      [1, 2].map(async (replica) => {
        while ((await cityOf(replica)) !== 'Lyon') {
          if (performance.now() - started > PROPAGATION_LIMIT_MS) throw new Error(`replica ${replica} does not use the new fields`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return performance.now() - started;
      }),
    );
    (propagation.fields ??= []).push(Math.round(Math.max(...times)));
  });

  it('reconnect to another org on one replica: no replica serves the old org’s hits or misses', async () => {
    await connect(0, ORG_B, orgB);
    const expected = { 'p-alice': '003B00000000001AAA', 'p-bob': '003B00000000002AAA', 'p-carol': null };
    await expectEverywhereWithin('reconnect', (answer) => JSON.stringify(answer) === JSON.stringify(expected));
    for (const replica of [0, 1, 2]) expect(await seen(replica)).toEqual(expected);
  });

  it('disconnect on one replica: within a second every replica answers null and none asks Salesforce', async () => {
    const answersKept = async (): Promise<number> =>
      withClient(database.url, async (client) => {
        const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM salesforce_contact_answers WHERE tenant_id = $1', [TENANT]);
        return Number(rows[0]?.n);
      });
    expect(await answersKept()).toBeGreaterThan(0);
    const response = await gateways[0]!.query<{ disconnectSalesforce: { disconnected: boolean } }>('mutation { disconnectSalesforce { disconnected } }', {
      token: await adminToken(TENANT),
    });
    expect(response.data?.disconnectSalesforce.disconnected).toBe(true);
    await expectEverywhereWithin('disconnect', (answer) => Object.values(answer).every((id) => id === null));
    orgA.resetCounters();
    orgB.resetCounters();
    for (const replica of [0, 1, 2]) expect(await seen(replica)).toEqual({ 'p-alice': null, 'p-bob': null, 'p-carol': null });
    expect([orgA.requests, orgB.requests]).toEqual([[], []]);
    expect(await answersKept()).toBe(0); // the shared tier forgot the tenant's contacts with the connection
  });

  it('when the change listener drops, changes still hold within a second (re-check), and it reconnects', async () => {
    await connect(0, ORG_A, orgA);
    await expectEverywhereWithin('connect', (answer) => answer['p-alice'] === '003A00000000001AAA');
    const terminated = await withClient(database.url, (client) =>
      client.query<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
        [LISTENER_APPLICATION_NAME],
      ),
    );
    expect(terminated.rows.length).toBeGreaterThanOrEqual(3);
    await gateways[0]!.query('mutation { disconnectSalesforce { disconnected } }', { token: await adminToken(TENANT) });
    await expectEverywhereWithin('disconnect while not listening', (answer) => answer['p-alice'] === null);
    const heardAgain = async (): Promise<boolean> => replicas.every((replica) => replica.output().includes('Hearing connection changes again'));
    for (const started = Date.now(); !(await heardAgain()); ) {
      if (Date.now() - started > 10_000) throw new Error('the listeners did not reconnect within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const replica of replicas) expect(replica.output()).toContain('Not hearing connection changes from PostgreSQL');
  });

  it('repeats connect → disconnect a few times within a second each (for the measured propagation times)', async () => {
    for (let round = 0; round < 3; round++) {
      const on = round % 3;
      await connect(on, ORG_B, orgB);
      await expectEverywhereWithin('connect', (answer) => answer['p-bob'] === '003B00000000002AAA', on);
      await gateways[on]!.query('mutation { disconnectSalesforce { disconnected } }', { token: await adminToken(TENANT) });
      await expectEverywhereWithin('disconnect', (answer) => answer['p-bob'] === null, on);
    }
  });

  it('a cold start of three replicas under load: one token and a few queries per replica', async () => {
    await connect(0, ORG_A, orgA);
    await restartReplicas({ ENCRYPTION_KEY: KEY });
    orgA.resetCounters();
    const token = await memberToken(TENANT);
    const answers = await Promise.all(
      gateways.flatMap((gateway) => Array.from({ length: COLD_LOAD_QUERIES }, () => gateway.query<PeopleData>(PEOPLE_QUERY, { token }))),
    );
    expect(answers.every((answer) => answer.errors === undefined && answer.data?.people[0]?.salesforceContact?.id === '003A00000000001AAA')).toBe(true);
    const calls = { queries: answers.length, tokenRequests: orgA.counters.token, soqlQueries: orgA.counters.query + orgA.counters.queryMore };
    coldStart.push(calls);
    expect(calls.tokenRequests).toBe(3); // one per replica: tokens are not shared
    expect(calls.soqlQueries).toBeLessThanOrEqual(3 * 3);
  });

  it('shares what one replica read from Salesforce: the others, and replicas started later, ask it nothing', async () => {
    await restartReplicas({ ENCRYPTION_KEY: KEY }); // every in-process cache is empty
    await withClient(database.url, (client) => client.query('DELETE FROM salesforce_contact_answers'));
    orgA.resetCounters();
    const expected = { 'p-alice': '003A00000000001AAA', 'p-bob': null, 'p-carol': '003A00000000003AAA' };
    expect(await seen(0)).toEqual(expected);
    expect(orgA.counters.query).toBe(1);
    for (const replica of [1, 2]) expect(await seen(replica)).toEqual(expected);
    await restartReplicas({ ENCRYPTION_KEY: KEY });
    for (const replica of [0, 1, 2]) expect(await seen(replica)).toEqual(expected);
    expect(orgA.counters.query).toBe(1); // hits and the miss, from the shared tier
    const kept = await withClient(database.url, (client) => client.query<{ n: string }>('SELECT count(*) AS n FROM salesforce_contact_answers'));
    expect(Number(kept.rows[0]?.n)).toBe(3);
  });

  /** Alice's contact as one replica answers it, with its age and whether it stands in for a failure. */
  async function aliceOn(replica: number): Promise<{ lastName: string | null; fetchedAt: string; stale: boolean } | null> {
    const response = await gateways[replica]!.query<{ person: { salesforceContact: { lastName: string | null; fetchedAt: string; stale: boolean } | null } | null }>(
      '{ person(id: "p-alice") { salesforceContact { lastName fetchedAt stale } } }',
      { token: await memberToken(TENANT) },
    );
    if (response.errors !== undefined) throw new Error(`replica ${replica}: ${JSON.stringify(response.errors)}`);
    return response.data?.person?.salesforceContact ?? null;
  }

  it('past the TTL, a replica answers at once with what is known, refreshes it once, and the others then serve the new value', async () => {
    await withClient(database.url, (client) => client.query('DELETE FROM salesforce_contact_answers'));
    // A TTL long enough that the refreshed answer stays fresh while the test looks for it.
    await restartReplicas({ ENCRYPTION_KEY: KEY, CONTACT_CACHE_TTL_MS: '1000', CONTACT_STALE_WHILE_REVALIDATE_MS: '60000' });
    orgA.resetCounters();
    const first = await aliceOn(0);
    expect(first).toMatchObject({ lastName: 'Alice-in-A', stale: false });
    await sleep(1_100);
    orgA.setContacts(ORG_A.contacts.map((c) => (c.Email === 'alice@replicas.example' ? { ...c, LastName: 'Alice-renamed' } : c)));
    orgA.setLatency(2_000); // a Salesforce slow enough that "at once" cannot be confused with it on a busy machine
    try {
      const started = performance.now();
      expect(await aliceOn(1)).toEqual(first); // the old answer, from the shared tier, at once
      expect(performance.now() - started).toBeLessThan(1_000);
      await Promise.all([aliceOn(2), aliceOn(0)]); // asked meanwhile: no second refresh
      let seenOnOther = first;
      const until = performance.now() + 6_000;
      while (seenOnOther?.lastName !== 'Alice-renamed' && performance.now() < until) {
        await sleep(20);
        seenOnOther = await aliceOn(2);
      }
      expect(seenOnOther).toMatchObject({ lastName: 'Alice-renamed', stale: false });
      expect(orgA.counters.query).toBe(2); // the first read, and one refresh for all three replicas
    } finally {
      orgA.setLatency(0);
      orgA.setContacts(ORG_A.contacts);
    }
  });

  it('with Salesforce failing, every replica (one restarted) serves the last known contacts marked stale; a person never read gets the error', async () => {
    await withClient(database.url, (client) => client.query('DELETE FROM salesforce_contact_answers'));
    await restartReplicas({ ENCRYPTION_KEY: KEY, CONTACT_CACHE_TTL_MS: '200', CONTACT_STALE_WHILE_REVALIDATE_MS: '0', SALESFORCE_RETRY_BASE_MS: '5' });
    const known = await aliceOn(0);
    await sleep(300);
    for (let i = 0; i < 200; i++) orgA.queueFault('query', { status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'Down for maintenance.' }] });
    try {
      for (const replica of [0, 1, 2]) expect(await aliceOn(replica)).toEqual({ ...known, stale: true });
      const port = new URL(replicas[2]!.url).port;
      await replicas[2]!.stop();
      replicas[2] = await startReplica(envWith({ ENCRYPTION_KEY: KEY, PORT: port, CONTACT_CACHE_TTL_MS: '200', CONTACT_STALE_WHILE_REVALIDATE_MS: '0', SALESFORCE_RETRY_BASE_MS: '5' }));
      expect(await aliceOn(2)).toEqual({ ...known, stale: true });
      people.setPeople([...PEOPLE, { id: 'p-dave', email: 'dave@replicas.example', name: 'Dave' }]);
      const dave = await gateways[1]!.query<{ person: { salesforceContact: unknown } | null }>('{ person(id: "p-dave") { salesforceContact { id } } }', {
        token: await memberToken(TENANT),
      });
      expect({ contact: dave.data?.person?.salesforceContact, codes: dave.errors?.map((e) => e.extensions?.code) }).toEqual({
        contact: null,
        codes: ['SALESFORCE_UNAVAILABLE'],
      });
    } finally {
      orgA.clearFaults();
      people.setPeople(PEOPLE);
    }
  });

  it('serves nothing it knows on any replica once Salesforce refuses the credentials (the customer revoked the app)', async () => {
    await sleep(300); // past the TTL of the replicas as the previous test left them
    orgA.addApp({ consumerKey: ORG_A.consumerKey, consumerSecret: `${ORG_A.consumerSecret}-rotated` });
    orgA.expireAllTokens();
    try {
      for (const replica of [0, 1, 2]) {
        const response = await gateways[replica]!.query<{ person: { salesforceContact: unknown } | null }>('{ person(id: "p-alice") { salesforceContact { id } } }', {
          token: await memberToken(TENANT),
        });
        expect({ contact: response.data?.person?.salesforceContact, codes: response.errors?.map((e) => e.extensions?.code) }).toEqual({
          contact: null,
          codes: ['SALESFORCE_AUTH_FAILED'],
        });
      }
    } finally {
      orgA.addApp({ consumerKey: ORG_A.consumerKey, consumerSecret: ORG_A.consumerSecret });
    }
  });

  it('rotates the encryption key while replicas serve: previous key for reading, then the new key alone', async () => {
    // Answers shared in the store would spare the replicas their tokens: every check below must open the secret.
    await withClient(database.url, (client) => client.query('DELETE FROM salesforce_contact_answers'));
    await restartReplicas({ ENCRYPTION_KEY: NEXT_KEY, ENCRYPTION_KEY_PREVIOUS: KEY, CONTACT_SHARED_CACHE: 'false' });
    orgA.expireAllTokens(); // the replicas must open the stored secret (sealed under KEY) to get new tokens
    for (const replica of [0, 1, 2]) expect((await seen(replica))['p-alice']).toBe('003A00000000001AAA');

    const rotation = await rotateKeys({ DATABASE_URL: database.url, ENCRYPTION_KEY: NEXT_KEY, ENCRYPTION_KEY_PREVIOUS: KEY });
    expect(rotation.stdout).toBe(
      `rotate-keys: 1 re-sealed under key ${encryptionKeyFromBase64(NEXT_KEY).id}, 0 already current, 0 unreadable, 0 skipped (changed concurrently)\n`,
    );

    await restartReplicas({ ENCRYPTION_KEY: NEXT_KEY, CONTACT_SHARED_CACHE: 'false' });
    orgA.expireAllTokens();
    for (const replica of [0, 1, 2]) expect((await seen(replica))['p-alice']).toBe('003A00000000001AAA');
  });

  it('refuses to start with only the retired key, naming ENCRYPTION_KEY', async () => {
    const refused = await startReplica(envWith({ ENCRYPTION_KEY: KEY })).then(
      async (replica) => {
        await replica.stop();
        throw new Error('a replica with only the retired key started');
      },
      (error: unknown) => error as ReplicaExited,
    );
    expect(refused).toBeInstanceOf(ReplicaExited);
    expect(refused.code).toBe(78);
    expect(refused.output).toMatch(/ENCRYPTION_KEY/);
  });
});

/** Test artifacts (git-ignored) for the record: measured figures the suite also asserts bounds on. */
function writeArtifact(name: string, data: unknown): void {
  const dir = path.resolve(__dirname, '..', 'artifacts');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), `${JSON.stringify(data, null, 2)}\n`);
}

/** `npm run rotate-keys` as an operator runs it, with only the environment given. */
function rotateKeys(env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('npm', ['run', '--silent', 'rotate-keys'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`rotate-keys failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}
