import type { DocumentNode } from 'graphql';
import type { Principal } from '../subgraphs/shared/principal.js';
import { principalKey } from './responseCache.js';
import { writesSeen } from './subgraphDataSource.js';

/** The header that says an answer was another request's, asked the same at the same time. */
export const COALESCED_HEADER = 'x-crosscanal-coalesced';

/** An answer as it went over HTTP, to be sent again to the requests that asked the same meanwhile. */
export interface SharedAnswer {
  status: number;
  headers: ReadonlyArray<[string, string]>;
  body: string;
  /** For the metrics and the log of each request it answers: the operation's name and the codes of its errors. */
  operationName: string | undefined;
  codes: readonly string[];
}

/** What a request asking the same as one in flight is given. */
export type Joined =
  /** Another request is answering the same: its answer, or undefined when this one must answer on its own. */
  | { wait: Promise<SharedAnswer | undefined> }
  /** This request answers for the others: `settle` with its answer as sent, or undefined (those waiting then answer on their own). */
  | { settle(answer: SharedAnswer | undefined): void };

export interface Coalescer {
  /** The key of a query: what makes two requests' answers the same bytes. */
  keyOf(request: CoalescedRequest): string;
  join(key: string): Joined;
}

export interface CoalescedRequest {
  /** The parsed document: the gateway's parse cache gives the same object for the same text. */
  document: DocumentNode;
  principal: Principal;
  /** The Accept header: it chooses the media type, and with it the status of a request error. */
  accept: string | undefined;
  operationName: string | undefined;
  variables: unknown;
  extensions: unknown;
}

/** Errors that belong to the request that met them, not to the answer: another waiting for it answers on its own. */
const OWN_ERRORS = new Set(['DEADLINE_EXCEEDED']);

/**
 * Identical queries in flight at once share one answer: a query that arrives while the same
 * principal's same operation with the same variables (and the same Accept header) is being
 * answered waits for that answer, and is sent the same bytes (data, errors, the notice of what
 * was served stale), marked {@link COALESCED_HEADER}, under its own request id. Taken at the
 * gateway's door, once the token, the rate, the safelist and the operation's limits have been
 * checked for it, so that those waiting skip Apollo Server's pipeline and the serialization of
 * the answer as well as its execution (a category page is some 20 KB of JSON). Nothing is kept
 * once the first answer is sent: this is not a cache, and an answer is never shared with a
 * request that arrived after it was finished, nor with another principal. A query asked after a
 * write through the gateway has been answered never waits for an answer begun before it (a
 * client reads its own writes).
 *
 * The handler stops a request's wait when its own client leaves or its deadline passes; when
 * the request answering for the others ends so itself (its client gone, its deadline passed,
 * an unexpected failure), or its answer holds an error of its own (a deadline), those waiting
 * answer on their own.
 */
export function createCoalescer(): Coalescer {
  const leading = new Map<string, { generation: number; answer: Promise<SharedAnswer | undefined> }>();
  const documentIds = new WeakMap<DocumentNode, number>();
  let documents = 0;
  return {
    keyOf({ document, principal, accept, operationName, variables, extensions }) {
      let id = documentIds.get(document);
      if (id === undefined) documentIds.set(document, (id = ++documents));
      return `${id}\n${principalKey(principal)}\n${accept ?? ''}\n${operationName ?? ''}\n${JSON.stringify(variables ?? {})}\n${JSON.stringify(extensions ?? null)}`;
    },
    join(key) {
      const generation = writesSeen();
      const running = leading.get(key);
      if (running && running.generation === generation) return { wait: running.answer };
      let resolve!: (answer: SharedAnswer | undefined) => void;
      const entry = { generation, answer: new Promise<SharedAnswer | undefined>((done) => (resolve = done)) };
      leading.set(key, entry);
      let settled = false;
      return {
        settle(answer) {
          if (settled) return;
          settled = true;
          if (leading.get(key) === entry) leading.delete(key);
          resolve(answer && !answer.codes.some((code) => OWN_ERRORS.has(code)) ? answer : undefined);
        },
      };
    },
  };
}

/** The shared answer, or undefined as soon as `signal` (this request's own) aborts. */
export function untilAnswered(answer: Promise<SharedAnswer | undefined>, signal: AbortSignal): Promise<SharedAnswer | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const stop = () => resolve(undefined);
    signal.addEventListener('abort', stop, { once: true });
    void answer.then((shared) => {
      signal.removeEventListener('abort', stop);
      resolve(shared);
    });
  });
}
