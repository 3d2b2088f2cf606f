import { createSubgraphServer, listenSubgraph, readSdl, type SubgraphModule } from '../shared/subgraphServer.js';
import { createContext, type Context } from './context.js';
import { createReaders, type SourcesOptions } from './dataSources.js';
import { createIdentitySync, type IdentitySync, type SyncProgress, type SyncSummary } from './identitySync.js';
import { createProductReaders } from './products/readers.js';
import { createProductReferenceSync, type MissRetention, type ProductReferenceSync, type ReferenceSyncSummary } from './products/referenceSync.js';
import { EcommerceClient } from '../ecommerce/client.js';
import { LoyaltyClient } from '../loyalty/client.js';
import { LegacySource } from '../shared/source.js';
import { createWebPoints, type WebPoints, type WebPointsSummary } from './earning/webPoints.js';
import { resumeConversions, type QuoteJourneySystems } from './journeys/quoteOnline.js';
import { resumeReturns } from './journeys/returnAnywhere.js';
import { PosWriter } from '../pos/writes/posWriter.js';
import { createServedInStore, type ServedInStoreSummary } from './journeys/servedInStore.js';
import { syncRunner, type SyncRunner } from './syncRunner.js';
import { openEstateReads, type EstateReadOptions } from './orders/estate.js';
import { crosswalkReadiness } from './readiness.js';
import { coherenceFromSources } from './pricing/sources.js';
import { resolvers } from './resolvers.js';
import { openContactService, type ContactService } from './contact/service.js';
import { createErasures, type ErasureSystems, type Erasures } from './privacy/erasure.js';
import { CrosswalkStore } from './store/crosswalkStore.js';

export const subgraph: SubgraphModule<Context> = {
  name: 'crosscanal',
  typeDefs: readSdl(new URL('./schema.graphql', import.meta.url)),
  resolvers,
};

export interface CrosscanalOptions {
  /** The secret shared with the gateway, which signs each request's principal with it (CROSSCANAL_INTERNAL_SECRET). */
  internalSecret: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** A store already open (tests share one); it is left open on stop. Otherwise one is opened from the options below. */
  store?: CrosswalkStore;
  /** A real PostgreSQL; takes precedence over `dataDir`. */
  databaseUrl?: string;
  /** PGlite's folder; with neither this nor `databaseUrl`, PGlite in memory. */
  dataDir?: string;
  /** The PostgreSQL schema of the crosswalk. Default `crosscanal`. */
  dbSchema?: string;
  /** The systems the sync reads; a system left out is not read. */
  sources?: SourcesOptions;
  /**
   * How the order views read the web shop and the tills at request time. Default: the
   * `sources` URLs, 3 s per call, an in-process cache (Redis at `redisUrl` when given).
   */
  estate?: Omit<EstateReadOptions, 'ecommerceUrl' | 'posUrl' | 'posSchemaPrefix' | 'catalogueUrl' | 'loyaltyUrl'>;
  /**
   * Web orders earn loyalty points when both the web shop and the programme are among the
   * sources: read and credited after the initial sync and with each scheduled one.
   * `earningFrom`: orders placed before never earn (default: the crosswalk's first run).
   */
  webPoints?: { earningFrom?: string };
  /** Online sales credited to the store that served the customer within `windowDays` before (default 14), counted from `from` (default the first run). */
  attribution?: { windowDays?: number; from?: string };
  /** Sync before listening: `incremental` (the default; a full read on an empty store), `full` or `none`. */
  initialSync?: 'none' | 'incremental' | 'full';
  /** Incremental sync period in milliseconds; 0 or undefined: on demand only. */
  syncIntervalMs?: number;
  /** What the product sync keeps of the references asked for that named nothing. */
  misses?: MissRetention;
  /**
   * Contact choices' copies: sent again every `intervalMs` (default the sync period) while a
   * system has not acknowledged them, the first retry after `retryBaseMs` (default 2 s, doubling).
   */
  contact?: { intervalMs?: number; retryBaseMs?: number };
  /** Called with each scheduled sync's summary or failure. */
  onSync?: (result: SyncSummary | Error) => void;
  /** Called with each web points run's summary or failure. */
  onWebPoints?: (result: WebPointsSummary | Error) => void;
  onProgress?: (progress: SyncProgress) => void;
  /** Show unexpected errors. Default: NODE_ENV === 'development'. */
  development?: boolean;
}

