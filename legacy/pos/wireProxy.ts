import { createServer, type AddressInfo, type NetConnectOpts } from 'node:net';
import type { CallCounter } from '../shared/counters.js';
import type { FaultInjector } from '../shared/faults.js';
import { ProxySession } from './proxySession.js';
import { SessionLock } from './sessionLock.js';

export { INJECTED_FAULT_MESSAGE, INJECTED_FAULT_SQLSTATE } from './proxySession.js';

/** PostgreSQL's own default. */
export const DEFAULT_MAX_CONNECTIONS = 100;

export interface WireProxyOptions {
  /** Where the database listens: `{ host, port }`, or `{ path }` for a Unix socket. */
  upstream: NetConnectOpts;
  /** Counts every statement served (a Query, or an extended-protocol cycle up to Sync). */
  counter: CallCounter;
  /** Decides, statement by statement, about injected latency, errors and downtime. */
  faults: FaultInjector;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Client connections at once; one more is refused with SQLSTATE 53300. Default {@link DEFAULT_MAX_CONNECTIONS}. */
  maxConnections?: number;
  /**
   * True in front of a database with a single session shared by every connection (PGlite
   * behind its socket server): connections take turns, a transaction at a time, and their
   * prepared statements are kept apart. False (the default) for a real PostgreSQL.
   */
  sharedBackend?: boolean;
}

export interface RunningWireProxy {
  host: string;
  port: number;
  /** Client connections open now. */
  connections(): number;
  /** Cuts every connection and stops listening. */
  stop(): Promise<void>;
}

/**
 * A PostgreSQL wire-protocol proxy in front of the POS database: it counts statements,
 * injects faults and, in front of PGlite, serialises connections onto its one session.
 * While `down`, it drops new connections, and open ones at their next statement, without
 * an answer.
 */
export async function startWireProxy(options: WireProxyOptions): Promise<RunningWireProxy> {
  const { counter, faults, upstream } = options;
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw new Error(`maxConnections must be a positive integer, got ${String(maxConnections)}`);
  }
  const host = options.host ?? '127.0.0.1';
  const lock = options.sharedBackend ? new SessionLock() : undefined;
  const sessions = new Set<ProxySession>();
  let nextId = 1;
  let stopping = false;

  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    if (stopping) {
      socket.destroy();
      return;
    }
    if (faults.config.down) {
      counter.recordFault();
      socket.destroy();
      return;
    }
    const session = new ProxySession(socket, {
      id: nextId++,
      counter,
      faults,
      upstream,
      lock,
      overLimit: sessions.size >= maxConnections,
      stopping: () => stopping,
      onClosed: (closed) => sessions.delete(closed),
    });
    sessions.add(session);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let stopped: Promise<void> | undefined;
  return {
    host,
    port,
    connections: () => sessions.size,
    stop: () => {
      stopped ??= new Promise<void>((resolve, reject) => {
        stopping = true;
        server.close((error) => (error ? reject(error) : resolve()));
        for (const session of sessions) session.destroy();
      });
      return stopped;
    },
  };
}
