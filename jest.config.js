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
  // modules anew: graphql, Apollo, PGlite), and a large heap makes every later file pay in
  // collection: measured on a 2-core machine, 1,713 s of suite time and 22 min of CPU without
  // a limit against 1,150 s and 13 min with workers replaced past 512 MB (the whole run 867 →
  // 585 s). A test file's own peak is far below it.
  workerIdleMemoryLimit: '512MB',
  // The longest suites first, by what this checkout measured or else by test/suite-times.json.
  testSequencer: '<rootDir>/test/support/sequencer.js',
};
