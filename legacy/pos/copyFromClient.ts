/**
 * Whether SQL text holds a `COPY … FROM STDIN`: the client would stream rows in with CopyData.
 *
 * Statement by statement, from each one's first `copy`: as one pattern
 * (`/\bcopy\b[^;]*\bfrom\s+stdin\b/i`), each `copy` read on to the next `;` before failing, so
 * a text of n `copy ` words and no `;` cost n² steps: 256 KiB of them held the proxy, and
 * every session through it, for about 13 s. A later `copy` of a statement has its `from stdin`
 * after the first one too.
 */
export function copiesFromClient(sql: string): boolean {
  return sql.split(';').some((statement) => {
    const at = statement.search(/\bcopy\b/i);
    return at >= 0 && /\bfrom\s+stdin\b/i.test(statement.slice(at + 4));
  });
}

/**
 * What runs instead of a `COPY … FROM STDIN` on PGlite: its socket server cannot take COPY
 * data (the session dies at the first CopyData or CopyFail, for every client), so the
 * statement is answered with PostgreSQL's own `feature_not_supported` error instead.
 */
export const REFUSED_COPY_SQL =
  "DO $refused$ BEGIN RAISE EXCEPTION USING ERRCODE = 'feature_not_supported', " +
  "MESSAGE = 'COPY FROM STDIN is not supported by the embedded POS database (PGlite)', " +
  "HINT = 'Use INSERT, or run the POS on PostgreSQL (POS_DATABASE_URL).'; END $refused$";
