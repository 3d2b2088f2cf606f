import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallCounts } from '../../legacy/shared/counters.js';
import { CURRENT_RUNTIME, spawnChild, type Child, type ChildRuntime } from './ipc.js';
import type { PauseFigure } from './pauses.js';

const ENTRY = fileURLToPath(new URL('./graphChild.ts', import.meta.url));

/** Where the stand-ins listen, and their admin endpoints (`/__admin/calls`, `/__admin/faults`). */
export interface EstateAddresses {
  ecommerceUrl: string;
  loyaltyEndpoint: string;
  posUrl: string;
  catalogueUrl: string;
  admin: Record<LegacySystem, string>;
}

export const LEGACY_SYSTEMS = ['ecommerce', 'loyalty', 'pos', 'catalogue'] as const;
export type LegacySystem = (typeof LEGACY_SYSTEMS)[number];

export type GraphChildRequest =
  | { type: 'start'; role: 'estate'; dataDir: string; databaseUrl?: string; schemaPrefix?: string }
  | {
      type: 'start';
      role: 'subgraphs';
      dataDir: string;
      estate: EstateAddresses;
      internalSecret: string;
      /** The legacy subgraphs' cross-request caches at start; off: every request asks the legacy systems. */
      subgraphCaches: boolean;
      /** Connections of the POS subgraph's pool to the tills. */
      posPoolSize?: number;
      databaseUrl?: string;
      schemaPrefix?: string;
    };

export type GraphChildMessage = { type: 'ready'; estate: EstateAddresses } | { type: 'ready'; subgraphUrls: Record<string, string> } | { type: 'failed'; message: string };

/** The stand-ins and the subgraphs, each set in a process of its own. */
export interface RunningGraph {
  estate: EstateAddresses;
  subgraphUrls: Record<string, string>;
  pids: { estate: number; subgraphs: number };
  /** The stand-ins' call counters, per system. */
  calls(): Promise<Record<LegacySystem, CallCounts>>;
  resetCalls(): Promise<void>;
  /** Turns the legacy subgraphs' cross-request caches on or off (off empties them). */
  setSubgraphCaches(enabled: boolean): Promise<void>;
  /** A fixed delay before every legacy answer, in every system (0 = none). */
  setLatency(ms: number): Promise<void>;
  /** The stand-ins' and the subgraphs' pauses since the last reset; `reset` starts again. */
  pauses(reset: boolean): Promise<Record<GraphRole, PauseFigure>>;
  stop(): Promise<void>;
}

/** The graph's two processes: the stand-ins and the subgraphs. */
export const GRAPH_ROLES = ['estate', 'subgraphs'] as const;
export type GraphRole = (typeof GRAPH_ROLES)[number];

export interface GraphOptions {
  /** Profile these of the graph's processes with Node's `--cpu-prof`, into `cpuProfileDir/<role>/`. */
  cpuProfile?: GraphRole[];
  cpuProfileDir?: string;
  dataDir: string;
  internalSecret: string;
  subgraphCaches: boolean;
  /** Connections of the POS subgraph's pool to the tills (its own default when not given). */
  posPoolSize?: number;
  databaseUrl?: string;
  schemaPrefix?: string;
  verbose?: boolean;
  runtime?: ChildRuntime;
}

async function admin(url: string, method: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Starts the stand-ins, then the subgraphs over them (the crosswalk syncs before it listens). */
export async function startGraph(options: GraphOptions): Promise<RunningGraph> {
  const children: Child[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await child.stop();
  };
  try {
    const execArgv = (role: GraphRole) => (options.cpuProfileDir && options.cpuProfile?.includes(role) ? ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProfileDir, role)}`] : []);
    const estateChild = spawnChild(ENTRY, { verbose: options.verbose, execArgv: execArgv('estate'), runtime: options.runtime ?? CURRENT_RUNTIME });
    children.push(estateChild);
    estateChild.send({ type: 'start', role: 'estate', dataDir: options.dataDir, databaseUrl: options.databaseUrl, schemaPrefix: options.schemaPrefix } satisfies GraphChildRequest);
    const { estate } = await estateChild.next<{ type: 'ready'; estate: EstateAddresses }>('ready', 1_800_000);
    const subgraphsChild = spawnChild(ENTRY, { verbose: options.verbose, execArgv: execArgv('subgraphs'), runtime: options.runtime ?? CURRENT_RUNTIME });
    children.push(subgraphsChild);
    subgraphsChild.send({
      type: 'start',
      role: 'subgraphs',
      dataDir: options.dataDir,
      estate,
      internalSecret: options.internalSecret,
      subgraphCaches: options.subgraphCaches,
      posPoolSize: options.posPoolSize,
      databaseUrl: options.databaseUrl,
      schemaPrefix: options.schemaPrefix,
    } satisfies GraphChildRequest);
    const { subgraphUrls } = await subgraphsChild.next<{ type: 'ready'; subgraphUrls: Record<string, string> }>('ready', 1_800_000);
    const adminUrl = (system: LegacySystem, resource: string) => `${estate.admin[system]}/__admin/${resource}`;
    return {
      estate,
      subgraphUrls,
      pids: { estate: estateChild.pid, subgraphs: subgraphsChild.pid },
      async calls() {
        const entries = await Promise.all(LEGACY_SYSTEMS.map(async (system) => [system, (await admin(adminUrl(system, 'calls'), 'GET')) as CallCounts] as const));
        return Object.fromEntries(entries) as Record<LegacySystem, CallCounts>;
      },
      async resetCalls() {
        await Promise.all(LEGACY_SYSTEMS.map((system) => admin(adminUrl(system, 'calls'), 'DELETE')));
      },
      async setSubgraphCaches(enabled) {
        const done = subgraphsChild.next('caches-set', 10_000);
        subgraphsChild.send({ type: 'caches', enabled });
        await done;
      },
      async pauses(reset) {
        const ask = async (child: Child) => {
          const answer = child.next<{ type: 'pauses'; figure: PauseFigure }>('pauses', 10_000);
          child.send({ type: 'pauses', reset });
          return (await answer).figure;
        };
        const [estateFigure, subgraphsFigure] = await Promise.all([ask(estateChild), ask(subgraphsChild)]);
        return { estate: estateFigure, subgraphs: subgraphsFigure };
      },
      async setLatency(ms) {
        await Promise.all(LEGACY_SYSTEMS.map((system) => admin(adminUrl(system, 'faults'), 'PUT', { latencyMs: ms, jitterMs: 0 })));
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
