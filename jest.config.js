/** One Jest run covers unit, engine and browser suites; `npm test` runs them all. */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022' }, module: { type: 'commonjs' } }];

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc, '^.+\\.js$': swc },
  // `cookie` 2 and `jose` 6 are ESM only; Node 20.19+ loads them (require(esm), dynamic import) but
  // Jest's module system does not, so Jest alone compiles them, and the two Fastify packages that
  // load `cookie`, to CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(cookie|@fastify/cookie|light-my-request|jose)/)'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // build/ holds the engine's copy and Deno caches; dist/ the packaged App; packaging/ the
  // packager's own small install: never modules of the tests.
  modulePathIgnorePatterns: ['<rootDir>/build/', '<rootDir>/dist/', '<rootDir>/packaging/'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/mongo-live/'],
  // Engine and browser suites start Deno and Chromium: give them room, but run files in parallel.
  testTimeout: 30000,
  maxWorkers: process.env.CI ? 2 : '50%',
};
