import { SourceFailure } from './errors.js';

/** Reading PostgreSQL through a source: giving up on a query when the call times out, and what its errors mean. */

/** Rejects with the signal's reason when it fires first; the abandoned query's outcome is ignored. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

/**
 * Classifies a PostgreSQL error by its SQLSTATE class: the database or the connection failing
 * (08 connection, 53 resources, 57 operator intervention and cancelled statements, 58 system,
 * XX internal, 40 serialization) is `unavailable`; a schema that is not what the directory
 * promised (undefined table, column or schema) is `badResponse`; a value the database refused
 * (22 data, 42 other syntax or access) is `badRequest`. Errors without a SQLSTATE (sockets,
 * the pool) are left to the source, which counts them as unavailable.
 */
export function pgFailure(error: unknown): SourceFailure | undefined {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  const detail = `${(error as Error).message} (SQLSTATE ${code})`;
  const sqlClass = code.slice(0, 2);
  if (['08', '53', '57', '58', 'XX', '40'].includes(sqlClass)) return new SourceFailure('unavailable', detail, undefined, { cause: error });
  if (code === '42P01' || code === '42703' || code === '3F000' || code === '42883') return new SourceFailure('badResponse', detail, undefined, { cause: error });
  return new SourceFailure('badRequest', detail, undefined, { cause: error });
}
