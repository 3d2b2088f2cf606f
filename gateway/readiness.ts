import type { Readiness } from '../subgraphs/shared/operations.js';

/** What the gateway's `/readyz` says of one subgraph. */
export interface SubgraphProbe {
  status: 'up' | 'down';
  /** Why it is down: `timeout`, a connection error's code, or the HTTP status of its `/healthz`. */
  reason?: string;
  ms: number;
}

export interface GatewayReadinessOptions {
  /** Whether the supergraph is loaded (the gateway plans from it). */
  loaded: () => boolean;
  /** Each subgraph's URL as the gateway routes to it; known once the supergraph is loaded. */
  subgraphs: () => ReadonlyMap<string, string>;
  /** A subgraph whose `/healthz` does not answer within this is down. Default 1 s. */
  timeoutMs?: number;
  /** Probes are made again at most this often, whoever asks: a probe storm costs one round. Default 2 s. */
  cacheMs?: number;
}

async function probe(url: string, timeoutMs: number): Promise<SubgraphProbe> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok ? { status: 'up', ms: ms() } : { status: 'down', reason: `HTTP ${response.status}`, ms: ms() };
  } catch (error) {
    const name = (error as Error).name;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    // The reason names the failure (a code: ECONNREFUSED), never the address.
    const reason = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : (cause?.code ?? cause?.message?.slice(0, 80) ?? 'unreachable');
    return { status: 'down', reason, ms: ms() };
  }
}

/**
 * The gateway's readiness: ready when its supergraph is loaded (and, outside these checks,
 * while it is not draining). Each subgraph is reported `up` or `down` from its own
 * `/healthz`, for information only: with a subgraph down the gateway still answers, with
 * that subgraph's fields null and coded errors, and every replica would do the same.
 */
export function gatewayReadiness({ loaded, subgraphs, timeoutMs = 1000, cacheMs = 2000 }: GatewayReadinessOptions): Readiness {
  let last: { at: number; probes: Promise<Record<string, SubgraphProbe>> } | undefined;
  const probes = () => {
    if (!last || performance.now() - last.at > cacheMs) {
      const entries = [...subgraphs()].map(async ([name, url]) => [name, await probe(url, timeoutMs)] as const);
      last = { at: performance.now(), probes: Promise.all(entries).then((list) => Object.fromEntries(list.sort(([a], [b]) => a.localeCompare(b)))) };
    }
    return last.probes;
  };
  return async () => {
    const supergraphLoaded = loaded();
    const subgraphStates = await probes();
    return { ready: supergraphLoaded, checks: { supergraph: supergraphLoaded ? 'loaded' : 'not loaded', subgraphs: subgraphStates } };
  };
}
