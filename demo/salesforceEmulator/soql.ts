/**
 * SOQL parsing: the tokenizer and recursive-descent parser for the subset the project uses, and SoqlError with the
 * message format Salesforce uses (the offending line, a caret, "ERROR at Row:R:Column:C").
 */

// ─── SOQL: errors ────────────────────────────────────────────────────────────────────────────────────────────────

type SoqlErrorCode = 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE';

export class SoqlError extends Error {
  constructor(
    readonly errorCode: SoqlErrorCode,
    readonly detail: string,
    /** Offset in the statement that the caret points at; Salesforce omits the excerpt for some errors. */
    readonly position?: number,
  ) {
    super(detail);
  }
}

function lineAndColumn(soql: string, position: number): { row: number; column: number; lineStart: number } {
  const before = soql.slice(0, position);
  const lineStart = before.lastIndexOf('\n') + 1;
  const row = before.split('\n').length;
  return { row, column: position - lineStart + 1, lineStart };
}

/** Salesforce echoes a window of the offending line, a caret under the error, then "ERROR at Row:R:Column:C". */
export function formatSoqlError(soql: string, error: SoqlError): string {
  if (error.position === undefined) return error.detail;
  const { row, column, lineStart } = lineAndColumn(soql, error.position);
  const lineEnd = soql.indexOf('\n', lineStart);
  const line = soql.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  const windowStart = Math.max(0, column - 1 - 40);
  const excerpt = line.slice(windowStart, column - 1 + 60);
  const caret = ' '.repeat(column - 1 - windowStart);
  return `\n${excerpt}\n${caret}^\nERROR at Row:${row}:Column:${column}\n${error.detail}`;
}

// ─── SOQL: tokens ────────────────────────────────────────────────────────────────────────────────────────────────

type TokenKind = 'identifier' | 'string' | 'number' | 'symbol' | 'end';

