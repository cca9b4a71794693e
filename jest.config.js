/** One Jest run covers unit, engine and browser suites; `npm test` runs them all. */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022' }, module: { type: 'commonjs' } }] };

module.exports = {
  testEnvironment: 'node',
  transform,
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/mongo-live/'],
  // Engine and browser suites start Deno and Chromium: give them room, but run files in parallel.
  testTimeout: 30000,
  maxWorkers: process.env.CI ? 2 : '50%',
};
