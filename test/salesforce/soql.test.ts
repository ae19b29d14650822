/**
 * SOQL literals and identifiers, checked against the notes (§4): the only escapes are \' \" \\ \n \r \t \b \f
 * and \uXXXX, anything else after a backslash is an error, and `'` and `\` must always be escaped.
 */
import { MAX_SOQL_LITERAL_CHARS, selectWhereIn, soqlFieldName, soqlString } from '../../src/salesforce/soql';
import { pick, randomInt, seededRandom } from './helpers';

// ─── A reference reader of SOQL string literals (notes §4), independent of the code under test ──────────────────

const SINGLE_CHAR_ESCAPES: Readonly<Record<string, string>> = {
  "'": "'",
  '"': '"',
  '\\': '\\',
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
};

/** Decodes one complete SOQL string literal; throws on any escape the notes do not list or on trailing text. */
function decodeSoqlLiteral(literal: string): string {
  if (!literal.startsWith("'")) throw new Error('a literal starts with a single quote');
  let value = '';
  let i = 1;
  while (i < literal.length) {
    const char = literal[i] as string;
    if (char === "'") {
      if (i !== literal.length - 1) throw new Error(`the literal ends at ${i}, before the end of the text`);
      return value;
    }
    if (char !== '\\') {
      value += char;
      i += 1;
      continue;
    }
    const escape = literal[i + 1];
    if (escape === undefined) throw new Error('a backslash at the end of the text');
    if (escape === 'u') {
      const hex = literal.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error(`\\u must be followed by 4 hex digits, got ${JSON.stringify(hex)}`);
      value += String.fromCharCode(parseInt(hex, 16));
      i += 6;
      continue;
    }
    if (!Object.hasOwn(SINGLE_CHAR_ESCAPES, escape)) throw new Error(`invalid escape \\${escape}`);
    value += SINGLE_CHAR_ESCAPES[escape];
    i += 2;
  }
  throw new Error('the literal is never closed');
}

/** Index of the first unescaped `'` after the opening one, or -1. */
function closingQuoteIndex(literal: string): number {
  for (let i = 1; i < literal.length; i++) {
    if (literal[i] === '\\') i += 1;
    else if (literal[i] === "'") return i;
  }
  return -1;
}

describe('the reference decoder (sanity: it must be able to fail)', () => {
  it.each([
    ["'abc", 'never closed'],
    ["'a'b'", 'before the end'],
    [String.raw`'\x'`, 'invalid escape'],
    [String.raw`'\%'`, 'invalid escape'],
    [String.raw`'\u12'`, '4 hex digits'],
    ["'abc\\", 'backslash at the end'],
  ])('rejects %j', (literal, message) => {
    expect(() => decodeSoqlLiteral(literal)).toThrow(message);
  });

  it('decodes every escape of the notes', () => {
    expect(decodeSoqlLiteral(String.raw`'\'\"\\\n\r\t\b\f\u00e9\uD83D\uDE00'`)).toBe('\'"\\\n\r\t\b\fé😀');
  });
});

// ─── soqlString ────────────────────────────────────────────────────────────────────────────────────────────────

