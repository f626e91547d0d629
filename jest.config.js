// Two projects: unit tests run in parallel and in-process; integration tests share one real
// Kafka broker and one real Redis (started once by the global setup) and run serially.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // A project's global setup runs only when one of its tests is selected, so unit-only runs
      // never start a broker.
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
      // Every integration test talks to the same broker and Redis: npm test runs them --runInBand.
      setupFilesAfterEnv: ['<rootDir>/test/harness/integration-timeout.ts'],
    },
    {
      // Issue 5's fault tests: services killed, brokers and Redis stopped. Same harness as the
      // integration project (tests that stop a broker or Redis start their own); run serially.
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
      setupFilesAfterEnv: ['<rootDir>/test/harness/integration-timeout.ts'],
    },
  ],
};
