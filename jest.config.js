/**
 * Unit tests (`*.test.ts`) run in process; end-to-end tests (`*.e2e.test.ts`) start real
 * services as processes against real PostgreSQL. Both run under `npm test`.
 * Types are checked by `npm run typecheck`; ts-jest only transpiles, which keeps runs fast.
 */
const transform = {
  '^.+\\.[tj]s$': [
    'ts-jest',
    { tsconfig: { module: 'commonjs', target: 'ES2022', esModuleInterop: true, isolatedModules: true, allowJs: true } },
  ],
};
// jose ships ESM only; let ts-jest turn it into CommonJS for jest's runtime.
const transformIgnorePatterns = ['/node_modules/(?!jose/)'];

module.exports = {
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/tests/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.e2e\\.test\\.ts$'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/tests/**/*.e2e.test.ts'],
    },
  ],
  // Per test and hook; end-to-end hooks start processes, slow on a loaded 2-core machine.
  testTimeout: 120_000,
  maxWorkers: 2,
};
