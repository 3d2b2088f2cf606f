/**
 * The operation a statement is counted under: its first SQL keyword, lower-cased
 * (`select`, `with`, `insert`, `begin`…), past leading blanks, comments and parentheses.
 * A statement with no text is `empty`; one that starts with something else is `other`.
 */
export function statementOperation(sql: string): string {
  let at = 0;
  while (at < sql.length) {
    const c = sql[at]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '(' || c === ';') {
      at += 1;
    } else if (sql.startsWith('--', at)) {
      const eol = sql.indexOf('\n', at);
      at = eol < 0 ? sql.length : eol + 1;
    } else if (sql.startsWith('/*', at)) {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      do {
        if (sql.startsWith('/*', at)) {
          depth += 1;
          at += 2;
        } else if (sql.startsWith('*/', at)) {
          depth -= 1;
          at += 2;
        } else {
          at += 1;
        }
      } while (depth > 0 && at < sql.length);
    } else {
      break;
    }
  }
  if (at >= sql.length) return 'empty';
  const keyword = /^[A-Za-z_]+/.exec(sql.slice(at, at + 64));
  return keyword ? keyword[0].toLowerCase() : 'other';
}
