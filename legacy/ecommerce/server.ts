import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EcommerceData } from '../generator/model.js';
import { applyFaults, handleAdmin, type Controls } from '../shared/admin.js';
import { CallCounter } from '../shared/counters.js';
import { FaultInjector, NO_FAULTS, type FaultConfig } from '../shared/faults.js';
import { BodyTooLargeError, readBody, startHttp, type Running } from '../shared/http.js';
import { Journal } from '../shared/journal.js';
import { ApiError } from './apiError.js';
import { CustomerErasures } from './customerErasures.js';
import { EcommerceStore } from './ecommerceStore.js';
import { FeedbackStore } from './feedbackStore.js';
import { findRoute } from './findRoute.js';
import { IdempotencyKeys } from './idempotencyKeys.js';
import { OrderIntake } from './orderIntake.js';
import { QueryParams } from './queryParams.js';
import { Reply } from './reply.js';
import type { Route } from './routes.js';
import { TokenBucket } from './tokenBucket.js';
import { ecommerceWrites } from './writes.js';

export const SYSTEM = 'ecommerce';

/** Largest body of a write (a PATCH, a new order) the platform reads. */
const MAX_WRITE_BYTES = 64 * 1024;

export interface EcommerceOptions {
  /**
   * The platform's records. Never changed: customers and orders are copied before a PATCH or an
   * erasure changes them, and new orders are added to the platform's own lists.
   */
  data: EcommerceData;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Faults from the start, and what `DELETE /__admin/faults` goes back to; default none. */
  faults?: FaultConfig;
  /** Seed of the fault injector's random choices, for reproducible error rates. */
  faultSeed?: string;
  /**
   * Requests per second a token bucket lets through (bursts of as many); past it, 429 with
   * `Retry-After`. Undefined (the default): unlimited. Admin calls are never limited.
   */
  rateLimitPerSecond?: number;
  /** Epoch milliseconds, for the rate limit and the timestamps writes stamp; default `Date.now`. */
  clock?: () => number;
  /**
   * Folder where the platform keeps every write it acknowledges (`PATCH /customers/:id`,
   * `POST /orders` with its idempotency key, `DELETE /customers/:id`), in
   * `writes.jsonl`, fsynced before it answers; replayed over `data` at start, so that a
   * restart on the same folder loses nothing. Locked to one process. Omitted (tests over a
   * fixture): writes are kept in memory only and lost when the server stops.
   */
  journalDir?: string;
}

export interface RunningEcommerce extends Running {
  counter: CallCounter;
  faults: FaultInjector;
  /** Where acknowledged writes are kept (undefined: in memory only) and how many were replayed at start. */
  journal: { path: string | undefined; replayed: number };
}

/**
 * Starts the e-commerce platform's REST/JSON API under `/api/v1`, beside the shared
 * `/__admin` endpoint. Indexes are built, and with `journalDir` the writes acknowledged by
 * earlier runs replayed, before it listens.
 */
export async function startEcommerce(options: EcommerceOptions): Promise<RunningEcommerce> {
  const clock = options.clock ?? Date.now;
  const store = new EcommerceStore(options.data);
  const feedback = new FeedbackStore(options.data);
  const keys = new IdempotencyKeys();
  const journal = await Journal.open({ dir: options.journalDir, system: SYSTEM, appliers: ecommerceWrites(store, keys) });
  const orders = new OrderIntake(store, keys, journal);
  const erasures = new CustomerErasures(store, journal);
  const controls: Controls = {
    system: SYSTEM,
    counter: new CallCounter(),
    faults: new FaultInjector(options.faults ?? NO_FAULTS, options.faultSeed ?? SYSTEM),
  };
  const { rateLimitPerSecond } = options;
  const bucket = rateLimitPerSecond === undefined ? undefined : new TokenBucket(rateLimitPerSecond, clock);
  let ownAddress = '';

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (await handleAdmin(req, res, controls)) return;
    const outcome = await applyFaults(req, controls);
    if (outcome === 'dropped') return;
    if (outcome === 'error') throw new ApiError('server_error', 'the platform failed to answer (injected fault)');

    const wait = bucket?.take() ?? 0;
    if (wait > 0) {
      res.setHeader('retry-after', String(wait));
      throw new ApiError('rate_limited', `more than ${rateLimitPerSecond} requests per second; retry after ${wait} s`);
    }

    const url = requestUrl(req, ownAddress);
    const method = req.method ?? 'GET';
    const match = findRoute(method, url.pathname);
    if (!match) throw new ApiError('not_found', `no resource at ${url.pathname}`);
    if ('allowed' in match) {
      res.setHeader('allow', match.allowed.join(', '));
      throw new ApiError('method_not_allowed', `${method} is not allowed on ${url.pathname}; use ${match.allowed.join(' or ')}`);
    }

    const { route, path } = match;
    controls.counter.record(`${route.method} ${route.path}`, itemsAskedFor(route, url.searchParams));
    const answer = await route.handle({
      store,
      path,
      query: new QueryParams(url.searchParams, route.query),
      url,
      header: (name) => headerValue(req, name),
      body: () => readWriteBody(req),
      now: () => new Date(clock()).toISOString(),
      journal,
      orders,
      feedback,
      erasures,
    });
    if (answer instanceof Reply) {
      for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
      sendJson(res, answer.status, answer.body);
    } else {
      sendJson(res, 200, answer);
    }
  };

  let running: Running;
  try {
    running = await startHttp((req, res) => {
      serve(req, res).catch((error: unknown) => {
        const refusal =
          error instanceof ApiError ? error : new ApiError('server_error', `the platform failed: ${(error as Error).message}`);
        if (!res.headersSent && !res.destroyed) sendJson(res, refusal.status, refusal.body);
      });
    }, options.port ?? 0, options.host);
  } catch (error) {
    await journal.close();
    throw error;
  }
  ownAddress = new URL(running.url).host;
  let stopping: Promise<void> | undefined;
  return {
    ...running,
    counter: controls.counter,
    faults: controls.faults,
    journal: { path: journal.path, replayed: journal.replayed },
    // The journal closes after the server: a write under way is still recorded.
    stop: () => (stopping ??= running.stop().finally(() => journal.close())),
  };
}

/** The URL as the client called it (its Host header), so that links work through any name. */
function requestUrl(req: IncomingMessage, ownAddress: string): URL {
  const target = req.url ?? '/';
  try {
    return new URL(`http://${req.headers.host ?? ownAddress}${target.startsWith('/') ? target : `/${target}`}`);
  } catch {
    throw new ApiError('bad_request', `request target ${JSON.stringify(target)} is not a valid URL`);
  }
}

/** The values in the call's batch parameters, or 1 when it asks for no batch. */
function itemsAskedFor(route: Route, search: URLSearchParams): number {
  let items = 0;
  for (const name of route.batch ?? []) {
    const value = search.get(name);
    if (value) items += value.split(',').length;
  }
  return items > 0 ? items : 1;
}

/** A header as sent; one sent twice is joined with ", ", as Node joins most headers. */
function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

async function readWriteBody(req: IncomingMessage): Promise<string> {
  try {
    return await readBody(req, MAX_WRITE_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new ApiError('bad_request', error.message);
    throw error;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
