/**
 * Issue "A connection change must leave nothing behind", points 6 and 7, end to end through a real Apollo Gateway:
 * what a lookup finds must be filed under, and judged against, the connection it was really made under.
 *
 * 6. An answer made without a synced field (found hidden by field-level security mid-lookup) is not served once
 *    the admin sets the same field list again: setting the fields again brings the field back at once.
 * 7. A lookup in flight when an admin changes the synced fields is asked again once under the current connection,
 *    so the user gets the contact rather than a false "Salesforce could not be reached"; if that cannot finish
 *    within the request deadline, the error says SALESFORCE_CONNECTION_CHANGED, not SALESFORCE_UNAVAILABLE.
 *
 * Each sequence is driven with the emulator's holds (holdNext), never with sleeps. Every test starts a stack of
 * its own, and every hold a test takes is released when it ends, so nothing leaks or hangs.
 */
import type { GraphQLResponse } from '../../demo/gateway';
import type { EmulatorContact, EmulatorFieldDefinition, EmulatorHold } from '../../demo/salesforceEmulator';
import { type Stack, startStack } from '../support/stack';

const PERSON = { id: 'p-ada', email: 'ada@lookups.example', name: 'Ada' };

const FIELDS: EmulatorFieldDefinition[] = [{ name: 'Genfin_Tier__c', type: 'picklist', label: 'Genfin Tier', picklistValues: ['Gold', 'Silver'] }];

const ADA: EmulatorContact = {
  Id: '003000000000001AAA',
  Email: 'ada@lookups.example',
  FirstName: 'Ada',
  LastName: 'Lovelace',
  LastModifiedDate: '2024-05-01T10:00:00.000+0000',
  Genfin_Tier__c: 'Gold',
};

const PERSON_QUERY = `
  query Person($id: ID!) { person(id: $id) { id salesforceContact { id lastName customFields { name value } } } }`;

const SET_FIELDS = `
  mutation Set($fields: [String!]!) {
    setSalesforceContactFields(fields: $fields) {
      connection { status lastError customFields { name available } }
      userErrors { code field message }
    }
  }`;

const CONNECTION_QUERY = '{ salesforceConnection { status lastError customFields { name available } } }';

interface PersonData {
  person: null | {
    id: string;
    salesforceContact: null | { id: string; lastName: string | null; customFields: Array<{ name: string; value: unknown }> };
  };
}

interface SetData {
  setSalesforceContactFields: {
    connection: null | { status: string; lastError: string | null; customFields: Array<{ name: string; available: boolean }> };
    userErrors: Array<{ code: string; field: string[] | null; message: string }>;
  };
}

interface ConnectionData {
  salesforceConnection: null | { status: string; lastError: string | null; customFields: Array<{ name: string; available: boolean }> };
}

/** Error codes and messages of a response, so a failed expectation says what the subgraph answered. */
function problems(response: GraphQLResponse<unknown>): string[] {
  return (response.errors ?? []).map((e) => `${String(e.extensions?.code)}: ${e.message}`);
}

/** A SOQL query or one of its further pages (pathname only; the SOQL is in the query string). */
function isQueryRequest(path: string): boolean {
  return /^\/services\/data\/[^/]+\/query(\/|$)/.test(path);
}

