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

// A client of the proxy sends whatever SQL it likes (a message may be 1 GiB). As one pattern,
// 256 KiB of `copy ` words and no `;` took about 13 s, the proxy's every session waiting;
// statement by statement, it takes milliseconds.
test.each([
  ['copy words, no ;', 'copy '.repeat(52_429)],
  ['copy from, no stdin', 'copy from '.repeat(26_215)],
  ['copy and from, blanks before no stdin', `copy ${'from '.repeat(52_428)}`],
])('reads 256 KiB of hostile SQL in linear time (%s)', (_, sql) => {
  const started = performance.now();
  expect(copiesFromClient(sql)).toBe(false);
  expect(copiesFromClient(`${sql} from stdin`)).toBe(true);
  expect(performance.now() - started).toBeLessThan(5000);
});
