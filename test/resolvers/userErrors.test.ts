/** The connection layer's problems as GraphQL user errors: the argument path GraphQL clients use to place them. */
import { fieldListProblem, fieldNameProblem, generalProblem, inputProblem } from '../../src/connections/problems';
import { CONNECT_ARGUMENTS, FIELDS_ARGUMENTS, NO_ARGUMENTS, toPayload, toUserError } from '../../src/resolvers/userErrors';

describe('toUserError', () => {
  it.each([
    [inputProblem('INVALID_INPUT', 'consumerSecret', 'empty'), CONNECT_ARGUMENTS, ['input', 'consumerSecret']],
    [fieldListProblem('TOO_MANY_FIELDS', 'too many'), FIELDS_ARGUMENTS, ['fields']],
    [fieldNameProblem('UNKNOWN_FIELD', 3, 'no such field'), FIELDS_ARGUMENTS, ['fields', '3']],
    [generalProblem('INACTIVE_USER', 'activate the user'), CONNECT_ARGUMENTS, null],
  ])('places %j at %j', (problem, args, field) => {
    expect(toUserError(problem, args)).toEqual({ code: problem.code, field, message: problem.message });
  });

  it.each([
    ['testSalesforceConnection (no arguments)', NO_ARGUMENTS],
    ['setSalesforceContactFields (only fields)', FIELDS_ARGUMENTS],
  ])("points at no field from %s when the problem is with connect's input", (_mutation, args) => {
    const wrongSecret = inputProblem('INVALID_CLIENT_CREDENTIALS', 'consumerSecret', 'copy the secret again');
    expect(toUserError(wrongSecret, args)).toEqual({ code: 'INVALID_CLIENT_CREDENTIALS', field: null, message: 'copy the secret again' });
  });
});

describe('toPayload', () => {
  it('keeps the connection and maps every problem, in order', () => {
    const problems = [inputProblem('INVALID_INSTANCE_URL', 'instanceUrl', 'not a My Domain'), generalProblem('NOT_CONNECTED', 'connect first')];
    expect(toPayload({ connection: null, problems }, CONNECT_ARGUMENTS)).toEqual({
      connection: null,
      userErrors: [
        { code: 'INVALID_INSTANCE_URL', field: ['input', 'instanceUrl'], message: 'not a My Domain' },
        { code: 'NOT_CONNECTED', field: null, message: 'connect first' },
      ],
    });
  });
});