interface Token {
  kind: TokenKind;
  /** As written (a string literal keeps its quotes and escapes). */
  text: string;
  /** Decoded string literal value; otherwise the text. */
  value: string;
  position: number;
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const NUMBER = /-?\d+(?:\.\d+)?/y;
const WHITESPACE = /\s*/y;
const SYMBOLS = ['!=', '<>', '<=', '>=', '(', ')', ',', '=', '<', '>'];
const SIMPLE_ESCAPES = new Map([
  ["'", "'"],
  ['"', '"'],
  ['\\', '\\'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
  ['b', '\b'],
  ['f', '\f'],
]);

function matchAt(pattern: RegExp, text: string, position: number): string | undefined {
  pattern.lastIndex = position;
  return pattern.exec(text)?.[0] || undefined;
}

export function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  for (;;) {
    position += matchAt(WHITESPACE, soql, position)?.length ?? 0;
    if (position >= soql.length) {
      tokens.push({ kind: 'end', text: '', value: '<EOF>', position });
      return tokens;
    }
    const token = readToken(soql, position);
    tokens.push(token);
    position += token.text.length;
  }
}

function readToken(soql: string, position: number): Token {
  if (soql[position] === "'") return readStringLiteral(soql, position);
  const identifier = matchAt(IDENTIFIER, soql, position);
  if (identifier) return { kind: 'identifier', text: identifier, value: identifier, position };
  const number = matchAt(NUMBER, soql, position);
  if (number) return { kind: 'number', text: number, value: number, position };
  const symbol = SYMBOLS.find((candidate) => soql.startsWith(candidate, position));
  if (symbol) return { kind: 'symbol', text: symbol, value: symbol, position };
  const { row, column } = lineAndColumn(soql, position);
  throw new SoqlError('MALFORMED_QUERY', `line ${row}:${column} no viable alternative at character '${soql.charAt(position)}'`, position);
}

function readStringLiteral(soql: string, start: number): Token {
  let value = '';
  let index = start + 1;
  while (index < soql.length) {
    const char = soql.charAt(index);
    if (char === "'") return { kind: 'string', text: soql.slice(start, index + 1), value, position: start };
    if (char !== '\\') {
      value += char;
      index += 1;
      continue;
    }
    const escape = decodeEscape(soql, index, start);
    value += escape.value;
    index += escape.length;
  }
  throw unterminatedLiteral(soql, start);
}

function decodeEscape(soql: string, index: number, literalStart: number): { value: string; length: number } {
  const next = soql.charAt(index + 1);
  if (next === '') throw unterminatedLiteral(soql, literalStart);
  const simple = SIMPLE_ESCAPES.get(next);
  if (simple !== undefined) return { value: simple, length: 2 };
  if (next === 'u') {
    const hex = soql.slice(index + 2, index + 6);
    if (/^[0-9A-Fa-f]{4}$/.test(hex)) return { value: String.fromCharCode(Number.parseInt(hex, 16)), length: 6 };
    throw invalidLiteral(soql, literalStart, `Illegal unicode sequence. '\\u${hex}' in string literal.`);
  }
  throw invalidLiteral(soql, literalStart, `Illegal character sequence '\\${next}' in string literal.`);
}

/** The literal as written, up to its closing quote (or the end of the statement). */
function rawLiteral(soql: string, start: number): string {
  let index = start + 1;
  while (index < soql.length && soql.charAt(index) !== "'") index += soql.charAt(index) === '\\' ? 2 : 1;
  return soql.slice(start, Math.min(index + 1, soql.length));
}

function invalidLiteral(soql: string, start: number, reason: string): SoqlError {
  return new SoqlError('MALFORMED_QUERY', `Invalid string literal ${rawLiteral(soql, start)}. ${reason}`, start);
}

function unterminatedLiteral(soql: string, start: number): SoqlError {
  const { row, column } = lineAndColumn(soql, soql.length);
  return new SoqlError('MALFORMED_QUERY', `line ${row}:${column} mismatched character '<EOF>' expecting '''`, start);
}

// ─── SOQL: syntax ────────────────────────────────────────────────────────────────────────────────────────────────

export interface FieldRef {
  path: string;
  position: number;
}

export type Literal =
  | { kind: 'string'; value: string; position: number }
  | { kind: 'number'; value: number; position: number }
  | { kind: 'boolean'; value: boolean; position: number }
  | { kind: 'null'; position: number };

export type Condition =
  | { kind: 'compare'; field: FieldRef; negated: boolean; value: Literal }
  | { kind: 'in'; field: FieldRef; negated: boolean; values: Literal[] }
  | { kind: 'logical'; connective: 'and' | 'or'; operands: Condition[] };

interface OrderItem {
  field: FieldRef;
  descending: boolean;
  nullsFirst: boolean;
}

export interface ParsedQuery {
  fields: FieldRef[];
  object: { name: string; position: number };
  where?: Condition;
  orderBy: OrderItem[];
  limit?: number;
}

const RESERVED_WORDS = new Set(
  'AND ASC BY DESC EXCLUDES FALSE FIRST FROM GROUP HAVING IN INCLUDES LAST LIKE LIMIT NOT NULL NULLS OFFSET OR ORDER SELECT TRUE TYPEOF USING WHERE WITH'.split(
    ' ',
  ),
);

/** Recursive descent over the SOQL subset the project uses: SELECT … FROM … [WHERE] [ORDER BY] [LIMIT]. */
export class SoqlParser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  parseQuery(): ParsedQuery {
    this.expectKeyword('SELECT');
    const fields = this.parseFieldList();
    this.expectKeyword('FROM');
    const object = this.expectName();
    const where = this.acceptKeyword('WHERE') ? this.parseCondition() : undefined;
    const orderBy = this.acceptKeyword('ORDER') ? this.parseOrderBy() : [];
    const limit = this.acceptKeyword('LIMIT') ? this.parseLimit() : undefined;
    this.expectEnd();
    return { fields, object: { name: object.text, position: object.position }, where, orderBy, limit };
  }

  private parseFieldList(): FieldRef[] {
    const fields = [this.parseFieldRef()];
    while (this.acceptSymbol(',')) fields.push(this.parseFieldRef());
    return fields;
  }

  private parseFieldRef(): FieldRef {
    const token = this.expectName();
    return { path: token.text, position: token.position };
  }

