import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayConfigFromEnv } from '../gateway/config.js';
import { openDevIssuer, type DevIssuer } from '../gateway/devIssuer.js';
import { startGateway, type RunningGateway } from '../gateway/server.js';
import type { ScaleName } from '../legacy/generator/generate.js';
import { oppositionListPath } from '../legacy/generator/files.js';
import { DEFAULT_OPPOSITION_LIST, importOppositionList, oppositionStatus, parseOppositionList } from '../subgraphs/crosscanal/contact/opposition.js';
import { DEFAULT_ESTATE_PORTS, startEstate, type EstatePorts, type RunningEstate } from '../legacy/estate.js';
import { SUPERGRAPH_PATH } from '../schema/subgraphs.js';
import { createCache } from '../subgraphs/shared/cache.js';
import type { BreakerOptions } from '../subgraphs/shared/source.js';
import { startCatalogueSubgraph } from '../subgraphs/catalogue/server.js';
import { startCrosscanalSubgraph, type RunningCrosscanal } from '../subgraphs/crosscanal/server.js';
import type { SyncProgress } from '../subgraphs/crosscanal/identitySync.js';
import { startEcommerceSubgraph } from '../subgraphs/ecommerce/server.js';
import { startLoyaltySubgraph } from '../subgraphs/loyalty/server.js';
import { startPosSubgraph } from '../subgraphs/pos/server.js';

/** Ports of the subgraphs and the gateway; 0 = any free port. */
export interface GraphPorts {
  ecommerce: number;
  loyalty: number;
  pos: number;
  catalogue: number;
  crosscanal: number;
  gateway: number;
}

export const DEFAULT_GRAPH_PORTS: Readonly<GraphPorts> = { ecommerce: 4201, loyalty: 4202, pos: 4203, catalogue: 4204, crosscanal: 4205, gateway: 4000 };

export interface StackOptions {
  /** The generated estate's folder; generated there when empty. */
  dataDir: string;
  scale?: ScaleName;
  /** The generator's "now" when the estate is generated here (default the generator's own date). */
  asOf?: string;
  /** Ports; default the fixed ones `npm start` uses. Tests pass {@link ANY_PORTS}. */
  estatePorts?: Partial<EstatePorts>;
  graphPorts?: Partial<GraphPorts>;
  /** A real PostgreSQL for the POS stand-in and the crosswalk; default PGlite. */
  databaseUrl?: string;
  /** Prefix of the POS schemas and name of the crosswalk schema, so runs can share one database. */
  schemaPrefix?: string;
  /** Keep PGlite in memory (tests) rather than in `dataDir`. */
  inMemory?: boolean;
  /** Share the subgraphs' caches through Redis; default in-process caches. */
  redisUrl?: string;
  onSyncProgress?: (progress: SyncProgress) => void;
  /**
   * The development token issuer's folder, which the gateway trusts; default `dev-issuer` in
   * `dataDir`. `npm start` keeps it in `data/dev-issuer`, where `npm run token` finds it.
   */
  devIssuerDir?: string;
  /** The legacy subgraphs' circuit breakers; default theirs. Fault tests shorten the pauses. */
  breaker?: BreakerOptions;
  /** The secret the gateway and the subgraphs share; default a random one. Tests that sign grants give theirs. */
  internalSecret?: string;
  /** Gateway settings as environment variables (`GATEWAY_*`), over the stack's own. */
  gatewayEnv?: NodeJS.ProcessEnv;
  /** Since when web orders earn loyalty points; default the crosswalk's first run. */
  webPointsFrom?: string;
  /** The crosswalk's incremental sync period (identities, product references, web points); default none: at start only. */
  syncIntervalMs?: number;
}

export const ANY_PORTS = {
  estatePorts: { ecommerce: 0, loyalty: 0, pos: 0, posAdmin: 0, catalogue: 0 },
  graphPorts: { ecommerce: 0, loyalty: 0, pos: 0, catalogue: 0, crosscanal: 0, gateway: 0 },
} as const;