describe('soqlString', () => {
  it.each([
    ['plain text', 'jane@example.com', "'jane@example.com'"],
    ['empty string', '', "''"],
    ['single quote', "'", String.raw`'\''`],
    ['double quote', '"', String.raw`'\"'`],
    ['backslash', '\\', String.raw`'\\'`],
    ['newline', '\n', String.raw`'\n'`],
    ['carriage return', '\r', String.raw`'\r'`],
    ['tab', '\t', String.raw`'\t'`],
    ['backspace', '\b', String.raw`'\b'`],
    ['form feed', '\f', String.raw`'\f'`],
    ['% and _ (wildcards only in LIKE)', '100%_sure@x.com', "'100%_sure@x.com'"],
    ['valid surrogate pair (emoji)', 'a😀b', "'a😀b'"],
    ['astral letter', '𝒜@x.com', "'𝒜@x.com'"],
    ['non-ASCII BMP letters', 'josé@exämple.com', "'josé@exämple.com'"],
  ])('%s', (_what, value, expected) => {
    expect(soqlString(value)).toBe(expected);
  });

  describe('other control characters become \\uXXXX', () => {
    it.each([
      ['NUL', 0x00],
      ['BEL', 0x07],
      ['vertical tab', 0x0b],
      ['ESC', 0x1b],
      ['unit separator', 0x1f],
      ['DEL', 0x7f],
      ['C1: U+0080', 0x80],
      ['C1: NEXT LINE U+0085', 0x85],
      ['C1: U+009F', 0x9f],
    ])('%s', (_what, unit) => {
      const hex = unit.toString(16).padStart(4, '0');
      expect(soqlString(`a${String.fromCharCode(unit)}b`)).toMatch(new RegExp(`^'a\\\\u${hex}b'$`, 'i'));
    });
  });

  describe('lone surrogates become \\uXXXX (they cannot be percent-encoded)', () => {
    it.each([
      ['lone high surrogate at the end', 'a\ud83d', ['d83d']],
      ['lone high surrogate before a letter', '\ud83dx', ['d83d']],
      ['lone low surrogate', 'x\ude00', ['de00']],
      ['reversed pair', '\ude00\ud83d', ['de00', 'd83d']],
      ['two high surrogates', '\ud800\ud800', ['d800', 'd800']],
    ])('%s', (_what, value, units) => {
      const literal = soqlString(value);
      expect(literal.isWellFormed()).toBe(true);
      expect(() => encodeURIComponent(literal)).not.toThrow();
      expect(literal.toLowerCase().match(/\\u[0-9a-f]{4}/g)).toEqual(units.map((unit) => `\\u${unit}`));
      expect(decodeSoqlLiteral(literal)).toBe(value);
    });
  });

  describe('injection attempts stay inside the literal', () => {
    it.each([
      ["x' OR Email != '", String.raw`'x\' OR Email != \''`],
      [String.raw`\' OR 1=1`, String.raw`'\\\' OR 1=1'`],
      ['abc\\', String.raw`'abc\\'`],
      [String.raw`\\'`, String.raw`'\\\\\''`],
      ["') OR Id != null OR Email IN ('", String.raw`'\') OR Id != null OR Email IN (\''`],
      [String.raw`\u0027) OR Name != null --`, String.raw`'\\u0027) OR Name != null --'`],
      ["a'\n OR Email LIKE '%", String.raw`'a\'\n OR Email LIKE \'%'`],
    ])('%j', (attack, expected) => {
      const literal = soqlString(attack);
      expect(literal).toBe(expected);
      expect(closingQuoteIndex(literal)).toBe(literal.length - 1);
      expect(decodeSoqlLiteral(literal)).toBe(attack);
    });
  });

  it('round-trips generated strings through the reference decoder and never ends the literal early', () => {
    const random = seededRandom(0x50c1);
    const fixed = ["'", '\\', '"', '%', '_', 'n', 'u', '0027', ' OR ', '\\u', "\\'", '😀', 'é', '\u2028', '\ufeff'];
    const pieces: Array<() => string> = [
      () => pick(random, fixed),
      () => String.fromCharCode(randomInt(random, 0x00, 0x1f)),
      () => String.fromCharCode(pick(random, [0x7f, 0x80, 0x85, 0x9f])),
      () => String.fromCharCode(randomInt(random, 0xd800, 0xdfff)), // lone (or accidentally paired) surrogate
      () => String.fromCodePoint(randomInt(random, 0x10000, 0x10ffff)),
      () => String.fromCharCode(randomInt(random, 0x20, 0x7e)),
      () => {
        const unit = randomInt(random, 0xa0, 0xfffd);
        return unit >= 0xd800 && unit <= 0xdfff ? 'x' : String.fromCharCode(unit);
      },
    ];
    const failures: string[] = [];
    for (let n = 0; n < 5000; n++) {
      let value = '';
      for (let length = randomInt(random, 0, 40); length > 0; length--) value += pick(random, pieces)();
      const literal = soqlString(value);
      const problems = [
        closingQuoteIndex(literal) === literal.length - 1 ? null : 'ends early',
        literal.isWellFormed() ? null : 'not well-formed UTF-16',
        (() => {
          try {
            return decodeSoqlLiteral(literal) === value ? null : 'decodes to a different value';
          } catch (error) {
            return `undecodable: ${(error as Error).message}`;
          }
        })(),
      ].filter((problem) => problem !== null);
      if (problems.length > 0) failures.push(`${JSON.stringify(value)} → ${JSON.stringify(literal)}: ${problems.join(', ')}`);
    }
    expect(failures).toEqual([]);
  });

  it(`accepts ${MAX_SOQL_LITERAL_CHARS} characters and refuses ${MAX_SOQL_LITERAL_CHARS + 1} (notes §4)`, () => {
    expect(MAX_SOQL_LITERAL_CHARS).toBe(4000);
    expect(soqlString('a'.repeat(4000))).toBe(`'${'a'.repeat(4000)}'`);
    expect(() => soqlString('a'.repeat(4001))).toThrow(RangeError);
  });
});

// ─── soqlFieldName ─────────────────────────────────────────────────────────────────────────────────────────────

describe('soqlFieldName', () => {
  it.each(['Email', 'Account.Name', 'Tier__c', 'Account.Owner.Name', 'npsp__Primary_Affiliation__c'])('accepts %j', (name) => {
    expect(soqlFieldName(name)).toBe(name);
  });

  it.each([
    'Email,Id',
    'Email FROM',
    '1x',
    'a b',
    '',
    'Email--',
    'Name)',
    'Email\n',
    'Email;',
    "Email'",
    '.Name',
    'Account.',
    'Account..Name',
    'Email/*',
  ])('refuses %j', (name) => {
    expect(() => soqlFieldName(name)).toThrow(TypeError);
  });
});

// ─── selectWhereIn ─────────────────────────────────────────────────────────────────────────────────────────────

describe('selectWhereIn', () => {
  it('builds SELECT … FROM … WHERE … IN (…) with every value escaped', () => {
    expect(selectWhereIn('Contact', ['Id', 'Email', 'Account.Name'], 'Email', ['a@x.com', "o'brien@x.com", 'b\\@x.com'])).toBe(
      String.raw`SELECT Id, Email, Account.Name FROM Contact WHERE Email IN ('a@x.com','o\'brien@x.com','b\\@x.com')`,
    );
  });

  it('builds a one-value IN list', () => {
    expect(selectWhereIn('Contact', ['Id'], 'Email', ['a@x.com'])).toBe("SELECT Id FROM Contact WHERE Email IN ('a@x.com')");
  });

  it.each([
    ['no values', 'Contact', ['Id'], 'Email', []],
    ['no fields', 'Contact', [], 'Email', ['a@x.com']],
    ['a bad selected field', 'Contact', ['Id, (SELECT Id FROM Cases)'], 'Email', ['a@x.com']],
    ['a bad object name', 'Contact WHERE Id != null', ['Id'], 'Email', ['a@x.com']],
    ['a bad filter field', 'Contact', ['Id'], 'Email != null OR Email', ['a@x.com']],
  ])('throws on %s', (_what, sobject, fields, field, values) => {
    expect(() => selectWhereIn(sobject, fields, field, values)).toThrow();
  });
});
