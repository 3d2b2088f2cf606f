import { fileURLToPath } from 'node:url';
import type { TrustedIssuer } from '../../gateway/config.js';
import { CURRENT_RUNTIME, rssOf, spawnChild, type Child, type ChildRuntime, type MemoryFigure } from './ipc.js';
import type { PauseFigure } from './pauses.js';

const ENTRY = fileURLToPath(new URL('./targetChild.ts', import.meta.url));

export type TargetKind = 'floor' | 'apollo' | 'hive' | 'crosscanal';

/** What a target process needs; given as JSON in its environment (`BENCH_TARGET`). */
export interface TargetConfig {
  kind: TargetKind;
  /** Its name in the report and the JSON (`crosscanal`, `crosscanal-warm`…). */
  name: string;
  /** How a person reads it (`Crosscanal (warm caches)`). */
  label: string;
  /** The warm variant: the subgraphs' caches on while it is loaded (they are shared: switched per cell). */
  warm: boolean;
  workers: number;
  supergraphPath: string;
  /** Filled in when the subgraphs listen: the process is started before, to load its modules meanwhile. */
  subgraphUrls: Record<string, string>;
  /** The pre-signed principal header the floor, stock Apollo and Hive send to every subgraph. */
  grant: string;
  /** The Crosscanal gateway only: the shared secret, the issuer it trusts (by its public keys, as in production), its environment. */
  internalSecret: string;
  issuer: TrustedIssuer;
  crosscanalEnv: Record<string, string>;
  /** Node's `--cpu-prof` into this folder (written when the target stops). */
  cpuProfileDir?: string;
}

/** The Crosscanal gateway with its response cache and the subgraphs' caches on, warmed before each measure. */
export const WARM = 'crosscanal-warm';

/** Each target's name for a person. */
export const TARGET_LABELS: Readonly<Record<TargetKind, string>> = { floor: 'floor', apollo: 'stock @apollo/gateway', hive: 'Hive Gateway', crosscanal: 'Crosscanal' };

/** What each target is, for the report. */
export const TARGET_DESCRIPTIONS: Readonly<Record<TargetKind, string>> = {
  floor: 'the floor: the same subgraph fetches (planned once by Apollo\'s planner) sent and merged by a bare Node HTTP process; no validation, auth or plugins',
  apollo: 'stock `@apollo/gateway` on `@apollo/server` standalone, defaults, a `RemoteGraphQLDataSource` adding the pre-signed principal',
  hive: 'Hive Gateway runtime (`@graphql-hive/gateway-runtime` + `@graphql-mesh/transport-http`) on Node http, defaults, the principal as a static transport header',
  crosscanal: "Crosscanal's gateway (`startGateway` with `gatewayConfigFromEnv`), a bearer token signed by the run's issuer, which it trusts by its public keys (`GATEWAY_JWKS`)",
};

/**
 * The supergraph with each subgraph's routing URL replaced, so that gateways which read the
 * URLs from the supergraph reach the subgraphs this run started.
 */
export function routedSupergraph(sdl: string, urls: Record<string, string>): string {
  return sdl.replace(/@join__graph\(name: "([^"]+)", url: "[^"]*"\)/g, (whole, name: string) => (urls[name] ? `@join__graph(name: "${name}", url: "${urls[name]}")` : whole));
}

export interface RunningTarget {
  config: TargetConfig;
  url: string;
  /** The target's processes: the primary and, with workers, each worker. */
  pids: number[];
  /** Resident memory of all its processes, in bytes. */
  rss(): Promise<number>;
  /** Its memory before and after a full collection in each of its processes. */
  memory(): Promise<MemoryFigure>;
  /** A heap snapshot of each of its processes, written in `dir`; the files. */
  heapSnapshot(dir: string, label: string): Promise<string[]>;
  /** Its pauses since the last reset (the worst of its workers); `reset` starts again. */
  pauses(reset: boolean): Promise<PauseFigure>;
  stop(): Promise<void>;
}

/**
 * Starts a target's process at once, so that it loads its modules while the subgraphs start;
 * it serves once `subgraphUrls` resolves.
 */
export async function startTarget(
  config: Omit<TargetConfig, 'subgraphUrls'>,
  subgraphUrls: Promise<Record<string, string>>,
  { verbose = false, runtime = CURRENT_RUNTIME }: { verbose?: boolean; runtime?: ChildRuntime } = {},
): Promise<RunningTarget> {
  // --expose-gc: the soak reads what each process retains after a full collection.
  const execArgv = ['--expose-gc', ...(config.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${config.cpuProfileDir}`] : [])];
  const child: Child = spawnChild(ENTRY, { env: { BENCH_TARGET: JSON.stringify({ ...config, subgraphUrls: {} }) }, execArgv, verbose, runtime });
  try {
    const prepared = child.next('prepared', 180_000);
    // Awaited below; until then a failure must not count as unhandled.
    prepared.catch(() => undefined);
    const urls = await subgraphUrls;
    await prepared;
    const full: TargetConfig = { ...config, subgraphUrls: urls };
    child.send({ type: 'configure', subgraphUrls: urls });
    const ready = await child.next<{ type: 'ready'; url: string; pids: number[] }>('ready', 180_000);
    return {
      config: full,
      url: ready.url,
      pids: ready.pids,
      rss: async () => (await Promise.all(ready.pids.map(rssOf))).reduce((a, b) => a + b, 0),
      memory: async () => {
        const answer = child.next<{ type: 'memory'; figure: MemoryFigure }>('memory', 120_000);
        child.send({ type: 'memory' });
        return (await answer).figure;
      },
      pauses: async (reset) => {
        const answer = child.next<{ type: 'pauses'; figure: PauseFigure }>('pauses', 10_000);
        child.send({ type: 'pauses', reset });
        return (await answer).figure;
      },
      heapSnapshot: async (dir, label) => {
        const answer = child.next<{ type: 'heap-snapshot'; files: string[] }>('heap-snapshot', 600_000);
        child.send({ type: 'heap-snapshot', dir, label });
        return (await answer).files;
      },
      stop: () => child.stop(),
    };
  } catch (error) {
    await child.stop(1000);
    throw error;
  }
}
