import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CatalogueData } from '../generator/model.js';
import { applyFaults, handleAdmin, type Controls } from '../shared/admin.js';
import { CallCounter } from '../shared/counters.js';
import { FaultInjector, NO_FAULTS, type FaultConfig } from '../shared/faults.js';
import { startHttp, type Running } from '../shared/http.js';
import { CatalogueIndex } from './catalogueIndex.js';
import { CursorCodec } from './cursor.js';
import type { HandlerContext } from './handlerContext.js';
import { Problem, sendProblem } from './problem.js';
import { sendReply } from './reply.js';
import { findRoute } from './routes.js';

export interface CatalogueOptions {
  /** The catalogue to serve; indexed once at start, never changed. */
  data: CatalogueData;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Faults from start-up (default: none); the admin endpoint changes them at run time. */
  faults?: FaultConfig;
  /** Seed of the fault injector's random choices, for reproducible error rates. */
  faultSeed?: number | string;
  /** Key that signs paging cursors; default: random, so cursors do not outlive the process. */
  cursorSecret?: string;
}

/** A started catalogue: its address, `stop`, and the controls the admin endpoint also exposes. */
export interface RunningCatalogue extends Running {
  counter: CallCounter;
  faults: FaultInjector;
}

/** Starts the PIM stand-in: the `/pim/v2` REST API plus the shared `/__admin` endpoint. */
export async function startCatalogue(options: CatalogueOptions): Promise<RunningCatalogue> {
  const controls: Controls = {
    system: 'catalogue',
    counter: new CallCounter(),
    faults: new FaultInjector(options.faults ?? NO_FAULTS, options.faultSeed ?? 'catalogue'),
  };
  const context: HandlerContext = { index: new CatalogueIndex(options.data), cursors: new CursorCodec(options.cursorSecret) };
  const running = await startHttp((req, res) => void handle(req, res, controls, context), options.port ?? 0, options.host);
  return { ...running, counter: controls.counter, faults: controls.faults };
}

async function handle(req: IncomingMessage, res: ServerResponse, controls: Controls, context: HandlerContext): Promise<void> {
  const instance = req.url ?? '/';
  try {
    if (await handleAdmin(req, res, controls)) return;
    const outcome = await applyFaults(req, controls);
    if (outcome === 'dropped') return;
    if (outcome === 'error') {
      sendProblem(res, new Problem('internal', 'the PIM could not process the request (injected fault); retry later'), instance);
      return;
    }
    const url = new URL(instance, 'http://pim.invalid');
    const route = findRoute(req.method ?? 'GET', url, header(req, 'if-none-match'), context);
    controls.counter.record(route.operation, route.items);
    sendReply(res, route.serve());
  } catch (error) {
    const problem = error instanceof Problem ? error : new Problem('internal', `unexpected error: ${(error as Error).message}`);
    if (res.headersSent) res.destroy();
    else sendProblem(res, problem, instance);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
