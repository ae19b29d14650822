/** Jest runs TypeScript through ts-jest. Type checking is `npm run typecheck`'s job (run first by `npm test`),
 * so ts-jest only transpiles. globalSetup picks (or starts) the PostgreSQL every run uses; see testDatabase.mjs. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 30000,
  globalSetup: '<rootDir>/test/support/testDatabase.mjs',
  globalTeardown: '<rootDir>/test/support/testDatabaseTeardown.mjs',
};
