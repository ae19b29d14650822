/**
 * Small pieces the benchmark scenarios share: GraphQL over fetch with a timeout, checking a people query's answer,
 * counting Salesforce calls, percentiles, and a bounded log of what went wrong.
 */
import type { GraphQLResponse } from '../demo/gateway';
import type { EmulatorCounters, SalesforceEmulator } from '../demo/salesforceEmulator';
import { emailFor, hasContact, parsePersonId } from './fixtures';

/** No single request may hang the run. */
export const REQUEST_TIMEOUT_MS = 30_000;

export const PEOPLE_QUERY = `
  query BenchPeople($ids: [ID!]!) {
    peopleByIds(ids: $ids) { id email salesforceContact { id email name accountName } }
  }`;

interface BenchPerson {
  id: string;
  email: string | null;
  salesforceContact: { id: string; email: string | null; name: string | null; accountName: string | null } | null;
}

interface BenchPeopleData {
  peopleByIds: Array<BenchPerson | null>;
}

/** One measured figure with its target, as the bench reports it. */
export interface MeasuredMetric {
  id: string;
  metric: string;
  value: number | null;
  unit: string;
  /** As printed, e.g. "≤ 2". */
  target: string;
  /** null: reported only, no target. */
  pass: boolean | null;
  /** Raw numbers behind the value, and how it was measured. */
  details: Record<string, unknown>;
}

/** What went wrong in a scenario: a count and the first few distinct messages. */
export class ProblemLog {
  count = 0;
  readonly samples: string[] = [];

  add(message: string): void {
    this.count += 1;
    if (this.samples.length < 5 && !this.samples.includes(message)) this.samples.push(message);
  }

  toJSON(): { count: number; samples: string[] } {
    return { count: this.count, samples: this.samples };
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

/** POST a GraphQL operation; a non-JSON answer comes back as an error rather than a throw. */
export async function postGraphQL<T>(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  try {
    return { status: response.status, ...(JSON.parse(text) as Omit<GraphQLResponse<T>, 'status'>) };
  } catch {
    return { status: response.status, errors: [{ message: `non-JSON answer: ${text.slice(0, 200)}` }] };
  }
}

/**
 * 'salesforce': every person must come back with a contact exactly when fixtures say it has one (even index), and
 * that contact must carry the person's email. 'bare': the constant resolver answers everyone; only shape is checked.
 */
export type AnswerCheck = 'salesforce' | 'bare';

export function checkPeopleAnswer(ids: readonly string[], result: GraphQLResponse<BenchPeopleData>, check: AnswerCheck): string | null {
  if (result.status !== 200) return `HTTP ${result.status}${result.errors?.[0] ? `: ${result.errors[0].message}` : ''}`;
  const firstError = result.errors?.[0];
  if (firstError !== undefined) {
    const code = typeof firstError.extensions?.code === 'string' ? `${firstError.extensions.code}: ` : '';
    return `GraphQL error ${code}${firstError.message}`;
  }
  const people = result.data?.peopleByIds;
  if (!people || people.length !== ids.length) return `expected ${ids.length} people, got ${people?.length ?? 'none'}`;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as string;
    const person = people[i];
    if (!person || person.id !== id) return `expected person ${id} at position ${i}`;
    if (check === 'bare') {
      if (person.salesforceContact === null) return `bare subgraph: expected the constant contact for ${id}`;
      continue;
    }
    const parsed = parsePersonId(id);
    if (parsed === null) return `unparsable person id ${id}`;
    const expected = hasContact(parsed.index);
    const contact = person.salesforceContact;
    if (expected !== (contact !== null)) return `person ${id}: expected ${expected ? 'a' : 'no'} contact, got ${contact ? 'one' : 'none'}`;
    if (contact !== null && contact.email?.toLowerCase() !== emailFor(parsed.set, parsed.index).toLowerCase()) {
      return `person ${id}: contact ${contact.id} has email ${String(contact.email)}`;
    }
  }
  return null;
}

export interface TimedAnswer {
  ms: number;
  ok: boolean;
}

/** Ask the gateway for these people; time it and record any problem. Never throws. */
export async function queryPeople(gatewayUrl: string, token: string, ids: readonly string[], check: AnswerCheck, problems: ProblemLog): Promise<TimedAnswer> {
  const start = performance.now();
  try {
    const result = await postGraphQL<BenchPeopleData>(gatewayUrl, PEOPLE_QUERY, { ids }, token);
    const ms = performance.now() - start;
    const problem = checkPeopleAnswer(ids, result, check);
    if (problem !== null) problems.add(problem);
    return { ms, ok: problem === null };
  } catch (error) {
    problems.add(`request failed: ${errorMessage(error)}`);
    return { ms: performance.now() - start, ok: false };
  }
}

/** The emulator's counters now, to diff against later. */
export function snapshot(emulator: SalesforceEmulator): EmulatorCounters {
  return { ...emulator.counters };
}

/** Contact lookups since the snapshot: query plus queryMore (next pages). */
export function salesforceCallsSince(emulator: SalesforceEmulator, before: EmulatorCounters): number {
  return emulator.counters.query - before.query + (emulator.counters.queryMore - before.queryMore);
}

export function countersSince(emulator: SalesforceEmulator, before: EmulatorCounters): EmulatorCounters {
  const now = emulator.counters;
  const diff = { ...now };
  for (const key of Object.keys(now) as Array<keyof EmulatorCounters>) diff[key] = now[key] - before[key];
  return diff;
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Run `count` tasks at once and wait for all of them. */
export function concurrently<T>(count: number, task: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => task(i)));
}

/**
 * The order of `groups` interleaved measurements of two sides: A B B A, then B A A B, and so on, so that whatever
 * drifts on the machine weighs on both alike and neither always goes first.
 */
export function abbaOrder<A extends string, B extends string>(groups: number, a: A, b: B): Array<A | B> {
  return Array.from({ length: groups }, (_, i) => (i % 2 === 0 ? [a, b, b, a] : [b, a, a, b])).flat();
}
