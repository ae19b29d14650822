/**
 * The connection layer's answers in GraphQL's shapes: each ConnectionProblem becomes a SalesforceUserError whose
 * `field` is the path of the argument at fault (`["input", "consumerKey"]`, `["fields", "2"]`).
 */
import type { SalesforceUserError } from '../__generated__/resolvers-types';
import type { ConnectionProblem, ProblemTarget } from '../connections/problems';
import type { ConnectionOutcome } from '../connections/service';
import type { ConnectionView } from '../connections/types';

export function toUserError(problem: ConnectionProblem): SalesforceUserError {
  return { code: problem.code, field: argumentPath(problem.target), message: problem.message };
}

/** A mutation payload: the connection, and why the change was refused. */
export function toPayload(outcome: ConnectionOutcome): { connection: ConnectionView | null; userErrors: SalesforceUserError[] } {
  return { connection: outcome.connection, userErrors: outcome.problems.map(toUserError) };
}

function argumentPath(target: ProblemTarget | null): string[] | null {
  if (target === null) return null;
  switch (target.kind) {
    case 'connectInput':
      return ['input', target.name];
    case 'fieldList':
      return ['fields'];
    case 'fieldName':
      return ['fields', String(target.index)];
  }
}
