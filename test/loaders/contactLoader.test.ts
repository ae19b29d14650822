/** The loader key for a person's email: normalised, or null when no Salesforce Contact could have it. */
import { emailLookupKey } from '../../src/loaders/contactLoader';

describe('emailLookupKey', () => {
  it.each([
    ['jane@example.com', 'jane@example.com'],
    ['  Jane.Doe@Example.COM ', 'jane.doe@example.com'],
    ["o'brien@x.com", "o'brien@x.com"],
    ["O'Brien@X.com", "o'brien@x.com"],
    ['a\\b@x.com', 'a\\b@x.com'],
    ['100%_sure@x.com', '100%_sure@x.com'],
    ['josé@exämple.com', 'josé@exämple.com'],
    ['JOSÉ@EXÄMPLE.COM', 'josé@exämple.com'],
    ['"quoted"@x.com', '"quoted"@x.com'],
  ])('%j → %j', (email, key) => {
    expect(emailLookupKey(email)).toBe(key);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['empty', ''],
    ['white space only', ' \t\n '],
    ['no @', 'jane.example.com'],
    ['an undotted domain', 'a@b'],
    ['a space inside', 'jane doe@x.com'],
    ['a tab inside', 'jane\tdoe@x.com'],
    ['a control character', 'jane\u0001@x.com'],
    ['DEL', 'jane\u007f@x.com'],
    ['a C1 control character', 'jane\u0085@x.com'],
  ])('%s → null', (_what, email) => {
    expect(emailLookupKey(email)).toBeNull();
  });
});
