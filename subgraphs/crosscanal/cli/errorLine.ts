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
