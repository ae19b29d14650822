/**
 * SOQL text we build from untrusted values. Two rules make it injection-proof:
 * every value goes through `soqlString` (notes §4 escapes), and every identifier through `soqlFieldName`.
 * jsforce's builder escapes only `'`, which lets `\` end a literal early; do not replace this with it.
 */

/** Salesforce's limit on one string literal in a WHERE clause (notes §4). */
export const MAX_SOQL_LITERAL_CHARS = 4000;

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Any character `soqlString` writes differently: a named escape, a control character or any surrogate. */
const NEEDS_ESCAPE = /[\\'"\u0000-\u001f\u007f-\u009f\ud800-\udfff]/;

/**
 * Quote a value as a SOQL string literal. Backslash, both quotes and the named control characters use their
 * escape; other control characters and lone UTF-16 surrogates use `\uXXXX` (they could not be sent otherwise:
 * a lone surrogate cannot be percent-encoded). `%` and `_` are left alone: they are wildcards only in LIKE,
 * and this literal is for `=` and `IN`.
 */
export function soqlString(value: string): string {
  if (value.length > MAX_SOQL_LITERAL_CHARS) {
    throw new RangeError(`soqlString: expected at most ${MAX_SOQL_LITERAL_CHARS} characters, got ${value.length}`);
  }
  // Most values (every ordinary email) need no escape at all: skip the per-character walk for them.
  if (!NEEDS_ESCAPE.test(value)) return `'${value}'`;
  let out = "'";
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const char = value[i] as string;
    const named = NAMED_ESCAPES[char];
    if (named !== undefined) {
      out += named;
    } else if (isControlCharacter(unit)) {
      out += unicodeEscape(unit);
    } else if (isHighSurrogate(unit) && isLowSurrogate(value.charCodeAt(i + 1))) {
      out += char + (value[i + 1] as string);
      i++;
    } else if (isHighSurrogate(unit) || isLowSurrogate(unit)) {
      out += unicodeEscape(unit);
    } else {
      out += char;
    }
  }
  return `${out}'`;
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*$/;

/** Check an identifier (`Email`, `Account.Name`, `Tier__c`) before it is put into SOQL text. */
export function soqlFieldName(name: string): string {
  if (!FIELD_NAME.test(name)) {
    throw new TypeError(`soqlFieldName: expected a field API name such as Email or Account.Name, got ${JSON.stringify(name)}`);
  }
  return name;
}

/** `SELECT <fields> FROM <sobject> WHERE <field> IN ('v1', 'v2', …)`; at least one value. */
export function selectWhereIn(sobject: string, fields: readonly string[], field: string, values: readonly string[]): string {
  if (values.length === 0) throw new RangeError('selectWhereIn: expected at least one value, got none');
  if (fields.length === 0) throw new RangeError('selectWhereIn: expected at least one field to select, got none');
  return `${selectWhereInPrefix(sobject, fields, field)}${values.map(soqlString).join(IN_SEPARATOR)})`;
}

/** The part of `selectWhereIn`'s text before the first value, and what comes between values. */
export function selectWhereInPrefix(sobject: string, fields: readonly string[], field: string): string {
  return `SELECT ${fields.map(soqlFieldName).join(', ')} FROM ${soqlFieldName(sobject)} WHERE ${soqlFieldName(field)} IN (`;
}
/** No space after the comma: every byte of a query URI counts against Salesforce's limit. */
export const IN_SEPARATOR = ',';

function unicodeEscape(unit: number): string {
  return `\\u${unit.toString(16).padStart(4, '0')}`;
}

/** C0, DEL and C1: invisible, and some (U+0085) end lines in some parsers. */
function isControlCharacter(unit: number): boolean {
  return unit < 0x20 || (unit >= 0x7f && unit <= 0x9f);
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
