/**
 * Issue "Salesforce is slow, scarce and sometimes down", point 5: the database goes away for a few seconds under
 * steady traffic. Two replicas, each behind a gateway, reach PostgreSQL through a proxy that resets every
 * connection and refuses new ones. Meanwhile each replica keeps serving with what it knows (the tenant's connection
 * as last read, its cached contacts) and asks Salesforce for the rest, so no page carries any error code; a
 * mutation that needs the store says STORE_UNAVAILABLE (never a SALESFORCE_* code nor INTERNAL_SERVER_ERROR); /ready
 * says 503; and all is as before once the database is back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { typeDefs } from '../../src/server';
import { type GraphQLResponse, type RunningGateway, startGateway } from '../../demo/gateway';
import { CONNECT_MUTATION } from '../../demo/operations';
import { peopleTypeDefs, type RunningPeopleSubgraph, startPeopleSubgraph } from '../../demo/peopleSubgraph';
import { SalesforceEmulator } from '../../demo/salesforceEmulator';
import { adminToken, memberToken } from '../support/jwt';
import { createScratchDatabase } from '../support/postgres';
import { PostgresProxy } from '../support/postgresProxy';
import { STACK_CONSUMER_KEY, STACK_CONSUMER_SECRET } from '../support/stack';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph';
import { contactId, matchingPeopleAndContacts } from './fixtures';

const TENANT = 'outage';
const OUTAGE_MS = 3_000;
const fixture = matchingPeopleAndContacts(30, 'outage');
/** People 0–19 are read before the outage; 20–29 only during it. */
const WARM = 20;
/** A page of people by id, one alias each (ids are plain fixture ids). */
function pageQuery(ids: string[]): string {
  return `{ ${ids.map((id, i) => `p${i}: person(id: "${id}") { id salesforceContact { id } }`).join(' ')} }`;
}

type PageData = Record<string, { id: string; salesforceContact: { id: string } | null } | null>;

describe('the database away for a few seconds under traffic', () => {
  let database: { url: string; drop(): Promise<void> };
  let proxy: PostgresProxy;
  let emulator: SalesforceEmulator;
  let people: RunningPeopleSubgraph;
  let replicas: TestSubgraph[] = [];
  let gateways: RunningGateway[] = [];

  beforeAll(async () => {
    database = await createScratchDatabase('outage');
    proxy = await PostgresProxy.start(database.url);
    emulator = await SalesforceEmulator.start({ apps: [{ consumerKey: STACK_CONSUMER_KEY, consumerSecret: STACK_CONSUMER_SECRET }], contacts: fixture.contacts });
    people = await startPeopleSubgraph(fixture.people);
    replicas = await Promise.all([0, 1].map(() => startTestSubgraph({ env: { DATABASE_URL: proxy.url(database.url) } })));
    gateways = await Promise.all(
      replicas.map((replica) =>
        startGateway([
          { name: 'people', url: people.url, typeDefs: peopleTypeDefs },
          { name: 'salesforce', url: replica.url, typeDefs },
        ]),
      ),
    );
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await Promise.all(replicas.map((replica) => replica.stop()));
    await people?.stop();
    await emulator?.close();
    await proxy?.close();
    await database?.drop();
  });

  const ids = (from: number, to: number) => fixture.people.slice(from, to).map((person) => person.id);
  const page = async (replica: number, from: number, to: number): Promise<GraphQLResponse<PageData>> =>
    gateways[replica]!.query<PageData>(pageQuery(ids(from, to)), { token: await memberToken(TENANT) });
  const codesOf = (response: GraphQLResponse<unknown>) => (response.errors ?? []).map((e) => String(e.extensions?.code));
  const enriched = (response: GraphQLResponse<PageData>, from: number) => {
    const found = Object.values(response.data ?? {});
    return found.length > 0 && found.every((person, i) => person?.salesforceContact?.id === contactId(from + i));
  };

  it('keeps serving what it knows, asks Salesforce for the rest, and blames the store, not Salesforce', async () => {
    const connected = await gateways[0]!.query<{ connectSalesforce: { userErrors: unknown[] } }>(CONNECT_MUTATION, {
      token: await adminToken(TENANT),
      variables: { input: { consumerKey: STACK_CONSUMER_KEY, consumerSecret: STACK_CONSUMER_SECRET, instanceUrl: emulator.url } },
    });
    expect(connected.data?.connectSalesforce.userErrors).toEqual([]);
    for (const replica of [0, 1]) expect(enriched(await page(replica, 0, WARM), 0)).toBe(true);

    proxy.refuse();
    const outageEnds = Date.now() + OUTAGE_MS;
    const answers: Array<{ warm: boolean; enriched: boolean; codes: string[] }> = [];
    let cold = 0;
    for (let i = 0; Date.now() < outageEnds; i++) {
      const replica = i % 2;
      const warm = i % 3 !== 2;
      const from = warm ? (i * 3) % 15 : WARM + (cold++ % 10);
      const to = warm ? from + 5 : from + 1;
      const response = await page(replica, from, to);
      answers.push({ warm, enriched: enriched(response, from), codes: codesOf(response) });
      await sleep(40);
    }
    const ready = await fetch(new URL('/ready', replicas[0]!.url));
    const mutation = await gateways[1]!.query('mutation { setSalesforceContactFields(fields: []) { userErrors { code } } }', { token: await adminToken(TENANT) });
    proxy.restore();

    const codes = answers.flatMap((answer) => answer.codes);
    expect(codes).toEqual([]); // no SALESFORCE_* code, no INTERNAL_SERVER_ERROR: every page was answered
    expect(answers.filter((answer) => answer.warm).every((answer) => answer.enriched)).toBe(true);
    expect(answers.filter((answer) => !answer.warm).every((answer) => answer.enriched)).toBe(true); // Salesforce answered those
    expect(answers.length).toBeGreaterThan(20);
    expect(ready.status).toBe(503);
    expect(codesOf(mutation)).toEqual(['STORE_UNAVAILABLE']);
    expect(mutation.errors?.[0]?.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|postgres/i);

    // The database is back: changes are written and served again.
    let back = false;
    for (let i = 0; i < 100 && !back; i++) {
      const retried = await gateways[1]!.query<{ setSalesforceContactFields: { userErrors: unknown[] } }>(
        'mutation { setSalesforceContactFields(fields: []) { userErrors { code } } }',
        { token: await adminToken(TENANT) },
      );
      back = retried.errors === undefined && retried.data?.setSalesforceContactFields.userErrors.length === 0;
      if (!back) await sleep(50);
    }
    expect(back).toBe(true);
    for (const replica of [0, 1]) expect(enriched(await page(replica, 0, 30), 0)).toBe(true);
    expect((await fetch(new URL('/ready', replicas[0]!.url))).status).toBe(200);
  });
});
