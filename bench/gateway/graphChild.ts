import { join } from 'node:path';
import type Keyv from 'keyv';
import { startEstate, type RunningEstate } from '../../legacy/estate.js';
import { startCatalogueSubgraph } from '../../subgraphs/catalogue/server.js';
import { startCrosscanalSubgraph } from '../../subgraphs/crosscanal/server.js';
import { startEcommerceSubgraph } from '../../subgraphs/ecommerce/server.js';
import { startLoyaltySubgraph } from '../../subgraphs/loyalty/server.js';
import { startPosSubgraph } from '../../subgraphs/pos/server.js';
import { createCache, MemoryCacheStore } from '../../subgraphs/shared/cache.js';
import { messageOnce, sendMessage } from './ipc.js';
import { samplePauses } from './pauses.js';
import type { EstateAddresses, GraphChildMessage, GraphChildRequest } from './graphProcess.js';

/**
 * One of the benchmark's two background processes, chosen by the first message: `estate` (the
 * four stand-ins over the generated data) or `subgraphs` (the five subgraphs over those
 * stand-ins). Each reports where it listens over IPC and stops on `stop` or when the
 * benchmark goes away.
 */

/**
 * An in-process store (what the subgraphs use without Redis) that the benchmark can turn off:
 * off, it holds nothing, and every request reaches the legacy systems.
 */
class SwitchableStore extends MemoryCacheStore {
  enabled = true;

  /** Off, nothing is kept, and nothing copied to be kept: a subgraph without a cache pays neither. */
  override get keeping(): boolean {
    return this.enabled;
  }

  override get(key: string): unknown {
    return this.enabled ? super.get(key) : undefined;
  }

  override set(key: string, value: unknown): this {
    if (this.enabled) super.set(key, value);
    return this;
  }
}

const stores: SwitchableStore[] = [];

function switchableCache(namespace: string, enabled: boolean): Keyv {
  const store = new SwitchableStore();
  store.enabled = enabled;
  stores.push(store);
  return createCache(namespace, { store, onError: () => undefined });
}

/** Turns every legacy subgraph's cache on or off; off empties it, so that on again starts cold. */
function setCaches(enabled: boolean): void {
  for (const store of stores) {
    store.enabled = enabled;
    if (!enabled) store.clear();
  }
}

async function startEstateRole(request: Extract<GraphChildRequest, { role: 'estate' }>): Promise<{ addresses: EstateAddresses; stop(): Promise<void> }> {
  const estate: RunningEstate = await startEstate({
    dataDir: request.dataDir,
    ports: { ecommerce: 0, loyalty: 0, pos: 0, posAdmin: 0, catalogue: 0 },
    posDatabaseUrl: request.databaseUrl,
    posSchemaPrefix: request.schemaPrefix,
  });
  return {
    addresses: {
      ecommerceUrl: estate.ecommerce.url,
      loyaltyEndpoint: estate.loyalty.endpoint,
      posUrl: estate.pos.url,
      catalogueUrl: estate.catalogue.url,
      admin: { ecommerce: estate.ecommerce.url, loyalty: estate.loyalty.url, pos: estate.pos.adminUrl, catalogue: estate.catalogue.url },
    },
    stop: () => estate.stop(),
  };
}

async function startSubgraphsRole(request: Extract<GraphChildRequest, { role: 'subgraphs' }>): Promise<{ subgraphUrls: Record<string, string>; stop(): Promise<void> }> {
  const { estate, internalSecret, subgraphCaches } = request;
  const [ecommerce, loyalty, pos, catalogue] = await Promise.all([
    startEcommerceSubgraph({ legacyUrl: estate.ecommerceUrl, internalSecret, port: 0, cache: switchableCache('subgraph-ecommerce', subgraphCaches) }),
    startLoyaltySubgraph({ endpoint: estate.loyaltyEndpoint, internalSecret, port: 0, cache: switchableCache('subgraph-loyalty', subgraphCaches) }),
    startPosSubgraph({ legacyUrl: estate.posUrl, internalSecret, schemaPrefix: request.schemaPrefix, port: 0, cache: switchableCache('subgraph-pos', subgraphCaches), poolSize: request.posPoolSize }),
    startCatalogueSubgraph({ pimUrl: estate.catalogueUrl, internalSecret, port: 0, cache: switchableCache('subgraph-catalogue', subgraphCaches) }),
  ]);
  const crosscanal = await startCrosscanalSubgraph({
    internalSecret,
    port: 0,
    databaseUrl: request.databaseUrl,
    dataDir: request.databaseUrl ? undefined : join(request.dataDir, 'crosswalk-pglite'),
    dbSchema: request.schemaPrefix ? `${request.schemaPrefix}crosscanal` : undefined,
    sources: {
      ecommerceUrl: estate.ecommerceUrl,
      loyaltyUrl: estate.loyaltyEndpoint,
      posUrl: estate.posUrl,
      posSchemaPrefix: request.schemaPrefix,
      catalogueUrl: estate.catalogueUrl,
    },
    initialSync: 'incremental',
  });
  const all = [ecommerce, loyalty, pos, catalogue, crosscanal];
  return {
    subgraphUrls: { ecommerce: ecommerce.url, loyalty: loyalty.url, pos: pos.url, catalogue: catalogue.url, crosscanal: crosscanal.url },
    stop: async () => {
      await Promise.allSettled(all.map((s) => s.stop()));
    },
  };
}

/** This process's event-loop delay and collections, read (and reset) by the benchmark around each load. */
const pauses = samplePauses();

async function main(): Promise<void> {
  const request = await messageOnce<GraphChildRequest>((m) => m.type === 'start');
  const started = request.role === 'estate' ? await startEstateRole(request) : await startSubgraphsRole(request);
  const ready: GraphChildMessage =
    request.role === 'estate' ? { type: 'ready', estate: (started as { addresses: EstateAddresses }).addresses } : { type: 'ready', subgraphUrls: (started as { subgraphUrls: Record<string, string> }).subgraphUrls };
  await sendMessage(ready);
  await new Promise<void>((resolve) => {
    process.on('message', (message: { type?: string; enabled?: boolean; reset?: boolean }) => {
      if (message?.type === 'stop') resolve();
      if (message?.type === 'pauses') void sendMessage({ type: 'pauses', figure: pauses.read(message.reset === true) });
      if (message?.type === 'caches') {
        setCaches(message.enabled === true);
        void sendMessage({ type: 'caches-set', enabled: message.enabled === true });
      }
    });
    process.once('disconnect', () => resolve());
  });
  await started.stop();
}

main().then(
  () => process.exit(0),
  async (error: Error) => {
    await sendMessage({ type: 'failed', message: error.stack ?? error.message });
    process.exit(1);
  },
);
