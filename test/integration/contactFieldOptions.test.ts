/**
 * salesforceContactFieldOptions through the gateway: what the admin's field picker is fed. Admins only; the
 * fields come from the org's describe as the integration user sees it.
 */
import { postGraphQL } from '../../demo/gateway';
import type { EmulatorFieldDefinition } from '../../demo/salesforceEmulator';
import { type Stack, startStack } from '../support/stack';
import type { ContactFieldOption } from '../../src/connections/contactFieldOptions';

const FIELDS: EmulatorFieldDefinition[] = [
  { name: 'Genfin_Tier__c', type: 'picklist', label: 'Genfin Tier', picklistValues: ['Gold', 'Silver', 'Bronze'] },
  { name: 'Credit_Score__c', type: 'double', label: 'Credit Score' },
  { name: 'Badge_Photo__c', type: 'base64', label: 'Badge Photo' },
];

const OPTIONS_QUERY = `{ salesforceContactFieldOptions { name label type custom syncable notSyncableReason chosen } }`;

const SET_FIELDS = `mutation Set($fields: [String!]!) { setSalesforceContactFields(fields: $fields) { userErrors { code message } } }`;

type Option = ContactFieldOption;

interface OptionsData {
  salesforceContactFieldOptions: Option[];
}

describe('salesforceContactFieldOptions', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ emulator: { fields: FIELDS, hiddenFields: ['Credit_Score__c'] } });
    expect((await stack.connect('acme')).data?.connectSalesforce.userErrors).toEqual([]);
  });

  afterAll(() => stack.stop());

  beforeEach(() => stack.emulator.setContactReadable(true));

  const options = async (tenantId = 'acme'): Promise<Map<string, Option>> => {
    const response = await stack.asAdmin<OptionsData>(tenantId, OPTIONS_QUERY);
    expect(response.errors).toBeUndefined();
    return new Map((response.data?.salesforceContactFieldOptions ?? []).map((option) => [option.name, option]));
  };

  it('lists the fields the integration user can read, each with whether it can be synced and why not', async () => {
    const found = await options();
    expect(found.get('Genfin_Tier__c')).toEqual({
      name: 'Genfin_Tier__c',
      label: 'Genfin Tier',
      type: 'picklist',
      custom: true,
      syncable: true,
      notSyncableReason: null,
      chosen: false,
    });
    expect(found.get('Email')).toMatchObject({ custom: false, syncable: true });
    expect(found.get('MailingAddress')).toMatchObject({ type: 'address', syncable: false, notSyncableReason: expect.stringContaining('compound address field') });
    expect(found.get('Badge_Photo__c')).toMatchObject({ syncable: false, notSyncableReason: expect.stringContaining('base64') });
    // Hidden by field-level security: describe leaves it out, so it is no choice at all.
    expect(found.has('Credit_Score__c')).toBe(false);
  });

  it('marks the fields synced now as chosen, and asks describe afresh each time', async () => {
    expect((await stack.asAdmin<{ setSalesforceContactFields: { userErrors: unknown[] } }>('acme', SET_FIELDS, { fields: ['Genfin_Tier__c'] })).data)
      .toEqual({ setSalesforceContactFields: { userErrors: [] } });
    stack.emulator.resetCounters();
    expect((await options()).get('Genfin_Tier__c')?.chosen).toBe(true);
    expect((await options()).get('Email')?.chosen).toBe(false);
    expect(stack.emulator.counters.describe).toBe(2);
  });

  it('is for admins only: FORBIDDEN for a member, UNAUTHENTICATED without a token', async () => {
    const member = await stack.asMember<OptionsData>('acme', OPTIONS_QUERY);
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(member.data).toBeNull();
    const anonymous = await postGraphQL<OptionsData>(stack.gateway.url, OPTIONS_QUERY);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('says NOT_CONNECTED for a tenant without a connection', async () => {
    const response = await stack.asAdmin<OptionsData>('nobody', OPTIONS_QUERY);
    expect(response.errors?.[0]).toMatchObject({
      message: expect.stringContaining('no Salesforce connection'),
      extensions: { code: 'NOT_CONNECTED' },
    });
  });

  it('says CONTACT_NOT_READABLE when the Run-As user has lost access to Contact', async () => {
    stack.emulator.setContactReadable(false);
    const response = await stack.asAdmin<OptionsData>('acme', OPTIONS_QUERY);
    expect(response.errors?.[0]).toMatchObject({
      message: 'The Run-As user can no longer read Contact records.',
      extensions: { code: 'CONTACT_NOT_READABLE' },
    });
  });

  it('says what went wrong when Salesforce fails, without internals', async () => {
    stack.emulator.queueFault('describe', { status: 403, body: [{ errorCode: 'API_DISABLED_FOR_ORG', message: 'The REST API is not enabled for this Organization.' }] });
    const response = await stack.asAdmin<OptionsData>('acme', OPTIONS_QUERY);
    expect(response.errors?.[0]).toMatchObject({ extensions: { code: 'API_DISABLED' }, message: expect.stringContaining('REST API is not enabled') });
  });
});
