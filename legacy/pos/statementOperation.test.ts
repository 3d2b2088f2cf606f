import { statementOperation } from './statementOperation.js';

test.each([
  ['SELECT 1', 'select'],
  ['  select * from t', 'select'],
  ['\n\tInsert INTO t VALUES (1)', 'insert'],
  ['WITH x AS (SELECT 1) SELECT * FROM x', 'with'],
  ['-- the dashboard\nSELECT 1', 'select'],
  ['/* outer /* nested */ still comment */ update t SET a = 1', 'update'],
  ['((SELECT 1) UNION (SELECT 2))', 'select'],
  ['; BEGIN; SELECT 1; COMMIT', 'begin'],
  ['', 'empty'],
  ['  -- nothing but a comment', 'empty'],
  ['1 + 1', 'other'],
])('%j is counted as %s', (sql, operation) => {
  expect(statementOperation(sql)).toBe(operation);
});
