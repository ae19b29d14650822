/** Jest runs TypeScript through ts-jest. Type checking is `npm run typecheck`'s job (run first by `npm test`),
 * so ts-jest only transpiles. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 30000,
};
