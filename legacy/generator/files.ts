import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import type { CatalogueData, EcommerceData, Estate, GroundTruth, LoyaltyData, OppositionData, OppositionTruth, PosData, PriceTruth } from './model.js';
import type { Generated, MessStats } from './generate.js';

/**
 * On disk, a generated estate is a folder:
 *
 *   manifest.json                  seed, scale, asOf, counts, mess statistics
 *   ecommerce/<table>.jsonl        one JSON record a line, one file per table
 *   loyalty/…  pos/…  catalogue/…
 *   opposition/bloctel.txt         the national do-not-call list, as Bloctel returns it (text)
 *   ground-truth/persons.jsonl     the truth: which records are the same person / product,
 *   ground-truth/products.jsonl    where the prices disagree (`PriceTruth`, one JSON
 *   ground-truth/prices.json       document) and which numbers the do-not-call list holds;
 *   ground-truth/opposition.json   read by tests and benchmarks only, never by a resolver
 *
 * JSON Lines keeps a bench-scale estate streamable; the manifest is written last, so a
 * folder with a manifest is complete.
 *
 * The manifest's `format` says which generator wrote the folder; {@link MANIFEST_FORMAT} is the
 * one this version writes and reads. A folder of an older format is still described by
 * {@link readManifest} (its seed, scale and date), but its records are refused: `startEstate`
 * regenerates it, `npm run generate` replaces it.
 *
 * 2: prices coherent by default with planted incoherences (`ground-truth/prices.json`), cart
 *    rules with `first_order` and `free_shipping`, FIXED_PRICE campaigns, list prices that may
 *    be null, member offers with `marketing`.
 *
 * Added within format 2, without a bump: `opposition/bloctel.txt` and
 * `ground-truth/opposition.json`. They change no other record, so a folder written before them
 * is still read, as an estate whose list is empty; a bump would have had `startEstate` replace
 * every such folder, and the writes the stand-ins keep in it.
 *
 * Likewise, what customers said (legacy/generator/feedback.ts): `ecommerce/reviews.jsonl`,
 * `ecommerce/serviceContacts.jsonl` and `pos/ratings.jsonl`. A folder written before them reads
 * with none, and the stand-ins serve empty lists.
 */
export const MANIFEST_FORMAT = 2;

export interface Manifest {
  /** {@link MANIFEST_FORMAT} for a folder this version wrote; lower for an older generator's. */
  format: number;
  seed: string;
  scale: string;
  asOf: string;
  generatedAt: string;
  counts: Record<string, Record<string, number>>;
  stats: MessStats;
}

const SYSTEMS = ['ecommerce', 'loyalty', 'pos', 'catalogue'] as const;

export async function writeEstate(dir: string, generated: Generated): Promise<Manifest> {
  const writer = await EstateWriter.open(dir);
  await writer.add(generated);
  return writer.finish();
}

/**
 * Writes an estate made cohort after cohort (legacy/generator/cohorts.ts) into one folder,
 * each cohort's rows appended to the tables as it comes, so that only one cohort is ever in
 * memory. The first cohort's catalogue, stores, prices and price truth are the estate's (the
 * later cohorts leave them empty); the do-not-call list and its truth gather every cohort's.
 * Nothing is visible in `dir` before {@link finish}.
 */
export class EstateWriter {
  /** What the estate keeps of its first cohort (and only that: the rest of it is let go). */
  private first: Pick<Generated, 'seed' | 'scale' | 'asOf'> & { truth: Pick<GroundTruth, 'products' | 'prices'> } | null = null;
  private cohorts = 0;
  private readonly counts: Manifest['counts'] = {};
  private stats: MessStats | null = null;
  private readonly opposition: string[] = [];
  private bloctel = '';

  private constructor(
    private readonly dir: string,
    private readonly staging: string,
  ) {}

  static async open(dir: string): Promise<EstateWriter> {
    const staging = `${dir}.partial`;
    await rm(staging, { recursive: true, force: true });
    return new EstateWriter(dir, staging);
  }

