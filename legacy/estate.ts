import { join } from 'node:path';
import { isCurrentFormat, readManifest, readCatalogue, readEcommerce, readLoyalty, readPos, writeEstate } from './generator/files.js';
import { generateEstate, SCALES, type ScaleName } from './generator/generate.js';
import { startCatalogue, type RunningCatalogue } from './catalogue/server.js';
import { ECOMMERCE_FOLDER } from './ecommerce/config.js';
import { startEcommerce, type RunningEcommerce } from './ecommerce/server.js';
import { LOYALTY_FOLDER } from './loyalty/config.js';
import { startLoyalty, type RunningLoyalty } from './loyalty/server.js';
import { PGLITE_FOLDER } from './pos/config.js';
import { estateSeed } from './pos/posFingerprint.js';
import { startPos, type RunningPos } from './pos/server.js';

/** Ports of the four stand-ins; 0 = any free port (tests). */
export interface EstatePorts {
  ecommerce: number;
  loyalty: number;
  pos: number;
  posAdmin: number;
  catalogue: number;
}

/** The fixed ports `npm start` uses, chosen clear of the usual database and broker ports. */
export const DEFAULT_ESTATE_PORTS: Readonly<EstatePorts> = { ecommerce: 4101, loyalty: 4102, pos: 4103, posAdmin: 4113, catalogue: 4104 };

export interface EstateOptions {
  /**
   * Folder of a generated estate (`npm run generate`); generated there first when empty, and
   * regenerated when an older generator wrote it (see `ensureEstateData`). The
   * stand-ins keep what they acknowledge in it, so that a new start on the same folder finds
   * every write: `ecommerce/writes.jsonl` and `loyalty/writes.jsonl` (journals replayed at
   * start) and `pos-pglite/` (the POS database, unless `posDatabaseUrl` or `posInMemory`).
   */
  dataDir: string;
  /** Scale generated when `dataDir` holds no estate yet (default demo), or one of an older format (default its own). */
  scale?: ScaleName;
  /** Date the generated history ends at; default the generator's own. */
  asOf?: string;
  ports?: Partial<EstatePorts>;
  host?: string;
  /** A real PostgreSQL for the POS databases; default PGlite persisted in `<dataDir>/pos-pglite`. */
  posDatabaseUrl?: string;
  /** Prefix of the POS schemas (lets several estates share one PostgreSQL). */
  posSchemaPrefix?: string;
  /**
   * Keep the POS PGlite in memory instead of `<dataDir>/pos-pglite` (tests): rows written to
   * the POS are then lost at stop. The other stand-ins' journals are kept in `dataDir` still.
   */
  posInMemory?: boolean;
}

export interface RunningEstate {
  ecommerce: RunningEcommerce;
  loyalty: RunningLoyalty;
  pos: RunningPos;
  catalogue: RunningCatalogue;
  /** True when this start generated the data. */
  generated: boolean;
  /** One line per stand-in: what it is and where to reach it. */
  addresses(): string[];
  stop(): Promise<void>;
}

/**
 * Generates the estate into `dataDir` unless one of the current format is already there;
 * returns whether it did. A folder an older generator wrote (manifest `format` below
 * `MANIFEST_FORMAT`) is regenerated with its own seed, and its scale and date unless others are
 * given; the whole folder is replaced, the stand-ins' journals and PGlite database included,
 * since they hold writes over the old records.
 */
export async function ensureEstateData(dataDir: string, scale?: ScaleName, asOf?: string): Promise<boolean> {
  const existing = await readManifest(dataDir);
  if (existing && isCurrentFormat(existing)) return false;
  const previous = existing && {
    seed: existing.seed,
    scale: existing.scale in SCALES ? (existing.scale as ScaleName) : undefined,
    asOf: existing.asOf,
  };
  await writeEstate(dataDir, generateEstate({ seed: previous?.seed, scale: scale ?? previous?.scale ?? 'demo', asOf: asOf ?? previous?.asOf }));
  return true;
}

/**
 * Starts the four legacy stand-ins over one generated estate, each replaying or finding in
 * `dataDir` the writes it acknowledged in earlier runs.
 */
export async function startEstate(options: EstateOptions): Promise<RunningEstate> {
  const ports = { ...DEFAULT_ESTATE_PORTS, ...options.ports };
  const host = options.host ?? '127.0.0.1';
  const generated = await ensureEstateData(options.dataDir, options.scale, options.asOf);
  const started: Array<{ stop(): Promise<void> }> = [];
  const stopAll = async () => {
    const results = await Promise.allSettled(started.reverse().map((s) => s.stop()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  try {
    const [ecommerceData, loyaltyData, catalogueData, posData, manifest] = await Promise.all([
      readEcommerce(options.dataDir),
      readLoyalty(options.dataDir),
      readCatalogue(options.dataDir),
      readPos(options.dataDir),
      readManifest(options.dataDir),
    ]);
    const ecommerce = await startEcommerce({
      data: ecommerceData,
      port: ports.ecommerce,
      host,
      journalDir: join(options.dataDir, ECOMMERCE_FOLDER),
    });
    started.push(ecommerce);
    const loyalty = await startLoyalty({
      data: loyaltyData,
      port: ports.loyalty,
      host,
      journalDir: join(options.dataDir, LOYALTY_FOLDER),
    });
    started.push(loyalty);
    const catalogue = await startCatalogue({ data: catalogueData, port: ports.catalogue, host });
    started.push(catalogue);
    const pos = await startPos({
      data: posData,
      port: ports.pos,
      adminPort: ports.posAdmin,
      host,
      databaseUrl: options.posDatabaseUrl,
      schemaPrefix: options.posSchemaPrefix,
      // The seed `legacy/pos/index.ts` loads with: either start keeps what the other wrote.
      seed: estateSeed(manifest),
      dataDir: options.posDatabaseUrl || options.posInMemory ? undefined : join(options.dataDir, PGLITE_FOLDER),
    });
    started.push(pos);
    return {
      ecommerce,
      loyalty,
      pos,
      catalogue,
      generated,
      addresses: () => [
        `e-commerce REST   ${ecommerce.url}/api/v1   (admin ${ecommerce.url}/__admin/calls)`,
        `loyalty SOAP      ${loyalty.endpoint}   (WSDL ${loyalty.wsdlUrl})`,
        `franchise POS SQL ${pos.url}   (admin ${pos.adminUrl}/__admin/calls)`,
        `catalogue PIM     ${catalogue.url}/pim/v2   (admin ${catalogue.url}/__admin/calls)`,
      ],
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}
