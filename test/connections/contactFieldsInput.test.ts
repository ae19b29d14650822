import { fieldNameProblems, resolveFieldNames, unavailableFieldsMessage } from '../../src/connections/contactFieldsInput';
import type { ContactDescribe } from '../../src/salesforce/describe';

const describe_: ContactDescribe = {
  fields: new Map(
    [
      { name: 'Email', label: 'Email', type: 'email', custom: false },
      { name: 'Genfin_Tier__c', label: 'Genfin Tier', type: 'picklist', custom: true },
      { name: 'ns__Score__c', label: 'Score', type: 'double', custom: true },
      { name: 'MailingAddress', label: 'Mailing Address', type: 'address', custom: false },
      { name: 'Geo__c', label: 'Geo', type: 'location', custom: true },
      { name: 'Photo__c', label: 'Photo', type: 'base64', custom: true },
    ].map((f) => [f.name.toLowerCase(), f]),
  ),
};

describe('fieldNameProblems', () => {
  it.each(['Genfin_Tier__c', 'Birthdate', 'ns__Score__c', 'A1'])('accepts %j', (name) => {
    expect(fieldNameProblems([name])).toEqual([]);
  });

  it.each([
    'Email,Id',
    'Email Id',
    'Account.Name',
    "Tier'__c",
    'Tier"__c',
    'Tier\\__c',
    '_Tier',
    '1Tier',
    'Tier__c_',
    'Tier___c',
    '',
    '   ',
    'A'.repeat(81),
    'Tier\n__c',
    'Tiér__c',
    'SELECT',
    'where',
    'Limit',
  ])('refuses %j as INVALID_FIELD_NAME', (name) => {
    expect(fieldNameProblems(['Email', name])).toEqual([expect.objectContaining({ code: 'INVALID_FIELD_NAME', target: { kind: 'fieldName', index: 1 } })]);
  });

  it('refuses case-insensitive duplicates and too many fields', () => {
    expect(fieldNameProblems(['Tier__c', 'TIER__C'])).toEqual([expect.objectContaining({ code: 'DUPLICATE_FIELD', target: { kind: 'fieldName', index: 1 } })]);
    const many = Array.from({ length: 51 }, (_v, i) => `F${i}__c`);
    expect(fieldNameProblems(many)).toEqual([expect.objectContaining({ code: 'TOO_MANY_FIELDS' })]);
  });
});

describe('resolveFieldNames', () => {
  it('uses describe for the canonical name, label and type', () => {
    expect(resolveFieldNames(['genfin_tier__c', 'NS__SCORE__C'], describe_)).toEqual({
      definitions: [
        { name: 'Genfin_Tier__c', label: 'Genfin Tier', type: 'picklist' },
        { name: 'ns__Score__c', label: 'Score', type: 'double' },
      ],
      problems: [],
    });
  });

  it('names unknown fields and refuses compound and base64 ones', () => {
    const { problems } = resolveFieldNames(['Nope__c', 'MailingAddress', 'Geo__c', 'Photo__c'], describe_);
    expect(problems.map((p) => [p.code, p.target])).toEqual([
      ['UNKNOWN_FIELD', { kind: 'fieldName', index: 0 }],
      ['UNSUPPORTED_FIELD_TYPE', { kind: 'fieldName', index: 1 }],
      ['UNSUPPORTED_FIELD_TYPE', { kind: 'fieldName', index: 2 }],
      ['UNSUPPORTED_FIELD_TYPE', { kind: 'fieldName', index: 3 }],
    ]);
    expect(problems[0]?.message).toContain('Nope__c');
    expect(problems[1]?.message).toMatch(/compound address.*MailingStreet/);
  });
});

describe('unavailableFieldsMessage', () => {
  it('is null with nothing unavailable and names every field otherwise', () => {
    expect(unavailableFieldsMessage([])).toBeNull();
    expect(unavailableFieldsMessage(['A__c', 'B__c'])).toMatch(/A__c, B__c/);
  });
});
