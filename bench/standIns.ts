import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CallCounts } from '../legacy/shared/counters.js';

const CHILD = fileURLToPath(new URL('./standInsChild.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the crosswalk reads the stand-ins, and what starting them cost. */
export interface StandInsReady {
  type: 'ready';
  sources: { ecommerceUrl: string; loyaltyUrl: string; posUrl: string; posSchemaPrefix: string };
  posBackend: 'pglite' | 'postgresql';
  /** Reading the estate's JSON Lines files (e-commerce, loyalty, POS). */
  readFilesMs: number;
  /** The POS loader alone: schemas, bulk inserts, indexes, ANALYZE, in one transaction. */
  posLoadMs: number;
  posRows: number;
  /** From the first file read to every stand-in listening. */
  startMs: number;
  /** The stand-ins' process, in bytes. */
  peakRss: number;
  /** CPU time the process had used (user + system) when it was ready, or asked to stop. */
  cpuMs: number;
}

export interface StandInsStopped {
  type: 'stopped';
  /** What each stand-in served during the run. */
  calls: { ecommerce: CallCounts; loyalty: CallCounts; pos: CallCounts };
  peakRss: number;
  cpuMs: number;
  /** The POS schemas were dropped from the real PostgreSQL. */
  dropped: boolean;
}

export interface StandInsFailed {
  type: 'failed';
  message: string;
}

export type StandInsMessage = StandInsReady | StandInsStopped | StandInsFailed;

export interface StandInsProcessOptions {
  /** The generated estate's folder. */
  dataDir: string;
  /** A real PostgreSQL for the POS; default PGlite in memory. */
  posDatabaseUrl?: string;
  /** Prefix of the POS schemas on that PostgreSQL; they are dropped when the process stops. */
  posSchemaPrefix?: string;
}

export interface StandInsProcess {
  ready: StandInsReady;
  /** Stops the stand-ins (dropping the POS schemas on PostgreSQL) and waits for the process to end. */
  stop(): Promise<StandInsStopped>;
}

/**
 * Starts the e-commerce, loyalty and POS stand-ins over the estate in `dataDir` in a process
 * of their own, so that the memory the benchmark reports is the crosswalk's alone, and the
 * systems answer from their own event loop as real ones would.
 */
export async function startStandInsProcess(options: StandInsProcessOptions): Promise<StandInsProcess> {
  const args = ['--data', options.dataDir];
  if (options.posDatabaseUrl) args.push('--database-url', options.posDatabaseUrl);
  if (options.posSchemaPrefix) args.push('--schema-prefix', options.posSchemaPrefix);
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await nextMessage(child, exited, 'ready');
  let stopping: Promise<StandInsStopped> | undefined;
  return {
    ready,
    stop: () => {
      stopping ??= (async () => {
        const stopped = nextMessage(child, exited, 'stopped');
        child.send({ type: 'stop' });
        const result = await stopped;
        await exited;
        return result;
      })();
      return stopping;
    },
  };
}

function nextMessage<K extends 'ready' | 'stopped'>(child: ChildProcess, exited: Promise<number | null>, kind: K): Promise<Extract<StandInsMessage, { type: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: StandInsMessage) => {
      if (message.type === kind) {
        child.off('message', onMessage);
        resolve(message as Extract<StandInsMessage, { type: K }>);
      } else if (message.type === 'failed') {
        child.off('message', onMessage);
        reject(new Error(`stand-ins: ${message.message}`));
      }
    };
    child.on('message', onMessage);
    void exited.then((code) => {
      child.off('message', onMessage);
      reject(new Error(`stand-ins: the process exited with ${String(code)} before it was ${kind}`));
    });
  });
}
