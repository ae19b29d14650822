/**
 * The connection layer's answers in GraphQL's shapes: each ConnectionProblem becomes a SalesforceUserError whose
 * `field` is the path of the mutation argument at fault (`["input", "consumerKey"]`, `["fields", "2"]`), or null
 * when the mutation has no such argument (testSalesforceConnection re-proves stored credentials: no input to fix).
 */
import type { ConnectSalesforceInput, SalesforceUserError, SalesforceUserErrorCode } from '../__generated__/resolvers-types';
import type { ConnectionProblem, ConnectionProblemCode, ProblemTarget } from '../connections/problems';
import type { ConnectionOutcome } from '../connections/service';
import type { ConnectionView } from '../connections/types';

/** The kinds of value a mutation's arguments hold. */
export type ArgumentKinds = ReadonlyArray<ProblemTarget['kind']>;

export const CONNECT_ARGUMENTS: ArgumentKinds = ['connectInput'];
export const FIELDS_ARGUMENTS: ArgumentKinds = ['fieldList', 'fieldName'];
export const NO_ARGUMENTS: ArgumentKinds = [];

/** The two lists of codes are one: a code added to either without the other fails to compile here. */
type SameCodes = [ConnectionProblemCode] extends [SalesforceUserErrorCode] ? ([SalesforceUserErrorCode] extends [ConnectionProblemCode] ? true : never) : never;
const SAME_CODES: SameCodes = true;
void SAME_CODES;

export function toUserError(problem: ConnectionProblem, args: ArgumentKinds): SalesforceUserError {
  const { target } = problem;
  const field = target !== null && args.includes(target.kind) ? argumentPath(target) : null;
  return { code: problem.code, field, message: problem.message };
}

/** A mutation payload: the connection, and why the change was refused. */
export function toPayload(outcome: ConnectionOutcome, args: ArgumentKinds): { connection: ConnectionView | null; userErrors: SalesforceUserError[] } {
  return { connection: outcome.connection, userErrors: outcome.problems.map((problem) => toUserError(problem, args)) };
}

function argumentPath(target: ProblemTarget): string[] {
  switch (target.kind) {
    case 'connectInput': {
      const name: keyof ConnectSalesforceInput = target.name;
      return ['input', name];
    }
    case 'fieldList':
      return ['fields'];
    case 'fieldName':
      return ['fields', String(target.index)];
  }
}
