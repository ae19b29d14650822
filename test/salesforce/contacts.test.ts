/** Email keys and Salesforce datetimes (notes §4: Email is compared case-insensitively and is not unique). */
import { isPossibleEmail, normaliseEmail, parseSalesforceDateTime } from '../../src/salesforce/contacts';

describe('normaliseEmail', () => {
  it.each([
    ['jane@example.com', 'jane@example.com'],
    ['  Jane.Doe@Example.COM \t', 'jane.doe@example.com'],
    ['JOSÉ@EXÄMPLE.COM', 'josé@exämple.com'],
    ["O'Brien@X.com", "o'brien@x.com"],
  ])('%j → %j', (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });
});

describe('isPossibleEmail', () => {
  it.each([
    'jane@example.com',
    "o'brien@x.com",
    'a\\b@x.com',
    '100%_sure@x.com',
    'josé@exämple.com',
    '"quoted"@x.com',
    'first.last+tag@sub.example.co.uk',
    '用户@例子.公司',
  ])('%j is possible', (email) => {
    expect(isPossibleEmail(email)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['no @', 'jane.example.com'],
    ['nothing before @', '@x.com'],
    ['nothing after @', 'jane@'],
    ['an undotted domain', 'a@b'],
    ['a domain starting with a dot', 'a@.com'],
    ['a domain ending with a dot', 'a@x.'],
    ['a domain with an empty label', 'a@x..com'],
    ['a space inside', 'jane doe@x.com'],
    ['a space in the domain', 'jane@x .com'],
    ['a tab', 'jane\t@x.com'],
    ['a newline', 'jane@x.com\n'],
    ['a no-break space', 'jane\u00a0@x.com'],
    ['a line separator', 'jane\u2028@x.com'],
    ['NUL', 'ja\u0000ne@x.com'],
    ['BEL', 'ja\u0007ne@x.com'],
    ['ESC', 'ja\u001bne@x.com'],
    ['DEL', 'ja\u007fne@x.com'],
    ['a C1 control (U+0085 NEXT LINE)', 'ja\u0085ne@x.com'],
    ['a C1 control (U+009B CSI)', 'ja\u009bne@x.com'],
    ['a lone surrogate', 'ja\ud800ne@x.com'],
    ['longer than 254 characters', `${'a'.repeat(250)}@x.com`],
  ])('%s is impossible (%j)', (_what, email) => {
    expect(isPossibleEmail(email)).toBe(false);
  });
});

describe('parseSalesforceDateTime', () => {
  it.each([
    ['2024-05-01T10:00:00.000+0000', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00.000-0700', '2024-05-01T17:00:00.000Z'],
    ['2024-05-01T10:00:00.000+0530', '2024-05-01T04:30:00.000Z'],
    ['2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00.000Z'],
  ])('%j → %s', (input, expected) => {
    expect(parseSalesforceDateTime(input)?.toISOString()).toBe(expected);
  });

  it.each([null, undefined, 1714557600000, '', 'yesterday', '2024-13-45T99:00:00.000+0000'])('%j → null', (input) => {
    expect(parseSalesforceDateTime(input)).toBeNull();
  });
});
