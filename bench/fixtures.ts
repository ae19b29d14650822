/**
 * Deterministic people, emails and contacts for the benchmark, and the URI-limit lower bound on the number of
 * Contact queries a set of emails needs.
 *
 * People are never stored: a person id is `<set>~<index>` and everything else is computed from it, so the people
 * subgraph can serve 1e5 distinct people without holding them. Each set is a namespace: different sets never share
 * an email, so one scenario's lookups can never be answered from another scenario's cache.
 */
import type { EmulatorContact } from '../demo/salesforceEmulator';

const FIRST_NAMES = ['anna', 'ben', 'carla', 'dmitri', 'emma', 'farid', 'grace', 'hiro', 'ines', 'jonas', 'kwame', 'lena', 'marta', 'noah'];
const LAST_NAMES = ['schmidt', 'nguyen', 'garcia', 'okafor', 'kowalski', 'johansson', 'rossi', 'tanaka', 'dubois', 'oconnor', 'silva', 'fischer'];
const DOMAINS = ['example.com', 'acme-corp.com', 'globex.io', 'initech.de', 'umbrella.co.uk', 'gmail.com', 'outlook.com'];
const LONG_DOMAIN = 'accounts-payable.international-holdings.co.uk';

/** Salesforce's Email field holds at most 80 characters. */
export const MAX_EMAIL_CHARS = 80;

/**
 * A realistic email, unique per (set, index): mostly `first.last.<tag>@domain`, with long addresses (every 9th),
 * plus-addressing (every 11th), an apostrophe (every 13th) and a non-ASCII local part (every 47th).
 * `set` should be short (≤ 8 characters) so long addresses stay within 80 characters.
 */
export function emailFor(set: string, index: number): string {
  const first = FIRST_NAMES[index % FIRST_NAMES.length] ?? 'x';
  const last = LAST_NAMES[(index * 7) % LAST_NAMES.length] ?? 'y';
  const tag = `${set}-${index}`;
  let email: string;
  if (index % 9 === 4) email = `${first}.${last}.${tag}@${LONG_DOMAIN}`;
  else if (index % 11 === 3) email = `${first}.${last}+crm.${tag}@gmail.com`;
  else if (index % 13 === 5) email = `${first}.o'${last}.${tag}@example.ie`;
  else if (index % 47 === 7) email = `josé.${last}.${tag}@exämple.com`;
  else email = `${first}.${last}.${tag}@${DOMAINS[index % DOMAINS.length] ?? 'example.com'}`;
  if (email.length > MAX_EMAIL_CHARS) throw new RangeError(`emailFor: built ${email.length} characters (> ${MAX_EMAIL_CHARS}) for ${set}/${index}`);
  return email;
}

/** What the people subgraph answers: some addresses with capitals, as people type them. */
export function displayedEmailFor(set: string, index: number): string {
  const email = emailFor(set, index);
  return index % 7 === 0 ? email.charAt(0).toUpperCase() + email.slice(1) : email;
}

export function personId(set: string, index: number): string {
  return `${set}~${index}`;
}

export function personIds(set: string, count: number, start = 0): string[] {
  return Array.from({ length: count }, (_, i) => personId(set, start + i));
}

export function parsePersonId(id: string): { set: string; index: number } | null {
  const match = /^([A-Za-z0-9-]+)~(\d+)$/.exec(id);
  return match ? { set: match[1] as string, index: Number(match[2]) } : null;
}

/** Half the people have a Contact: those with an even index. */
export function hasContact(index: number): boolean {
  return index % 2 === 0;
}

const setCodes = new Map<string, number>();

function setCode(set: string): number {
  let code = setCodes.get(set);
  if (code === undefined) {
    code = setCodes.size + 1;
    setCodes.set(set, code);
  }
  return code;
}

/** The Contacts of people `start … start+count-1` of a set (only the even indices have one). */
export function contactsFor(set: string, count: number, start = 0): EmulatorContact[] {
  const contacts: EmulatorContact[] = [];
  for (let index = start; index < start + count; index++) {
    if (!hasContact(index)) continue;
    const id = `003${String(setCode(set) * 1_000_000 + index).padStart(12, '0')}AAA`;
    contacts.push({
      Id: id,
      Email: emailFor(set, index),
      FirstName: `First${index}`,
      LastName: `Last${index}`,
      Title: index % 4 === 0 ? 'Engineer' : null,
      Phone: `+1 555 ${String(index % 10_000).padStart(4, '0')}`,
      Department: 'Sales',
      AccountId: `001${String(index % 50).padStart(12, '0')}AAA`,
      AccountName: `Account ${index % 50}`,
      LastModifiedDate: '2024-05-01T10:00:00.000+0000',
    });
  }
  return contacts;
}

// ─── The URI-limit bound ─────────────────────────────────────────────────────────────────────────────────────────

/** Salesforce's cap on one request (request line and headers; the bound counts the request target only). */
export const URI_LIMIT_BYTES = 16_384;
/** The least a list needs between two SOQL literals (`IN ('a','b')` is valid SOQL). */
export const BOUND_SEPARATOR = ',';

/** A SOQL string literal: `\`, `'` and `"` escaped with a backslash (enough for these emails). */
export function soqlLiteral(value: string): string {
  return `'${value.replace(/[\\'"]/g, (char) => `\\${char}`)}'`;
}

/**
 * Bytes of the request target `<apiPath>/query?q=<soql>` as sent: only the characters that would change the
 * parameter's meaning (`%`, `&`, `+`, `#`) are escaped by hand, everything else is left to the WHATWG URL parser
 * (which percent-encodes space, `"`, `'`, `<`, `>`, controls and non-ASCII as UTF-8).
 */
export function queryTargetBytes(apiPath: string, soql: string): number {
  const escaped = soql.replace(/[%&+#]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  const url = new URL(`http://127.0.0.1${apiPath}/query?q=${escaped}`);
  return Buffer.byteLength(url.pathname + url.search);
}

export interface UriBound {
  /** The fewest queries any client could send these emails in. */
  queries: number;
  /** Bytes of the request target with an empty IN list. */
  fixedBytes: number;
  /** Bytes all the literals take (separators not included). */
  literalBytes: number;
  separatorBytes: number;
  /** URI_LIMIT_BYTES − fixedBytes: what one query has room for. */
  roomPerQuery: number;
}

/**
 * With k queries of n emails, the literals and the n − k separators must fit in k × room:
 * Σ literal + (n − k) × sep ≤ k × room  ⇔  k ≥ (Σ literal + n × sep) / (room + sep). The bound is the least such k
 * (at least 1). Percent-encoding is per code point, so each piece's bytes add up.
 */
export function uriLimitBound(emails: readonly string[], fields: readonly string[], apiVersion = 'v60.0'): UriBound {
  const apiPath = `/services/data/${apiVersion}`;
  const prefix = `SELECT ${fields.join(', ')} FROM Contact WHERE Email IN (`;
  const fixedBytes = queryTargetBytes(apiPath, `${prefix})`);
  const added = (piece: string): number => queryTargetBytes(apiPath, `${prefix}${piece})`) - fixedBytes;
  const separatorBytes = added(BOUND_SEPARATOR);
  let literalBytes = 0;
  for (const email of emails) literalBytes += added(soqlLiteral(email.trim().toLowerCase()));
  const roomPerQuery = URI_LIMIT_BYTES - fixedBytes;
  const queries = Math.max(1, Math.ceil((literalBytes + emails.length * separatorBytes) / (roomPerQuery + separatorBytes)));
  return { queries, fixedBytes, literalBytes, separatorBytes, roomPerQuery };
}
