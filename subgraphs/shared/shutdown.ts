import type { Logger } from 'pino';
import { loggerFor } from './logger.js';
import { markProcessDraining } from './operations.js';
import { stopTracing } from './tracing.js';

export interface DrainOnSignalsOptions {
  /** Where the drain is logged; default `loggerFor(name)`. */
  log?: Logger;
  /**
   * How long the process keeps accepting requests after the signal while `/healthz` already
   * answers 503, so that a load balancer sees it and stops sending new work before the
   * listeners close (the time its health checks and endpoint updates take). Default
   * `DRAIN_DELAY_MS` from the environment, else 0: close at once, as when nothing balances.
   */
  delayMs?: number;
  /**
   * A drain that takes longer than this ends the process with 1 anyway: something other than
   * a request hangs (a cache or a database that does not close). Default 60 s, beyond the
   * servers' own grace for in-flight requests.
   */
  forceAfterMs?: number;
}

/** `DRAIN_DELAY_MS`, checked: a whole number of milliseconds up to 5 minutes. */
export function drainDelayFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.DRAIN_DELAY_MS?.trim();
  if (!text) return 0;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 300_000) throw new Error(`DRAIN_DELAY_MS must be a whole number of milliseconds from 0 to 300000, got ${JSON.stringify(env.DRAIN_DELAY_MS)}`);
  return value;
}

/**
 * A process's answer to SIGTERM and SIGINT: every server in it answers as draining at once
 * (`/healthz` 503, `/readyz` not ready), keeps serving for `delayMs`, then `stop` (which closes
 * the listeners, lets in-flight requests finish and closes what they hold), then sends the
 * spans still queued (tracing.ts), then exit 0; exit 1
 * when it fails or hangs. A repeated signal changes nothing: terminals and process managers
 * send several (a Ctrl-C reaches `npm`, `tsx` and node alike).
 */
export function drainOnSignals(
  name: string,
  stop: () => Promise<void>,
  { log = loggerFor(name), delayMs = drainDelayFromEnv(), forceAfterMs = 60_000 }: DrainOnSignalsOptions = {},
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const started = performance.now();
    markProcessDraining();
    log.info({ signal, delayMs }, 'draining: answering as draining, then refusing new connections and finishing the requests in flight');
    const force = setTimeout(() => {
      log.error({ ms: delayMs + forceAfterMs }, 'the drain did not finish in time: exiting');
      process.exit(1);
    }, delayMs + forceAfterMs);
    force.unref();
    // The last spans are sent once the servers have stopped, whether they stopped cleanly or not.
    new Promise((resolve) => setTimeout(resolve, delayMs)).then(stop).finally(stopTracing).then(
      () => {
        log.info({ ms: Math.round(performance.now() - started) }, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
