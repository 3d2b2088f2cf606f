/** Whether SQL text holds a `COPY … FROM STDIN`: the client would stream rows in with CopyData. */
export function copiesFromClient(sql: string): boolean {
  return /\bcopy\b[^;]*\bfrom\s+stdin\b/i.test(sql);
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
