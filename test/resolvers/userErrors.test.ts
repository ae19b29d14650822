/** The connection layer's problems as GraphQL user errors: the argument path GraphQL clients use to place them. */
import { inputProblem, setupProblem } from '../../src/connections/problems';
import { toPayload, toUserError } from '../../src/resolvers/userErrors';

describe('toUserError', () => {
  it.each([
    [inputProblem('INVALID_INPUT', 'consumerSecret', 'empty'), ['input', 'consumerSecret']],
    [{ code: 'TOO_MANY_FIELDS', target: { kind: 'fieldList' }, message: 'too many' } as const, ['fields']],
    [{ code: 'UNKNOWN_FIELD', target: { kind: 'fieldName', index: 3 }, message: 'no such field' } as const, ['fields', '3']],
    [setupProblem('INACTIVE_USER', 'activate the user'), null],
  ])('places %j at %j', (problem, field) => {
    expect(toUserError(problem)).toEqual({ code: problem.code, field, message: problem.message });
  });
});

describe('toPayload', () => {
  it('keeps the connection and maps every problem, in order', () => {
    const problems = [inputProblem('INVALID_INSTANCE_URL', 'instanceUrl', 'not a My Domain'), setupProblem('NOT_CONNECTED', 'connect first')];
    expect(toPayload({ connection: null, problems })).toEqual({
      connection: null,
      userErrors: [
        { code: 'INVALID_INSTANCE_URL', field: ['input', 'instanceUrl'], message: 'not a My Domain' },
        { code: 'NOT_CONNECTED', field: null, message: 'connect first' },
      ],
    });
  });
});
