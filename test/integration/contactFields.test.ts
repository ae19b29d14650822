/**
 * Issue "custom fields, duplicates and connection insight", end to end through the gateway: admins choose the
 * synced fields, fields can vanish at Salesforce without breaking lookups, duplicates and relations resolve, and
 * the connection shows what it is doing.
 */
import type { EmulatorContact, EmulatorFieldDefinition } from '../../demo/salesforceEmulator';
import { type Stack, STACK_CONSUMER_KEY, startStack } from '../support/stack';

const FIELDS: EmulatorFieldDefinition[] = [
  { name: 'Genfin_Tier__c', type: 'picklist', label: 'Genfin Tier' },
  { name: 'Annual_Value__c', type: 'currency', label: 'Annual Value' },
  { name: 'Is_Vip__c', type: 'boolean', label: 'VIP' },
  { name: 'Renewal_Date__c', type: 'date', label: 'Renewal Date' },
  { name: 'Last_Touch__c', type: 'datetime', label: 'Last Touch' },
  { name: 'Secret_Score__c', type: 'double', label: 'Secret Score' },
  { name: 'Badge_Photo__c', type: 'base64', label: 'Badge Photo' },
];

const ADA: EmulatorContact = {
  Id: '003000000000001AAA',
  Email: 'ada@example.com',
  FirstName: 'Ada',
  LastName: 'Lovelace',
  AccountId: '001000000000001AAA',
  AccountName: 'Analytical Engines',
  OwnerId: '005000000000001AAA',
  OwnerName: 'Charles Babbage',
  OwnerEmail: 'charles@example.com',
  LastModifiedDate: '2024-05-01T10:00:00.000+0000',
  Genfin_Tier__c: 'Gold',
  Annual_Value__c: 125000.5,
  Is_Vip__c: true,
  Renewal_Date__c: '2025-01-31',
  Last_Touch__c: '2024-06-01T08:30:00.000+0200',
  Secret_Score__c: 0.97,
};

const SET_FIELDS = `
  mutation Set($fields: [String!]!) {
    setSalesforceContactFields(fields: $fields) {
      connection { status lastError customFields { name label type available } }
      userErrors { code field message }
    }
  }`;

const PERSON_QUERY = `{ people { id name
  salesforceContact { id lastName account { id name } owner { id name email } customFields { name label type value } }
  salesforceContacts { id lastName }
} }`;

const CONNECTION_QUERY = `{ salesforceConnection { status orgId lastError lastValidatedAt consumerKeyHint
  apiUsage { used max } customFields { name available } } }`;

interface SetData {
  setSalesforceContactFields: {
    connection: null | { status: string; lastError: string | null; customFields: Array<{ name: string; label: string; type: string; available: boolean }> };
    userErrors: Array<{ code: string; field: string[] | null; message: string }>;
  };
}

interface PeopleData {
  people: Array<{
    id: string;
    name: string;
    salesforceContact: null | {
      id: string;
      lastName: string;
      account: { id: string; name: string | null } | null;
      owner: { id: string; name: string | null; email: string | null } | null;
      customFields: Array<{ name: string; label: string; type: string; value: unknown }>;
    };
    salesforceContacts: Array<{ id: string; lastName: string }>;
  }>;
}

interface ConnectionData {
  salesforceConnection: null | {
    status: string;
    orgId: string | null;
    lastError: string | null;
    lastValidatedAt: string | null;
    consumerKeyHint: string;
    apiUsage: { used: number; max: number } | null;
    customFields: Array<{ name: string; available: boolean }>;
  };
}