  async add(generated: Generated): Promise<void> {
    const append = this.first !== null;
    for (const system of SYSTEMS) {
      this.counts[system] ??= {};
      for (const [table, rows] of Object.entries(generated.estate[system])) {
        await writeJsonl(join(this.staging, system, `${table}.jsonl`), rows as unknown[], append);
        this.counts[system]![table] = (this.counts[system]![table] ?? 0) + (rows as unknown[]).length;
      }
    }
    await writeJsonl(join(this.staging, 'ground-truth', 'persons.jsonl'), generated.truth.persons, append);
    this.opposition.push(...generated.truth.opposition.phones);
    this.bloctel += append ? generated.estate.opposition.bloctel.replace(/^numero\n/, '') : generated.estate.opposition.bloctel;
    this.stats = this.stats === null ? structuredClone(generated.stats) : addStats(this.stats, generated.stats);
    this.first ??= { seed: generated.seed, scale: generated.scale, asOf: generated.asOf, truth: { products: generated.truth.products, prices: generated.truth.prices } };
    this.cohorts += 1;
  }

  /** Writes the ground truth's documents and the manifest, and moves the folder into place. */
  async finish(): Promise<Manifest> {
    const first = this.first;
    if (first === null) throw new Error(`EstateWriter: nothing was added to ${this.dir}`);
    const staging = this.staging;
    await writeJsonl(join(staging, 'ground-truth', 'products.jsonl'), first.truth.products);
    await writeFile(join(staging, 'ground-truth', 'prices.json'), `${JSON.stringify(first.truth.prices, null, 1)}\n`);
    const phones = this.cohorts === 1 ? this.opposition : [...this.opposition].sort(compareText);
    await writeFile(join(staging, 'ground-truth', 'opposition.json'), `${JSON.stringify({ phones }, null, 1)}\n`);
    await mkdir(join(staging, 'opposition'), { recursive: true });
    await writeFile(oppositionListPath(staging), this.bloctel);
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      seed: first.seed,
      scale: first.scale,
      asOf: first.asOf,
      generatedAt: new Date().toISOString(),
      counts: this.counts,
      stats: this.stats!,
    };
    await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(this.dir, { recursive: true, force: true });
    await rename(staging, this.dir);
    return manifest;
  }
}

