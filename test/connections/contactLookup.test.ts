import { fieldsNamedByError } from '../../src/connections/contactLookup';

const SELECTED = ['Id', 'Email', 'Title', 'AccountId', 'Account.Name', 'OwnerId', 'Owner.Name', 'Owner.Email', 'Tier__c'];

describe('fieldsNamedByError', () => {
  it.each([
    ["\nSELECT Id, Tier__c FROM Contact\n       ^\nERROR at Row:1:Column:12\nNo such column 'Tier__c' on entity 'Contact'. If you are…", ['Tier__c']],
    ["No such column 'tier__c' on entity 'Contact'.", ['Tier__c']],
    ["No such column 'Name' on entity 'Account'.", ['Account.Name']],
    ["No such column 'Email' on entity 'User'.", ['Owner.Email']],
    ["No such column 'Email' on entity 'Contact'.", ['Email']],
    ["Didn't understand relationship 'Owner' in field path.", ['Owner.Name', 'Owner.Email']],
    ['Something else entirely', []],
  ])('reads %j', (message, expected) => {
    expect(fieldsNamedByError(SELECTED, message)).toEqual(expected);
  });
});
