import type { Logger } from 'pino';
import { currentRequestScope } from './requestScope.js';

/**
 * `base` with the id of the request being served bound as `rid` (the gateway's
 * `x-request-id`, which its grant carries to the subgraphs), so that every line written for
 * one request can be found across the gateway and the subgraphs. Outside a request, `base`.
 *
 * The id is bound, not passed with each line: bindings are not run through the personal-data
 * scrubber, which would take a random id's run of nine digits for a card number. The gateway
 * only keeps a caller's id that the scrubber would leave as it is, and makes the others.
 */
export function requestLog(base: Logger, requestId: string | undefined = currentRequestScope()?.requestId): Logger {
  return requestId ? base.child({ rid: requestId }) : base;
}

/** The logger Apollo Server and Apollo Gateway take (`@apollo/utils.logger`'s `Logger`). */
export interface ApolloLogger {
  debug(message?: unknown): void;
  info(message?: unknown): void;
  warn(message?: unknown): void;
  error(message?: unknown): void;
}

/** Apollo's logger over pino: each line it writes during a request carries that request's id. */
export function apolloLogger(base: Logger): ApolloLogger {
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (message?: unknown) => {
    const log = requestLog(base);
    if (message instanceof Error) log[level]({ err: message }, message.message);
    else log[level](typeof message === 'string' ? message : String(message));
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