export interface RunningStack {
  estate: RunningEstate;
  crosscanal: RunningCrosscanal;
  gateway: RunningGateway;
  /** Signs development tokens the gateway accepts. */
  tokens: DevIssuer;
  subgraphUrls: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts everything: the four stand-ins over one generated estate, the four legacy
 * subgraphs, the crosswalk (synced from the stand-ins before it listens) and the gateway
 * over the checked-in supergraph. What started is stopped again if a later piece fails.
 */
/**
 * The do-not-call list that comes with the estate (`opposition/bloctel.txt`), imported into the
 * crosswalk as an operator would with `npm run opposition -- import`; an estate without one (an
 * older folder) imports nothing, and the same file is not imported twice.
 */
async function importEstateOppositionList(dataDir: string, crosscanal: RunningCrosscanal): Promise<void> {
  const path = oppositionListPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (text.trim() === '') return;
  const last = await oppositionStatus(crosscanal.store.db);
  if (last?.fileName === path && last.numbers === parseOppositionList(text).numbers.length) return;
  await importOppositionList(crosscanal.store.db, { list: DEFAULT_OPPOSITION_LIST, fileName: path, text, actor: 'crosscanal:start' });
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const graphPorts = { ...DEFAULT_GRAPH_PORTS, ...options.graphPorts };
  const breaker = options.breaker;
  const prefix = options.schemaPrefix ?? '';
  // One secret per stack: the gateway signs each request's principal with it, the subgraphs check it.
  const internalSecret = options.internalSecret ?? randomBytes(32).toString('base64url');
  const devIssuerDir = options.devIssuerDir ?? join(options.dataDir, 'dev-issuer');
  const estate = await startEstate({
    dataDir: options.dataDir,
    scale: options.scale,
    asOf: options.asOf,
    ports: { ...DEFAULT_ESTATE_PORTS, ...options.estatePorts },
    posDatabaseUrl: options.databaseUrl,
    posSchemaPrefix: prefix || undefined,
    posInMemory: options.inMemory,
  });
  /**
   * What to stop, in stages, last started first: the gateway drains while the subgraphs and
   * the stand-ins still answer the requests it has in flight, then the subgraphs drain while
   * the stand-ins answer theirs, then the stand-ins stop. Each stage's pieces stop together.
   */
  const stages: Array<Array<() => Promise<void>>> = [[() => estate.stop()]];
  // After the estate: generating it clears the data folder, where tests keep the issuer's key.
  const tokens = await openDevIssuer(devIssuerDir);
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      let failure: unknown;
      for (const stage of [...stages].reverse()) {
        const results = await Promise.allSettled(stage.map((stop) => stop()));
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        failure ??= failed?.reason;
      }
      if (failure !== undefined) throw failure;
    })();
    return stopping;
  };
  try {
    const [ecommerce, loyalty, pos, catalogue] = await Promise.all([
      startEcommerceSubgraph({ legacyUrl: estate.ecommerce.url, internalSecret, port: graphPorts.ecommerce, cache: createCache('subgraph-ecommerce', { redisUrl: options.redisUrl }), source: { breaker } }),
      startLoyaltySubgraph({ endpoint: estate.loyalty.endpoint, internalSecret, port: graphPorts.loyalty, redisUrl: options.redisUrl, source: { breaker } }),
      startPosSubgraph({ legacyUrl: estate.pos.url, internalSecret, schemaPrefix: prefix || undefined, port: graphPorts.pos, redisUrl: options.redisUrl, breaker }),
      startCatalogueSubgraph({ pimUrl: estate.catalogue.url, internalSecret, port: graphPorts.catalogue, redisUrl: options.redisUrl, breaker }),
    ]);
    const subgraphs = [() => ecommerce.stop(), () => loyalty.stop(), () => pos.stop(), () => catalogue.stop()];
    stages.push(subgraphs);
    const crosscanal = await startCrosscanalSubgraph({
      internalSecret,
      port: graphPorts.crosscanal,
      databaseUrl: options.databaseUrl,
      dataDir: options.databaseUrl || options.inMemory ? undefined : join(options.dataDir, 'crosswalk-pglite'),
      dbSchema: prefix ? `${prefix}crosscanal` : undefined,
      sources: { ecommerceUrl: estate.ecommerce.url, loyaltyUrl: estate.loyalty.endpoint, posUrl: estate.pos.url, posSchemaPrefix: prefix || undefined, catalogueUrl: estate.catalogue.url },
      initialSync: 'incremental',
      onProgress: options.onSyncProgress,
      webPoints: { earningFrom: options.webPointsFrom },
      syncIntervalMs: options.syncIntervalMs,
    });
    // The crosswalk reads the stand-ins, never the other subgraphs: it stops beside them.
    subgraphs.push(() => crosscanal.stop());
    await importEstateOppositionList(options.dataDir, crosscanal);
    const subgraphUrls = { ecommerce: ecommerce.url, loyalty: loyalty.url, pos: pos.url, catalogue: catalogue.url, crosscanal: crosscanal.url };
    const gatewayConfig = gatewayConfigFromEnv({
      GATEWAY_SUBGRAPH_TIMEOUT_MS: '10000',
      GATEWAY_INTROSPECTION: 'on',
      ...options.gatewayEnv,
      GATEWAY_PORT: String(graphPorts.gateway),
      GATEWAY_HOST: '127.0.0.1',
      CROSSCANAL_INTERNAL_SECRET: internalSecret,
      GATEWAY_DEV_ISSUER_DIR: devIssuerDir,
    });
    const gateway = await startGateway({
      ...gatewayConfig,
      supergraphPath: fileURLToPath(new URL(`../${SUPERGRAPH_PATH}`, import.meta.url)),
      subgraphUrls,
    });
    stages.push([() => gateway.stop()]);
    return { estate, crosscanal, gateway, tokens, subgraphUrls, stop: stopAll };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}
