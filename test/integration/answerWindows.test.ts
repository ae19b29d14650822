/**
 * Issue "Salesforce is slow, scarce and sometimes down", points 2–4, end to end through a real Apollo Gateway: an
 * answer says when Salesforce gave it; past the TTL it is served at once and refreshed behind; when Salesforce
 * cannot answer, what is known is served marked stale (by a replica restarted meanwhile too), but never after
 * Salesforce refused the credentials.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { postGraphQL } from '../../demo/gateway';
import type { EmulatorFault } from '../../demo/salesforceEmulator';
import { memberToken } from '../support/jwt';
import { type Stack, STACK_CONSUMER_KEY, STACK_CONSUMER_SECRET, startStack } from '../support/stack';
import { startTestSubgraph } from '../support/subgraph';
import { contactId, matchingPeopleAndContacts } from './fixtures';

const TTL_MS = 300;
const fixture = matchingPeopleAndContacts(3, 'windows');
const PERSON_QUERY = `query Person($id: ID!) { person(id: $id) { id salesforceContact { id lastName fetchedAt stale } } }`;
const UNAVAILABLE_503: EmulatorFault = { status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'Down for maintenance.' }] };

interface PersonData {
  person: { id: string; salesforceContact: null | { id: string; lastName: string | null; fetchedAt: string; stale: boolean } } | null;
}

function personId(i: number): string {
  return fixture.people[i]!.id;
}

describe('answer windows through the gateway', () => {
  let stack: Stack;

  afterEach(async () => {
    await stack?.stop();
  });

  async function start(env: Record<string, string>): Promise<void> {
    stack = await startStack({
      emulator: { contacts: fixture.contacts },
      people: fixture.people,
      env: { CONTACT_CACHE_TTL_MS: String(TTL_MS), SALESFORCE_RETRY_BASE_MS: '5', ...env },
    });
    expect((await stack.connect('windows')).data?.connectSalesforce.userErrors).toEqual([]);
  }

  const contactOf = async (i: number) => {
    const response = await stack.asMember<PersonData>('windows', PERSON_QUERY, { id: personId(i) });
    return { contact: response.data?.person?.salesforceContact ?? null, codes: (response.errors ?? []).map((e) => e.extensions?.code) };
  };

  it('says when Salesforce gave the answer', async () => {
    await start({});
    const before = Date.now();
    const { contact, codes } = await contactOf(0);
    expect(codes).toEqual([]);
    expect(contact).toMatchObject({ id: contactId(0), stale: false });
    const fetchedAt = Date.parse(contact!.fetchedAt);
    expect(fetchedAt).toBeGreaterThanOrEqual(before - 5);
    expect(fetchedAt).toBeLessThanOrEqual(Date.now());
  });

  it('past the TTL, answers at once with what it has, and refreshes it behind for the next reader', async () => {
    await start({ CONTACT_STALE_WHILE_REVALIDATE_MS: '60000' });
    const first = (await contactOf(0)).contact!;
    await sleep(TTL_MS + 50);
    stack.emulator.setContacts(fixture.contacts.map((c, i) => (i === 0 ? { ...c, LastName: 'Renamed' } : c)));
    stack.emulator.setLatency(300);
    stack.emulator.resetCounters();
    const started = performance.now();
    const served = await contactOf(0);
    const tookMs = performance.now() - started;
    expect(served).toEqual({ contact: first, codes: [] }); // the old answer, as it was
    expect(tookMs).toBeLessThan(250); // not Salesforce's 300 ms
    // The refresh lands behind; the next reader sees it.
    let after = served.contact!;
    for (let i = 0; i < 100 && after.lastName !== 'Renamed'; i++) {
      await sleep(20);
      after = (await contactOf(0)).contact!;
    }
    expect(after).toMatchObject({ lastName: 'Renamed', stale: false });
    expect(Date.parse(after.fetchedAt)).toBeGreaterThan(Date.parse(first.fetchedAt));
    expect(stack.emulator.counters.query).toBe(1);
  });

  it('serves the last known contact, marked stale, while Salesforce is down; an unknown person gets the error', async () => {
    await start({ CONTACT_STALE_WHILE_REVALIDATE_MS: '0' });
    const known = (await contactOf(0)).contact!;
    await sleep(TTL_MS + 50);
    for (let i = 0; i < 12; i++) stack.emulator.queueFault('query', UNAVAILABLE_503);
    expect(await contactOf(0)).toEqual({ contact: { ...known, stale: true }, codes: [] });
    expect(await contactOf(1)).toEqual({ contact: null, codes: ['SALESFORCE_UNAVAILABLE'] });
    // The outage still shows on the connection.
    const connection = await stack.asAdmin<{ salesforceConnection: { status: string; lastError: string | null } }>(
      'windows',
      '{ salesforceConnection { status lastError } }',
    );
    expect(connection.data?.salesforceConnection.status).toBe('ERROR');

    // A replica started meanwhile (same store) knows it too.
    const restarted = await startTestSubgraph({
      dataDir: stack.subgraph.dataDir,
      env: { CONTACT_CACHE_TTL_MS: String(TTL_MS), CONTACT_STALE_WHILE_REVALIDATE_MS: '0', SALESFORCE_RETRY_BASE_MS: '5' },
    });
    try {
      const looked = await postGraphQL<{ _entities: Array<{ salesforceContact: { id: string; stale: boolean; fetchedAt: string } | null }> }>(
        restarted.url,
        'query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Person { salesforceContact { id stale fetchedAt } } } }',
        { token: await memberToken('windows'), variables: { reps: [{ __typename: 'Person', id: personId(0), email: fixture.people[0]!.email }] } },
      );
      expect(looked.data?._entities[0]?.salesforceContact).toEqual({ id: contactId(0), stale: true, fetchedAt: known.fetchedAt });
    } finally {
      await restarted.stop();
    }
  });

  it('inside the revalidate window too: the refresh that Salesforce refuses ends what is served, in both tiers', async () => {
    await start({ CONTACT_STALE_WHILE_REVALIDATE_MS: '60000' });
    const known = (await contactOf(0)).contact!;
    await sleep(TTL_MS + 50);
    stack.emulator.addApp({ consumerKey: STACK_CONSUMER_KEY, consumerSecret: `${STACK_CONSUMER_SECRET}-rotated` });
    stack.emulator.expireAllTokens();
    expect(await contactOf(0)).toEqual({ contact: known, codes: [] }); // served at once; its refresh is refused behind
    let after = await contactOf(0);
    for (let i = 0; i < 100 && after.contact !== null; i++) {
      await sleep(20);
      after = await contactOf(0);
    }
    expect(after).toEqual({ contact: null, codes: ['SALESFORCE_AUTH_FAILED'] });
    const restarted = await startTestSubgraph({ dataDir: stack.subgraph.dataDir, env: { CONTACT_CACHE_TTL_MS: String(TTL_MS) } });
    try {
      const looked = await postGraphQL<{ _entities: Array<{ salesforceContact: unknown }> }>(
        restarted.url,
        'query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Person { salesforceContact { id } } } }',
        { token: await memberToken('windows'), variables: { reps: [{ __typename: 'Person', id: personId(0), email: fixture.people[0]!.email }] } },
      );
      expect({ contact: looked.data?._entities[0]?.salesforceContact, codes: looked.errors?.map((e) => e.extensions?.code) }).toEqual({
        contact: null,
        codes: ['SALESFORCE_AUTH_FAILED'],
      });
    } finally {
      await restarted.stop();
    }
  });

  it('serves nothing it knows once Salesforce refuses the credentials (the customer revoked access)', async () => {
    await start({ CONTACT_STALE_WHILE_REVALIDATE_MS: '0' });
    expect((await contactOf(0)).contact).not.toBeNull();
    await sleep(TTL_MS + 50);
    stack.emulator.addApp({ consumerKey: STACK_CONSUMER_KEY, consumerSecret: `${STACK_CONSUMER_SECRET}-rotated` });
    stack.emulator.expireAllTokens();
    expect(await contactOf(0)).toEqual({ contact: null, codes: ['SALESFORCE_AUTH_FAILED'] });
  });
});
