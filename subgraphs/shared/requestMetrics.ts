import { AsyncLocalStorage } from 'node:async_hooks';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { HttpRefusal } from './graphqlHttp.js';
import { countErrors, observeRequest } from './metrics.js';

/**
 * One request as the metrics count it. The HTTP handler that serves the request owns it (it
 * knows the time taken and the refusals made before GraphQL), and {@link useRequestMetrics},
 * inside Apollo Server, adds what only GraphQL knows: the operation's name and the codes of
 * the errors in the answer (after masking: what the client saw).
 */
export interface RequestMeasure {
  operationName?: string;
  codes: string[];
}

const storage = new AsyncLocalStorage<RequestMeasure>();

/** Runs `work` (the request's execution) with `measure` open for the plugin. */
export function measuring<T>(measure: RequestMeasure, work: () => T): T {
  return storage.run(measure, work);
}

/** The codes of a list of errors, `INTERNAL_SERVER_ERROR` for one without. */
export function codesOf(errors: readonly GraphQLFormattedError[] | undefined): string[] {
  return (errors ?? []).map((error) => {
    const code = error.extensions?.code;
    return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
  });
}

/** The codes of a refusal's answer: each of its errors', or its own. */
export function refusalCodes(refusal: HttpRefusal): string[] {
  return refusal.errors ? codesOf(refusal.errors) : [refusal.code];
}

/** Fills the open {@link RequestMeasure} with the operation's name and its answer's error codes. */
export function useRequestMetrics<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const measure = storage.getStore();
      if (!measure) return;
      return {
        async didResolveOperation({ operationName }) {
          if (operationName) measure.operationName = operationName;
        },
        async willSendResponse({ response }) {
          if (response.body.kind === 'single') measure.codes.push(...codesOf(response.body.singleResult.errors));
        },
      };
    },
  };
}

/**
 * Records one request of `server` (`gateway`, or a subgraph's name): its count by operation and
 * outcome (the HTTP status, or the refusal's code), its time, and its errors by code.
 */
export function recordRequest(server: string, measure: RequestMeasure, outcome: string, seconds: number): void {
  observeRequest(server, measure.operationName, outcome, seconds);
  countErrors(server, measure.codes);
}