/** The mess counted over two cohorts: what concerns the catalogue is the first one's, shared by all. */
function addStats(total: MessStats, more: MessStats): MessStats {
  const shared = new Set<keyof MessStats>(['franchiseOnlyProducts', 'webOnlyProducts', 'webSkusWithoutEan', 'productsNamedDifferentlyOnWeb']);
  const sum = { ...total, phoneFormats: { ...total.phoneFormats } };
  for (const key of Object.keys(more) as (keyof MessStats)[]) {
    if (key === 'phoneFormats') {
      for (const format of Object.keys(more.phoneFormats) as (keyof MessStats['phoneFormats'])[]) sum.phoneFormats[format] += more.phoneFormats[format];
    } else if (!shared.has(key)) {
      sum[key] += more[key];
    }
  }
  return sum;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The manifest of a complete estate folder, or null when there is none yet. An older format's
 * is answered too (see {@link isCurrentFormat}); a newer one, which this version cannot read, is
 * refused.
 */
export async function readManifest(dir: string): Promise<Manifest | null> {
  try {
    await stat(join(dir, 'manifest.json'));
  } catch {
    return null;
  }
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  if (!(Number.isInteger(manifest.format) && manifest.format >= 1 && manifest.format <= MANIFEST_FORMAT)) {
    throw new Error(`${dir}/manifest.json has format ${String(manifest.format)}; this version reads format ${MANIFEST_FORMAT}`);
  }
  return manifest;
}

/** Whether the folder was written by this version of the generator (else it is to be regenerated). */
export function isCurrentFormat(manifest: Pick<Manifest, 'format'>): boolean {
  return manifest.format === MANIFEST_FORMAT;
}

/** The manifest of a complete estate of the current format; throws, saying what to do, otherwise. */
async function currentManifest(dir: string): Promise<Manifest> {
  const manifest = await readManifest(dir);
  if (!manifest) throw new Error(`no generated estate in ${dir} (manifest.json missing); run \`npm run generate\``);
  if (!isCurrentFormat(manifest)) {
    throw new Error(
      `${dir} holds an estate of format ${manifest.format}, written by an older generator; this version reads format ${MANIFEST_FORMAT}: ` +
        `regenerate it (\`npm run generate -- --scale ${manifest.scale} --seed ${JSON.stringify(manifest.seed)} --as-of ${manifest.asOf} --out ${dir}\`; \`startEstate\` and \`npm start\` do it themselves)`,
    );
  }
  return manifest;
}

async function readSystem<T extends object>(dir: string, system: (typeof SYSTEMS)[number], tables: (keyof T & string)[]): Promise<T> {
  await currentManifest(dir);
  const out: Record<string, unknown[]> = {};
  for (const table of tables) out[table] = await readJsonl(join(dir, system, `${table}.jsonl`));
  return out as T;
}

export async function readEcommerce(dir: string): Promise<EcommerceData> {
  const core = await readSystem<EcommerceData>(dir, 'ecommerce', ['customers', 'addresses', 'orders', 'products', 'cartRules']);
  return {
    ...core,
    reviews: await readOptionalTable(join(dir, 'ecommerce', 'reviews.jsonl')),
    serviceContacts: await readOptionalTable(join(dir, 'ecommerce', 'serviceContacts.jsonl')),
  };
}
export const readLoyalty = (dir: string) =>
  readSystem<LoyaltyData>(dir, 'loyalty', ['members', 'cards', 'movements', 'consents', 'offers']);
export async function readPos(dir: string): Promise<PosData> {
  const core = await readSystem<PosData>(dir, 'pos', ['franchises', 'stores', 'sellers', 'clients', 'receipts', 'returns', 'quotes', 'stock', 'prices', 'promotions']);
  return { ...core, ratings: await readOptionalTable(join(dir, 'pos', 'ratings.jsonl')) };
}
export const readCatalogue = (dir: string) => readSystem<CatalogueData>(dir, 'catalogue', ['products', 'campaigns']);

/** The do-not-call list of an estate folder, as Bloctel returns it: what `npm run opposition -- import` reads. */
export function oppositionListPath(dir: string): string {
  return join(dir, 'opposition', 'bloctel.txt');
}

/** The do-not-call list's text; empty for a folder written before the generator made one. */
export async function readOpposition(dir: string): Promise<OppositionData> {
  await currentManifest(dir);
  return { bloctel: (await readIfPresent(oppositionListPath(dir))) ?? '' };
}

export async function readEstate(dir: string): Promise<Estate> {
  const [ecommerce, loyalty, pos, catalogue, opposition] = await Promise.all([readEcommerce(dir), readLoyalty(dir), readPos(dir), readCatalogue(dir), readOpposition(dir)]);
  return { ecommerce, loyalty, pos, catalogue, opposition };
}

/** The ground truth. Only tests and benchmarks call this. */
export async function readGroundTruth(dir: string): Promise<GroundTruth> {
  const manifest = await currentManifest(dir);
  return {
    seed: manifest.seed,
    scale: manifest.scale,
    persons: await readJsonl(join(dir, 'ground-truth', 'persons.jsonl')),
    products: await readJsonl(join(dir, 'ground-truth', 'products.jsonl')),
    prices: JSON.parse(await readFile(join(dir, 'ground-truth', 'prices.json'), 'utf8')) as PriceTruth,
    opposition: JSON.parse((await readIfPresent(join(dir, 'ground-truth', 'opposition.json'))) ?? '{"phones":[]}') as OppositionTruth,
  };
}

/** A text file's content, or null when there is no such file (a folder written before it existed). */
async function readIfPresent(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** A table added within the format: its rows, or none for a folder written before it. */
async function readOptionalTable<T>(path: string): Promise<T[]> {
  try {
    await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return readJsonl<T>(path);
}

async function writeJsonl(path: string, rows: readonly unknown[], append = false): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const out = createWriteStream(path, { flags: append ? 'a' : 'w' });
  let buffer = '';
  for (const row of rows) {
    buffer += `${JSON.stringify(row)}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

async function readJsonl<T>(path: string): Promise<T[]> {
  const rows: T[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo += 1;
    if (line === '') continue;
    try {
      rows.push(JSON.parse(line) as T);
    } catch {
      throw new Error(`${path}:${lineNo} is not a JSON record: ${line.slice(0, 80)}`);
    }
  }
  return rows;
}