export interface RunningCrosscanal {
  url: string;
  store: CrosswalkStore;
  sync: IdentitySync;
  /** The initial sync's summary; null when none ran. */
  initial: SyncSummary | null;
  /** The product reference index's sync, run beside the identity sync (same initial mode and period). */
  productSync: ProductReferenceSync;
  initialProducts: ReferenceSyncSummary | null;
  /** The loyalty credit of web orders; null unless the web shop and the programme are both sources. */
  webPoints: WebPoints | null;
  /** What the cross-system writes write to (the web shop's orders, the tills' quotes and returns). */
  journeys: QuoteJourneySystems;
  /** Online sales credited by rule to the store that served the customer; null without the web shop and the tills. */
  servedInStore: SyncRunner<ServedInStoreSummary> | null;
  /** Contact choices and their copies to the systems; null when neither the programme nor the web shop is a source. */
  contact: ContactService | null;
  /** Erasure requests and their receipts; null when no system that holds customers is a source. */
  erasures: Erasures | null;
  /** Stops the schedule, drains requests, closes the readers and, if it opened it, the store. */
  stop(): Promise<void>;
}

/** Opens the crosswalk, syncs it if asked, and serves the subgraph. */
export async function startCrosscanalSubgraph(options: CrosscanalOptions): Promise<RunningCrosscanal> {
  const owned = options.store === undefined;
  const store = options.store ?? (await CrosswalkStore.open({ databaseUrl: options.databaseUrl, dataDir: options.dataDir, schema: options.dbSchema }));
  const readers = createReaders(options.sources ?? {});
  const sync = createIdentitySync({ store, readers, onProgress: options.onProgress });
  const productReaders = createProductReaders(options.sources ?? {});
  const productSync = createProductReferenceSync({ store, readers: productReaders, misses: options.misses });
  const estate = openEstateReads({
    ...options.estate,
    ecommerceUrl: options.sources?.ecommerceUrl,
    posUrl: options.sources?.posUrl,
    posSchemaPrefix: options.sources?.posSchemaPrefix,
    catalogueUrl: options.sources?.catalogueUrl,
    loyaltyUrl: options.sources?.loyaltyUrl,
  });
  const sourceOptions = { timeoutMs: 10_000, retries: 2 };
  const webPoints: WebPoints | null =
    options.sources?.ecommerceUrl && options.sources.loyaltyUrl
      ? createWebPoints({
          store,
          ecommerce: new EcommerceClient(options.sources.ecommerceUrl, new LegacySource('ecommerce', sourceOptions)),
          loyalty: new LoyaltyClient(options.sources.loyaltyUrl, new LegacySource('loyalty', sourceOptions)),
          earningFrom: options.webPoints?.earningFrom,
        })
      : null;
  const posWriter =
    options.sources?.posUrl && estate.posSource
      ? new PosWriter({ url: options.sources.posUrl, schemaPrefix: options.sources.posSchemaPrefix, source: estate.posSource })
      : null;
  const journeys: QuoteJourneySystems = {
    ecommerce: options.sources?.ecommerceUrl ? new EcommerceClient(options.sources.ecommerceUrl, new LegacySource('ecommerce', { timeoutMs: 5_000, retries: 2 })) : null,
    marker: posWriter,
    returns: posWriter,
  };
  const servedInStore =
    options.sources?.ecommerceUrl && options.sources.posUrl
      ? createServedInStore({
          store,
          ecommerce: new EcommerceClient(options.sources.ecommerceUrl, new LegacySource('ecommerce', sourceOptions)),
          pos: () => estate.loaders().pos,
          windowDays: options.attribution?.windowDays,
          from: options.attribution?.from,
        })
      : null;
  const coherence = coherenceFromSources(options.sources ?? {});
  const writeSource = (name: 'ecommerce' | 'loyalty') => new LegacySource(name, { timeoutMs: 10_000, retries: 2 });
  const erasureSystems: ErasureSystems = {
    ecommerce: options.sources?.ecommerceUrl ? new EcommerceClient(options.sources.ecommerceUrl, writeSource('ecommerce')) : null,
    loyalty: options.sources?.loyaltyUrl ? new LoyaltyClient(options.sources.loyaltyUrl, writeSource('loyalty')) : null,
    pos: posWriter
      ? { eraseCustomer: (tills) => posWriter.eraseCustomer({ cardNumbers: tills.cardNumbers, phones: tills.phones, clientIds: tills.clients }) }
      : null,
  };
  const erasures = erasureSystems.ecommerce || erasureSystems.loyalty || erasureSystems.pos ? createErasures({ store, systems: erasureSystems, retryBaseMs: options.contact?.retryBaseMs }) : null;
  const contact =
    options.sources?.loyaltyUrl || options.sources?.ecommerceUrl
      ? openContactService({ store, loyaltyUrl: options.sources.loyaltyUrl, ecommerceUrl: options.sources.ecommerceUrl, retryBaseMs: options.contact?.retryBaseMs })
      : null;
  // Writes left pending by a system that was down are taken on with each scheduled sync.
  const pendingWrites = syncRunner(async () => ({ quotes: await resumeConversions(store, journeys), returns: await resumeReturns(store, journeys.returns) }));
  const closeAll = async () => {
    await Promise.all([sync.stop(), productSync.stop(), webPoints?.stop(), pendingWrites.stop(), servedInStore?.stop(), contact?.close(), erasures?.stop()]);
    await Promise.allSettled([...readers, ...productReaders, estate, ...(posWriter ? [posWriter] : []), ...(coherence ? [coherence] : [])].map((reader) => reader.close()));
    if (owned) await store.close();
  };
  try {
    const mode = options.initialSync ?? 'incremental';
    const [initial, initialProducts] =
      mode === 'none' ? [null, null] : await Promise.all(mode === 'full' ? [sync.full(), productSync.full()] : [sync.incremental(), productSync.incremental()]);
    // Credits need the customers linked: after the identity sync. A failure here is retried by the schedule, not fatal.
    if (mode !== 'none' && webPoints) await webPoints.incremental().catch((error: Error) => options.onWebPoints?.(error));
    if (mode !== 'none' && servedInStore) await servedInStore.incremental().catch(() => undefined);
    const server = createSubgraphServer(subgraph, { development: options.development });
    const listening = await listenSubgraph(server, {
      port: options.port ?? 0,
      host: options.host,
      internalSecret: options.internalSecret,
      context: async (identity) => createContext(store, identity, { estate, webPoints: webPoints ?? undefined, journeys, coherence: coherence ?? undefined, contact: contact ?? undefined, erasures: erasures ?? undefined }),
      readiness: crosswalkReadiness(store),
    });
    if (options.syncIntervalMs) sync.schedule(options.syncIntervalMs, options.onSync);
    if (options.syncIntervalMs) productSync.schedule(options.syncIntervalMs, (result) => result instanceof Error && options.onSync?.(result));
    if (options.syncIntervalMs) webPoints?.schedule(options.syncIntervalMs, options.onWebPoints);
    if (options.syncIntervalMs) pendingWrites.schedule(options.syncIntervalMs);
    if (options.syncIntervalMs) servedInStore?.schedule(options.syncIntervalMs);
    // Contact copies left pending (a system down, a restart mid-way) are sent again from the start.
    const contactInterval = options.contact?.intervalMs ?? options.syncIntervalMs;
    if (contact) void contact.copies.incremental().catch(() => undefined);
    if (contact && contactInterval) contact.copies.schedule(contactInterval);
    // Erasures left pending are taken on the same way.
    if (erasures) void erasures.incremental().catch(() => undefined);
    if (erasures && contactInterval) erasures.schedule(contactInterval);
    let stopping: Promise<void> | undefined;
    return {
      url: listening.url,
      store,
      sync,
      initial,
      productSync,
      initialProducts,
      webPoints,
      journeys,
      servedInStore,
      contact,
      erasures,
      stop: () => {
        // The listener drains while a running sync finishes: neither waits for the other.
        stopping ??= (async () => {
          await Promise.all([sync.stop(), productSync.stop(), webPoints?.stop(), pendingWrites.stop(), servedInStore?.stop(), contact?.close(), erasures?.stop(), listening.stop()]);
          await closeAll();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
