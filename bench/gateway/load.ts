import { fileURLToPath } from 'node:url';
import { CURRENT_RUNTIME, spawnChild, type ChildRuntime } from './ipc.js';

const ENTRY = fileURLToPath(new URL('./loadChild.ts', import.meta.url));

export interface LoadRequest {
  url: string;
  /** The JSON bodies to send: each request takes one at random (one at a time: in turn). */
  bodies: string[];
  headers: Record<string, string>;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Answers with GraphQL `errors`. */
  mismatches: number;
}

export interface SerialResult {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

export interface Loader {
  /** autocannon, or the built-in loop when bench/gateway's peers are not installed. */
  generator: 'autocannon' | 'builtin';
  load(request: LoadRequest): Promise<LoadResult>;
  /** One request at a time for `seconds` (at least three). */
  serial(request: LoadRequest): Promise<SerialResult>;
  /** Every body once, `connections` at a time, unmeasured (`seconds` only bounds the wait). */
  prime(request: LoadRequest): Promise<SerialResult>;
  stop(): Promise<void>;
}

/** The load generator's process (`loadChild.ts`): autocannon, installed under bench/gateway (a plain loop without it). */
export async function startLoader({ verbose = false, runtime = CURRENT_RUNTIME }: { verbose?: boolean; runtime?: ChildRuntime } = {}): Promise<Loader> {
  const child = spawnChild(ENTRY, { verbose, runtime });
  const ready = await child.next<{ type: 'ready'; generator: Loader['generator'] }>('ready', 60_000);
  const ask = async <T>(type: 'load' | 'serial' | 'prime', request: LoadRequest): Promise<T> => {
    const answer = child.next<{ type: 'loaded'; result: T }>('loaded', (request.seconds + 120) * 1000);
    child.send({ type, request } as never);
    return (await answer).result;
  };
  return {
    generator: ready.generator,
    load: (request) => ask<LoadResult>('load', request),
    serial: (request) => ask<SerialResult>('serial', request),
    prime: (request) => ask<SerialResult>('prime', request),
    stop: () => child.stop(),
  };
}
