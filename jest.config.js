/**
 * Jest runs TypeScript through swc (fast on two cores); type checking is `npm run typecheck`.
 * Two projects: `fast` (unit, integration, browser) and `multiprocess` (real server processes,
 * load and CLI loops), so `npm run test:fast` stays quick while `npm test` runs both.
 */
const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
};

module.exports = {
  projects: [
    {
      ...base,
      displayName: 'fast',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/multiprocess/'],
      testTimeout: 30000,
    },
    {
      ...base,
      displayName: 'multiprocess',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/multiprocess/**/*.test.ts'],
      // The PostgreSQL outage tests (postgres-outage*) make and break a cluster (or a network) of
      // their own: they run in the PostgreSQL runs of CI (TEST_DATABASE_URL set), and fail there
      // without the binaries.
      testPathIgnorePatterns: process.env.TEST_DATABASE_URL
        ? []
        : ['<rootDir>/test/multiprocess/postgres-outage'],
      testTimeout: 180000,
    },
  ],
  maxWorkers: 2,
  // Jest reads testTimeout from the global config only (the projects' values above are ignored);
  // on a loaded two-core machine a test that runs clip jobs with ffmpeg needs more than the 5 s default.
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
