import { startCatalogue, type RunningCatalogue } from '../../../legacy/catalogue/server.js';
import type { Estate } from '../../../legacy/generator/model.js';
import { startStandIns, type StandIns } from '../evaluation/standIns.js';

/** The four systems the crosswalk's syncs read, on free ports, and the environment that points a command at them. */
export interface SyncStandIns {
  identity: StandIns;
  catalogue: RunningCatalogue;
  /** LEGACY_*_URL and LEGACY_POS_SCHEMA_PREFIX, as `loadConfig` reads them. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts the e-commerce, loyalty, POS and catalogue stand-ins over one estate. */
export async function startSyncStandIns(estate: Estate): Promise<SyncStandIns> {
  const [identity, catalogue] = await Promise.all([startStandIns(estate), startCatalogue({ data: estate.catalogue })]);
  return {
    identity,
    catalogue,
    env: {
      LEGACY_ECOMMERCE_URL: identity.sources.ecommerceUrl,
      LEGACY_LOYALTY_URL: identity.sources.loyaltyUrl,
      LEGACY_POS_URL: identity.sources.posUrl,
      LEGACY_POS_SCHEMA_PREFIX: identity.sources.posSchemaPrefix,
      LEGACY_CATALOGUE_URL: catalogue.url,
    },
    async stop() {
      await Promise.all([identity.stop(), catalogue.stop()]);
    },
  };
}
