/**
 * An error as one line for a terminal: the first line of its message; when that says
 * nothing (a connection refused on every address of a host is an AggregateError without a
 * message), its causes, else its code.
 */
export function errorLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const first = error.message.split('\n')[0]!.trim();
  if (first !== '' && !first.endsWith(':')) return first;
  const details =
    error instanceof AggregateError && error.errors.length > 0
      ? [...new Set(error.errors.map(errorLine))].join('; ')
      : error.cause !== undefined
        ? errorLine(error.cause)
        : ((error as NodeJS.ErrnoException).code ?? error.name);
  return first === '' ? details : `${first} ${details}`;
}

/**
 * Runs a command's `main` and sets the exit status it returns; a throw is status 1 with one
 * line, `crosscanal <name>: <what went wrong>`. exitCode rather than exit(): a long report
 * written to a pipe must be drained first.
 */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`crosscanal ${name}: ${errorLine(error)}\n`);
      process.exitCode = 1;
    },
  );
}
