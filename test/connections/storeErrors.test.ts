/** Which database failures count as the store being unavailable (and so never blame Salesforce, nor hide a bug). */
import { isUnavailability } from '../../src/connections/storeErrors';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isUnavailability', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a reset connection', withCode('ECONNRESET')],
    ['the driver losing its connection', new Error('Connection terminated unexpectedly')],
    ['the driver timing out a query', new Error('Query read timeout')],
    ['the pool timing out a connection attempt', new Error('timeout exceeded when trying to connect')],
    ['a connection exception (08006)', withCode('08006')],
    ['the server shutting down (57P01)', withCode('57P01')],
    ['the server starting up (57P03)', withCode('57P03')],
    ['too many connections (53300)', withCode('53300')],
  ])('counts %s', (_name, error) => {
    expect(isUnavailability(error)).toBe(true);
  });

  it.each([
    ['a foreign key violation (23503)', withCode('23503')],
    ['a syntax error, a bug of ours (42601)', withCode('42601')],
    ['an undefined table (42P01)', withCode('42P01')],
    ['bad data, a NUL in text (22021)', withCode('22021')],
    ['a deadlock (40P01)', withCode('40P01')],
    ['something that is not an error', 'boom'],
  ])('does not count %s', (_name, error) => {
    expect(isUnavailability(error)).toBe(false);
  });
});
