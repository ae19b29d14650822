// Jest globalTeardown: stops the embedded PostgreSQL that test/support/testDatabase.mjs started, if it did.
export { stopTestDatabase as default } from './testDatabase.mjs';