  /** SOQL refuses AND and OR side by side without parentheses: the leftover connective is an unexpected token. */
  private parseCondition(): Condition {
    const first = this.parseOperand();
    const connective = this.peekKeyword('AND') ? 'and' : this.peekKeyword('OR') ? 'or' : undefined;
    if (!connective) return first;
    const operands = [first];
    while (this.acceptKeyword(connective.toUpperCase())) operands.push(this.parseOperand());
    return { kind: 'logical', connective, operands };
  }

  private parseOperand(): Condition {
    if (!this.acceptSymbol('(')) return this.parseComparison();
    const condition = this.parseCondition();
    this.expectSymbol(')');
    return condition;
  }

  private parseComparison(): Condition {
    const field = this.parseFieldRef();
    if (this.acceptSymbol('=')) return { kind: 'compare', field, negated: false, value: this.parseLiteral() };
    if (this.acceptSymbol('!=') || this.acceptSymbol('<>')) return { kind: 'compare', field, negated: true, value: this.parseLiteral() };
    const negated = this.acceptKeyword('NOT');
    this.expectKeyword('IN');
    return { kind: 'in', field, negated, values: this.parseLiteralList() };
  }

  private parseLiteralList(): Literal[] {
    this.expectSymbol('(');
    const values = [this.parseLiteral()];
    while (this.acceptSymbol(',')) values.push(this.parseLiteral());
    this.expectSymbol(')');
    return values;
  }

  private parseLiteral(): Literal {
    const token = this.current();
    if (token.kind === 'string') {
      this.index += 1;
      return { kind: 'string', value: token.value, position: token.position };
    }
    if (token.kind === 'number') {
      this.index += 1;
      return { kind: 'number', value: Number(token.text), position: token.position };
    }
    if (this.acceptKeyword('NULL')) return { kind: 'null', position: token.position };
    if (this.acceptKeyword('TRUE')) return { kind: 'boolean', value: true, position: token.position };
    if (this.acceptKeyword('FALSE')) return { kind: 'boolean', value: false, position: token.position };
    throw this.unexpected();
  }

  private parseOrderBy(): OrderItem[] {
    this.expectKeyword('BY');
    const items = [this.parseOrderItem()];
    while (this.acceptSymbol(',')) items.push(this.parseOrderItem());
    return items;
  }

  private parseOrderItem(): OrderItem {
    const field = this.parseFieldRef();
    const descending = this.acceptKeyword('DESC');
    if (!descending) this.acceptKeyword('ASC');
    let nullsFirst = !descending;
    if (this.acceptKeyword('NULLS')) {
      if (this.acceptKeyword('FIRST')) nullsFirst = true;
      else {
        this.expectKeyword('LAST');
        nullsFirst = false;
      }
    }
    return { field, descending, nullsFirst };
  }

  private parseLimit(): number {
    const token = this.current();
    if (token.kind !== 'number' || !/^\d+$/.test(token.text)) throw this.unexpected();
    this.index += 1;
    return Number.parseInt(token.text, 10);
  }

  private current(): Token {
    // The token list always ends with an 'end' token and the parser never moves past it.
    return this.tokens[this.index] ?? (this.tokens[this.tokens.length - 1] as Token);
  }

  private peekKeyword(keyword: string): boolean {
    const token = this.current();
    return token.kind === 'identifier' && token.text.toUpperCase() === keyword;
  }

  private acceptKeyword(keyword: string): boolean {
    if (!this.peekKeyword(keyword)) return false;
    this.index += 1;
    return true;
  }

  private expectKeyword(keyword: string): void {
    if (!this.acceptKeyword(keyword)) throw this.unexpected();
  }

  private acceptSymbol(symbol: string): boolean {
    const token = this.current();
    if (token.kind !== 'symbol' || token.text !== symbol) return false;
    this.index += 1;
    return true;
  }

  private expectSymbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) throw this.unexpected();
  }

  private expectName(): Token {
    const token = this.current();
    if (token.kind !== 'identifier' || RESERVED_WORDS.has(token.text.toUpperCase())) throw this.unexpected();
    this.index += 1;
    return token;
  }

  private expectEnd(): void {
    if (this.current().kind !== 'end') throw this.unexpected();
  }

  private unexpected(): SoqlError {
    const token = this.current();
    return new SoqlError('MALFORMED_QUERY', `unexpected token: '${token.kind === 'end' ? '<EOF>' : token.text}'`, token.position);
  }
}
