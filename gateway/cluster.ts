import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

export interface GatewayClusterOptions {
  workers: number;
  log: Logger;
  /** Workers that die unasked within a minute before the primary gives up and exits 1. Default three per worker. */
  maxRestartsPerMinute?: number;
}

/**
 * The primary of `GATEWAY_WORKERS` gateway processes sharing one port (node's cluster module:
 * the primary accepts connections and hands them to the workers in turn). A worker that dies
 * unasked is replaced; one dying again and again ends the whole (exit 1), for the process
 * manager to see. SIGTERM or SIGINT is passed to every worker, which drains as a lone gateway
 * does; the primary exits 0 once all have, 1 if any did not stop cleanly.
 */
export function runGatewayCluster({ workers, log, maxRestartsPerMinute = workers * 3 }: GatewayClusterOptions): void {
  let stopping = false;
  let failed = false;
  const deaths: number[] = [];
  const fork = (): Worker => {
    const worker = cluster.fork();
    log.info({ worker: worker.id, pid: worker.process.pid }, 'gateway worker started');
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (code !== 0) failed = true;
      log.info({ worker: worker.id, pid: worker.process.pid, code, signal }, 'gateway worker stopped');
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths.length > 0 && deaths[0]! < now - 60_000) deaths.shift();
    if (deaths.length > maxRestartsPerMinute) {
      log.error({ deaths: deaths.length, code, signal }, 'gateway workers keep dying: stopping');
      stopping = true;
      failed = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(1);
      return;
    }
    log.error({ worker: worker.id, pid: worker.process.pid, code, signal }, 'gateway worker died: starting another');
    fork();
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the gateway workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  for (let i = 0; i < workers; i += 1) fork();
}
