import { contactFieldOptions } from '../../src/connections/contactFieldOptions';
import type { ContactDescribe } from '../../src/salesforce/describe';

const describe_: ContactDescribe = {
  fields: new Map(
    [
      { name: 'Email', label: 'Email', type: 'email', custom: false },
      { name: 'Genfin_Tier__c', label: 'Genfin Tier', type: 'picklist', custom: true },
      { name: 'MailingAddress', label: 'Mailing Address', type: 'address', custom: false },
      { name: 'Geo__c', label: 'Geo', type: 'location', custom: true },
    ].map((f) => [f.name.toLowerCase(), f]),
  ),
};

describe('contactFieldOptions', () => {
  it('offers every described field in order, with the sync rules of setSalesforceContactFields', () => {
    const options = contactFieldOptions(describe_, [{ name: 'genfin_tier__c', label: 'Genfin Tier', type: 'picklist' }]);
    expect(options.map((o) => o.name)).toEqual(['Email', 'Genfin_Tier__c', 'MailingAddress', 'Geo__c']);
    expect(options[0]).toEqual({ name: 'Email', label: 'Email', type: 'email', custom: false, syncable: true, notSyncableReason: null, chosen: false });
    expect(options[1]).toMatchObject({ custom: true, syncable: true, chosen: true });
    expect(options[2]).toMatchObject({ syncable: false, notSyncableReason: expect.stringMatching(/^MailingAddress is a compound address field; sync its components/) });
    expect(options[3]).toMatchObject({ syncable: false, notSyncableReason: expect.stringContaining('geolocation') });
  });
});