describe('synced fields, duplicates and connection insight', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      emulator: { contacts: [ADA], fields: FIELDS, orgId: '00D000000000042EAA', apiUsageMax: 15000 },
      people: [{ id: 'p-ada', email: 'Ada@Example.com', name: 'Ada' }],
      // Off: these tests watch each query reach Salesforce.
      env: { CONTACT_CACHE_TTL_MS: '0' },
    });
    expect((await stack.connect('acme')).data?.connectSalesforce.userErrors).toEqual([]);
  });

  afterAll(() => stack.stop());

  beforeEach(() => {
    stack.emulator.resetCounters();
    stack.emulator.setHiddenFields([]);
    stack.people.setPeople([{ id: 'p-ada', email: 'Ada@Example.com', name: 'Ada' }]);
  });

  const setFields = (fields: string[], tenantId = 'acme') => stack.asAdmin<SetData>(tenantId, SET_FIELDS, { fields });

  describe('setSalesforceContactFields', () => {
    it('is for admins only', async () => {
      const response = await stack.asMember<SetData>('acme', SET_FIELDS, { fields: ['Genfin_Tier__c'] });
      expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('answers NOT_CONNECTED for a tenant without a connection', async () => {
      const response = await setFields(['Genfin_Tier__c'], 'nobody');
      expect(response.data?.setSalesforceContactFields.userErrors).toEqual([expect.objectContaining({ code: 'NOT_CONNECTED' })]);
    });

    it.each([
      'Email, Id',
      'Name FROM User WHERE Id != null --',
      "Tier__c'",
      'Account.Name',
      'Genfin Tier__c',
      'SELECT',
      'from',
      '',
      '1Field__c',
      'Field__c)',
      'Evil\\u0027__c',
    ])('refuses the injection-shaped name %j before any Salesforce call', async (name) => {
      const response = await setFields(['Genfin_Tier__c', name]);
      expect(response.data?.setSalesforceContactFields.connection).toBeNull();
      expect(response.data?.setSalesforceContactFields.userErrors).toEqual([
        expect.objectContaining({ code: 'INVALID_FIELD_NAME', field: ['fields', '1'] }),
      ]);
      expect(stack.emulator.requests).toEqual([]);
    });

    it('refuses duplicates', async () => {
      const response = await setFields(['Genfin_Tier__c', 'genfin_tier__c']);
      expect(response.data?.setSalesforceContactFields.userErrors).toEqual([expect.objectContaining({ code: 'DUPLICATE_FIELD', field: ['fields', '1'] })]);
    });

    it('names unknown and hidden fields as UNKNOWN_FIELD and saves nothing', async () => {
      expect((await setFields(['Genfin_Tier__c'])).data?.setSalesforceContactFields.userErrors).toEqual([]);
      stack.emulator.setHiddenFields(['Secret_Score__c']);
      const response = await setFields(['Annual_Value__c', 'No_Such_Field__c', 'Secret_Score__c']);
      const payload = response.data?.setSalesforceContactFields;
      expect(payload?.connection).toBeNull();
      expect(payload?.userErrors).toEqual([
        expect.objectContaining({ code: 'UNKNOWN_FIELD', field: ['fields', '1'], message: expect.stringContaining('No_Such_Field__c') }),
        expect.objectContaining({ code: 'UNKNOWN_FIELD', field: ['fields', '2'], message: expect.stringContaining('Secret_Score__c') }),
      ]);
      const connection = await stack.asMember<ConnectionData>('acme', CONNECTION_QUERY);
      expect(connection.data?.salesforceConnection?.customFields).toEqual([{ name: 'Genfin_Tier__c', available: true }]);
    });

    it.each([
      ['MailingAddress', /compound/],
      ['Badge_Photo__c', /base64/],
    ])('refuses %s with a clear reason', async (name, reason) => {
      const response = await setFields([name]);
      expect(response.data?.setSalesforceContactFields.userErrors).toEqual([
        expect.objectContaining({ code: 'UNSUPPORTED_FIELD_TYPE', message: expect.stringMatching(reason) }),
      ]);
    });

    it('saves the fields with describe labels and types, matching names case-insensitively', async () => {
      const response = await setFields(['genfin_tier__c', 'Annual_Value__c', 'Is_Vip__c', 'Renewal_Date__c', 'Last_Touch__c', 'Title']);
      expect(response.data?.setSalesforceContactFields).toEqual({
        userErrors: [],
        connection: expect.objectContaining({
          customFields: [
            { name: 'Genfin_Tier__c', label: 'Genfin Tier', type: 'picklist', available: true },
            { name: 'Annual_Value__c', label: 'Annual Value', type: 'currency', available: true },
            { name: 'Is_Vip__c', label: 'VIP', type: 'boolean', available: true },
            { name: 'Renewal_Date__c', label: 'Renewal Date', type: 'date', available: true },
            { name: 'Last_Touch__c', label: 'Last Touch', type: 'datetime', available: true },
            { name: 'Title', label: 'Title', type: 'string', available: true },
          ],
        }),
      });
    });
  });

  describe('SalesforceContact.customFields', () => {
    beforeAll(async () => {
      expect((await setFields(['Genfin_Tier__c', 'Annual_Value__c', 'Is_Vip__c', 'Renewal_Date__c', 'Last_Touch__c'])).data?.setSalesforceContactFields.userErrors).toEqual([]);
    });

    it('returns the configured fields in order with Salesforce JSON values', async () => {
      const response = await stack.asMember<PeopleData>('acme', PERSON_QUERY);
      expect(response.errors).toBeUndefined();
      expect(response.data?.people[0]?.salesforceContact?.customFields).toEqual([
        { name: 'Genfin_Tier__c', label: 'Genfin Tier', type: 'picklist', value: 'Gold' },
        { name: 'Annual_Value__c', label: 'Annual Value', type: 'currency', value: 125000.5 },
        { name: 'Is_Vip__c', label: 'VIP', type: 'boolean', value: true },
        { name: 'Renewal_Date__c', label: 'Renewal Date', type: 'date', value: '2025-01-31' },
        { name: 'Last_Touch__c', label: 'Last Touch', type: 'datetime', value: '2024-06-01T06:30:00.000Z' },
      ]);
    });

    it('keeps working when a field is removed between two queries, reports it once, and recovers when fixed', async () => {
      stack.emulator.setHiddenFields(['Annual_Value__c']);

      const first = await stack.asMember<PeopleData>('acme', PERSON_QUERY);
      expect(first.errors).toBeUndefined();
      const values = first.data?.people[0]?.salesforceContact?.customFields;
      expect(values?.map((f) => [f.name, f.value])).toEqual([
        ['Genfin_Tier__c', 'Gold'],
        ['Annual_Value__c', null],
        ['Is_Vip__c', true],
        ['Renewal_Date__c', '2025-01-31'],
        ['Last_Touch__c', '2024-06-01T06:30:00.000Z'],
      ]);

      const connection = await stack.asMember<ConnectionData>('acme', CONNECTION_QUERY);
      expect(connection.data?.salesforceConnection?.lastError).toContain('Annual_Value__c');
      expect(connection.data?.salesforceConnection?.customFields).toContainEqual({ name: 'Annual_Value__c', available: false });

      stack.emulator.resetCounters();
      const second = await stack.asMember<PeopleData>('acme', PERSON_QUERY);
      expect(second.errors).toBeUndefined();
      expect(stack.emulator.requests.filter((r) => r.status >= 400)).toEqual([]);
      expect(stack.emulator.counters.query).toBe(1);
      expect(stack.emulator.counters.describe).toBe(0);

      stack.emulator.setHiddenFields([]);
      const fixed = await setFields(['Genfin_Tier__c', 'Annual_Value__c', 'Is_Vip__c', 'Renewal_Date__c', 'Last_Touch__c']);
      expect(fixed.data?.setSalesforceContactFields.connection).toMatchObject({ status: 'CONNECTED', lastError: null });
      const after = await stack.asMember<PeopleData>('acme', PERSON_QUERY);
      expect(after.data?.people[0]?.salesforceContact?.customFields[1]?.value).toBe(125000.5);
    });
  });

  describe('duplicates and relations', () => {
    it('lists every contact sharing the email, newest first, from one SOQL query', async () => {
      stack.emulator.addContacts([
        { Id: '003000000000002AAA', Email: 'twin@example.com', LastName: 'Older', LastModifiedDate: '2023-01-01T00:00:00.000+0000' },
        { Id: '003000000000003AAA', Email: 'TWIN@example.com', LastName: 'Newer', LastModifiedDate: '2024-01-01T00:00:00.000+0000' },
      ]);
      stack.people.setPeople([{ id: 'p-twin', email: 'twin@example.com', name: 'Twin' }]);
      const response = await stack.asMember<PeopleData>('acme', PERSON_QUERY);
      const person = response.data?.people[0];
      expect(person?.salesforceContacts.map((c) => c.lastName)).toEqual(['Newer', 'Older']);
      expect(person?.salesforceContact?.lastName).toBe('Newer');
      expect(stack.emulator.counters.query).toBe(1);
    });

    it('resolves account and owner, and null when the contact has none', async () => {
      stack.emulator.addContacts([{ Id: '003000000000004AAA', Email: 'loner@example.com', LastName: 'Loner', AccountId: null, OwnerId: null }]);
      stack.people.setPeople([
        { id: 'p-ada', email: 'ada@example.com', name: 'Ada' },
        { id: 'p-loner', email: 'loner@example.com', name: 'Loner' },
      ]);
      const response = await stack.asMember<PeopleData>('acme', PERSON_QUERY);
      const [ada, loner] = response.data?.people ?? [];
      expect(ada?.salesforceContact).toMatchObject({
        account: { id: '001000000000001AAA', name: 'Analytical Engines' },
        owner: { id: '005000000000001AAA', name: 'Charles Babbage', email: 'charles@example.com' },
      });
      expect(loner?.salesforceContact).toMatchObject({ account: null, owner: null });
    });

    it('returns an empty list, not an error, when nobody matches', async () => {
      stack.people.setPeople([{ id: 'p-x', email: 'nobody@example.com', name: 'X' }]);
      const response = await stack.asMember<PeopleData>('acme', PERSON_QUERY);
      expect(response.data?.people[0]).toMatchObject({ salesforceContact: null, salesforceContacts: [] });
    });
  });

  describe('connection insight', () => {
    it('shows the org id and the API usage from the latest Sforce-Limit-Info', async () => {
      await stack.asMember<PeopleData>('acme', PERSON_QUERY);
      const connection = (await stack.asMember<ConnectionData>('acme', CONNECTION_QUERY)).data?.salesforceConnection;
      expect(connection?.orgId).toBe('00D000000000042EAA');
      expect(connection?.apiUsage).toEqual({ used: expect.any(Number), max: 15000 });
      expect(connection?.apiUsage?.used).toBeGreaterThan(0);
    });

    it('testSalesforceConnection re-validates without changing the credentials', async () => {
      const before = (await stack.asMember<ConnectionData>('acme', CONNECTION_QUERY)).data?.salesforceConnection;
      const TEST = 'mutation { testSalesforceConnection { connection { status lastValidatedAt consumerKeyHint } userErrors { code message } } }';
      const ok = await stack.asAdmin<{ testSalesforceConnection: { connection: { status: string; lastValidatedAt: string; consumerKeyHint: string }; userErrors: unknown[] } }>('acme', TEST);
      expect(ok.data?.testSalesforceConnection.userErrors).toEqual([]);
      expect(ok.data?.testSalesforceConnection.connection.status).toBe('CONNECTED');
      expect(Date.parse(ok.data?.testSalesforceConnection.connection.lastValidatedAt ?? '')).toBeGreaterThan(Date.parse(before?.lastValidatedAt ?? ''));
      expect(stack.emulator.counters.token).toBe(1);
      expect(stack.emulator.counters.describe).toBe(1);

      stack.emulator.addApp({ consumerKey: STACK_CONSUMER_KEY, consumerSecret: 'rotated-at-salesforce' });
      try {
        const failed = await stack.asAdmin<{ testSalesforceConnection: { connection: { status: string; consumerKeyHint: string }; userErrors: Array<{ code: string }> } }>('acme', TEST);
        expect(failed.data?.testSalesforceConnection.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_CLIENT_CREDENTIALS' })]);
        expect(failed.data?.testSalesforceConnection.connection).toMatchObject({ status: 'ERROR', consumerKeyHint: before?.consumerKeyHint });
      } finally {
        stack.emulator.addApp({ consumerKey: STACK_CONSUMER_KEY, consumerSecret: 'stack-consumer-secret-not-for-logs' });
      }
      const healed = await stack.asAdmin<{ testSalesforceConnection: { connection: { status: string } } }>('acme', TEST);
      expect(healed.data?.testSalesforceConnection.connection.status).toBe('CONNECTED');
    });

    it('testSalesforceConnection answers NOT_CONNECTED for a tenant without a connection', async () => {
      const response = await stack.asAdmin<{ testSalesforceConnection: { connection: null; userErrors: Array<{ code: string }> } }>(
        'nobody',
        'mutation { testSalesforceConnection { connection { status } userErrors { code } } }',
      );
      expect(response.data?.testSalesforceConnection).toEqual({ connection: null, userErrors: [{ code: 'NOT_CONNECTED' }] });
    });
  });

  describe('connectSalesforce checks Contact access and replaces atomically', () => {
    it('refuses with CONTACT_NOT_READABLE when the Run-As user cannot read Contact', async () => {
      stack.emulator.setContactReadable(false);
      try {
        const response = await stack.connect('no-contact');
        expect(response.data?.connectSalesforce.userErrors).toEqual([
          expect.objectContaining({ code: 'CONTACT_NOT_READABLE', message: expect.stringMatching(/Read on Contact/) }),
        ]);
      } finally {
        stack.emulator.setContactReadable(true);
      }
    });

    it('connects when describe is not served but Contact answers a query (then selects the standard fields)', async () => {
      stack.emulator.queueFault('describe', { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] });
      const response = await stack.connect('no-describe');
      expect(response.data?.connectSalesforce.userErrors).toEqual([]);
      expect(stack.emulator.counters.query).toBe(1);
      const lookup = await stack.asMember<PeopleData>('no-describe', PERSON_QUERY);
      expect(lookup.errors).toBeUndefined();
      expect(lookup.data?.people[0]?.salesforceContact?.id).toBe(ADA.Id);

      // A standard field the org does not know: still no describe, so the INVALID_FIELD message alone names it.
      stack.emulator.setHiddenFields(['Title']);
      stack.emulator.queueFault('describe', { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] });
      const without = await stack.asMember<PeopleData>('no-describe', PERSON_QUERY);
      expect(without.errors).toBeUndefined();
      expect(without.data?.people[0]?.salesforceContact?.id).toBe(ADA.Id);
    });

    it('refuses with CONTACT_NOT_READABLE naming Email when field-level security hides it', async () => {
      stack.emulator.setHiddenFields(['Email']);
      const response = await stack.connect('no-email');
      expect(response.data?.connectSalesforce.userErrors).toEqual([
        expect.objectContaining({ code: 'CONTACT_NOT_READABLE', message: expect.stringContaining('Contact.Email') }),
      ]);
      const read = await stack.asMember<ConnectionData>('no-email', CONNECTION_QUERY);
      expect(read.data?.salesforceConnection).toBeNull();
    });

    it('a failed reconnect leaves the working connection untouched', async () => {
      const before = (await stack.asMember<ConnectionData>('acme', CONNECTION_QUERY)).data?.salesforceConnection;
      const response = await stack.connect('acme', { consumerKey: 'other-key-9999', consumerSecret: 'whatever' });
      expect(response.data?.connectSalesforce.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_CLIENT_CREDENTIALS' })]);
      const after = (await stack.asMember<ConnectionData>('acme', CONNECTION_QUERY)).data?.salesforceConnection;
      expect(after?.consumerKeyHint).toBe(before?.consumerKeyHint);
      const lookup = await stack.asMember<PeopleData>('acme', PERSON_QUERY);
      expect(lookup.data?.people[0]?.salesforceContact?.id).toBe(ADA.Id);
    });

    it('a reconnect with a new secret replaces the old one and keeps the chosen fields', async () => {
      stack.emulator.addApp({ consumerKey: STACK_CONSUMER_KEY, consumerSecret: 'the-new-secret-value' });
      const response = await stack.connect('acme', { consumerSecret: 'the-new-secret-value' });
      expect(response.data?.connectSalesforce.userErrors).toEqual([]);
      stack.emulator.expireAllTokens();
      const lookup = await stack.asMember<PeopleData>('acme', PERSON_QUERY);
      expect(lookup.errors).toBeUndefined();
      expect(lookup.data?.people[0]?.salesforceContact?.customFields.map((f) => f.name)).toContain('Genfin_Tier__c');
      expect(stack.subgraph.logs()).not.toContain('the-new-secret-value');
    });
  });
});
