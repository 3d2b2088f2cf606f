import { copiesFromClient } from './copyFromClient.js';

test.each([
  ['COPY keyed_in FROM STDIN', true],
  ['copy keyed_in (code) from stdin with (format csv)', true],
  ['BEGIN; COPY t FROM\n  STDIN;', true],
  ['COPY (SELECT 1) TO STDOUT', false],
  ["SELECT 'copy' FROM t; SELECT 'from stdin'", false],
  ['SELECT 1', false],
])('%j streams rows from the client: %s', (sql, expected) => {
  expect(copiesFromClient(sql)).toBe(expected);
});