describe('a connection change leaves nothing behind: lookups', () => {
  let stack: Stack | undefined;
  /** Every hold a test took: released when it ends, whatever happened. */
  let holds: EmulatorHold[] = [];

  afterEach(async () => {
    for (const hold of holds) hold.release();
    holds = [];
    await stack?.stop();
    stack = undefined;
  });

  async function start(env: Record<string, string>): Promise<Stack> {
    stack = await startStack({ emulator: { contacts: [ADA], fields: FIELDS }, people: [PERSON], env });
    return stack;
  }

  function hold(s: Stack): EmulatorHold {
    const held = s.emulator.holdNext('query');
    holds.push(held);
    return held;
  }

  async function connect(s: Stack, tenantId: string): Promise<void> {
    const response = await s.connect(tenantId);
    expect(problems(response)).toEqual([]);
    expect(response.data?.connectSalesforce.userErrors).toEqual([]);
    s.emulator.resetCounters();
  }

  async function setFields(s: Stack, tenantId: string, fields: string[]): Promise<void> {
    const response = await s.asAdmin<SetData>(tenantId, SET_FIELDS, { fields });
    expect(problems(response)).toEqual([]);
    expect(response.data?.setSalesforceContactFields.userErrors).toEqual([]);
    expect(response.data?.setSalesforceContactFields.connection).toMatchObject({
      status: 'CONNECTED',
      lastError: null,
      customFields: fields.map((name) => ({ name, available: true })),
    });
  }

  const lookup = (s: Stack, tenantId: string) => s.asMember<PersonData>(tenantId, PERSON_QUERY, { id: PERSON.id });

  const queriesSent = (s: Stack) => s.emulator.requests.filter((r) => isQueryRequest(r.path)).length;

  it('6. serves the field again right after the same field list is set again, not an answer cached without it', async () => {
    const tenantId = 'lookups-field-back';
    const s = await start({ CONTACT_CACHE_TTL_MS: '600000' });
    await connect(s, tenantId);
    await setFields(s, tenantId, ['Genfin_Tier__c']);

    // Hidden before the person's first lookup: its query answers INVALID_FIELD, the lookup marks the field
    // unavailable and asks again without it.
    s.emulator.setHiddenFields(['Genfin_Tier__c']);
    const without = await lookup(s, tenantId);
    expect(problems(without)).toEqual([]);
    expect(without.data?.person?.salesforceContact).toEqual({
      id: ADA.Id,
      lastName: 'Lovelace',
      customFields: [{ name: 'Genfin_Tier__c', value: null }],
    });
    expect(s.emulator.requests.filter((r) => isQueryRequest(r.path) && r.status === 400)).toHaveLength(1);
    const marked = await s.asMember<ConnectionData>(tenantId, CONNECTION_QUERY);
    expect(marked.data?.salesforceConnection?.customFields).toEqual([{ name: 'Genfin_Tier__c', available: false }]);

    // The admin brings the field back the documented way: the same list again.
    s.emulator.setHiddenFields([]);
    await setFields(s, tenantId, ['Genfin_Tier__c']);
    s.emulator.resetCounters();

    const back = await lookup(s, tenantId);
    expect(problems(back)).toEqual([]);
    // Together, so a failure shows both the value served and whether Salesforce was asked for it.
    expect({ customFields: back.data?.person?.salesforceContact?.customFields, queriesSent: queriesSent(s) }).toEqual({
      customFields: [{ name: 'Genfin_Tier__c', value: 'Gold' }],
      queriesSent: 1,
    });
  });

  it('7. asks again under the current connection when an admin changes the synced fields during a lookup', async () => {
    const tenantId = 'lookups-fields-changed';
    const s = await start({ CONTACT_CACHE_TTL_MS: '0' });
    await connect(s, tenantId);

    // The lookup's query (made with no synced fields) is held at the emulator while the admin adds one.
    const queryHold = hold(s);
    const pending = lookup(s, tenantId);
    await queryHold.arrived;
    await setFields(s, tenantId, ['Genfin_Tier__c']);
    queryHold.release();

    const response = await pending;
    expect(problems(response)).toEqual([]);
    expect(response.data?.person).toEqual({
      id: PERSON.id,
      salesforceContact: { id: ADA.Id, lastName: 'Lovelace', customFields: [{ name: 'Genfin_Tier__c', value: 'Gold' }] },
    });
    // The held one, then the one asked under the new fields.
    expect(queriesSent(s)).toBe(2);
  });

  it('7. says SALESFORCE_CONNECTION_CHANGED, not an outage, when asking again cannot finish within the deadline', async () => {
    const tenantId = 'lookups-changed-late';
    const s = await start({ CONTACT_CACHE_TTL_MS: '0', SALESFORCE_REQUEST_DEADLINE_MS: '1500' });
    await connect(s, tenantId);

    const firstHold = hold(s);
    const pending = lookup(s, tenantId);
    await firstHold.arrived;
    await setFields(s, tenantId, ['Genfin_Tier__c']);
    // The query asked again under the new connection is held past the request's deadline: it is released only
    // after the response (which comes when the deadline passes), in afterEach.
    hold(s);
    firstHold.release();

    const response = await pending;
    const error = response.errors?.[0];
    expect({ code: error?.extensions?.code, problems: problems(response) }).toEqual({
      code: 'SALESFORCE_CONNECTION_CHANGED',
      problems: [expect.stringMatching(/connection was changed/)],
    });
    expect(error?.message).not.toMatch(/could not be reached/);
    expect(response.data?.person?.salesforceContact ?? null).toBeNull();
    // It did ask again: the second query reached the emulator (and is still held).
    expect(queriesSent(s)).toBe(2);
  });
});
