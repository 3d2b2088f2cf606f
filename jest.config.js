/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30000,
  // Two workers on a two-core machine (Jest's default is one fewer than the cores): the
  // end-to-end suites mostly wait on their stacks, so the run takes about half as long.
  maxWorkers: 2,
  // A worker's heap keeps growing from one test file to the next (each file loads the stack's
  // modules anew: graphql, Apollo, PGlite), past 1 GB by mid-run, and a grown heap makes every
  // later file pay in collection (a PGlite suite took 125 s late in a run, 19 s alone). A worker
  // past 512 MB is replaced after its file: on a 2-core machine the run's CPU fell from 22 to
  // 13 minutes. A test file's own peak is far below it.
  workerIdleMemoryLimit: '512MB',
  // The longest suites first, by what this checkout measured or else by test/suite-times.json.
  testSequencer: '<rootDir>/test/support/sequencer.js',
};
