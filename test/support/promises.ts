/** Promise helpers shared by the unit tests. */
import { SalesforceError } from '../../src/salesforce/errors';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A promise the test settles by hand. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The SalesforceError a call fails with; fails the test when it succeeds or fails otherwise. */
export async function failureOf(promise: Promise<unknown>): Promise<SalesforceError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SalesforceError);
    return error as SalesforceError;
  }
  throw new Error('expected the call to fail with a SalesforceError');
}
