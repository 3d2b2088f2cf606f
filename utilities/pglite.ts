import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';

/**
 * Opens an embedded PostgreSQL (PGlite), in memory or in a data folder, as the crosswalk and
 * the POS stand-in do on their embedded defaults.
 *
 * A new database is cloned from a template rather than made by `initdb`. PGlite runs
 * `initdb` in WebAssembly every time it opens an empty folder or memory: about 2 s of one
 * core, where loading the same freshly made cluster from a tar image takes about half a
 * second. The template is that image, made once per PGlite version and kept in the system's
 * temporary folder (`crosscanal-pglite-<version>/template.tar`, about 40 MB), so that every
 * later start of a fresh database on the machine (the stack's two embedded databases, each
 * test's) skips `initdb`. A folder that already holds a database opens as it is; the template
 * is never used on one.
 *
 * The image is written to a file of its own and renamed into place, so that processes making it
 * at the same time never read half of one. Anything wrong with it (unreadable, refused by
 * PGlite) falls back to a plain `initdb`: the template only ever saves time.
 * `CROSSCANAL_PGLITE_TEMPLATE=off` turns it off; `=<folder>` keeps it elsewhere.
 */
export async function openPglite(dataDir?: string, env: NodeJS.ProcessEnv = process.env): Promise<PGlite> {
  const base: PGliteOptions = dataDir === undefined ? {} : { dataDir };
  const setting = env.CROSSCANAL_PGLITE_TEMPLATE?.trim();
  if (setting === 'off' || (dataDir !== undefined && holdsCluster(dataDir))) return PGlite.create(base);
  const file = templateFile(setting || undefined);
  const image = await readTemplate(file);
  if (image) {
    try {
      return await PGlite.create({ ...base, loadDataDir: image });
    } catch {
      // A damaged image: dropped and made again below. A folder it half-filled is emptied first.
      await rm(file, { force: true });
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    }
  }
  const db = await PGlite.create(base);
  await saveTemplate(db, file).catch(() => undefined);
  return db;
}

/** Whether a folder already holds a PostgreSQL cluster (its `PG_VERSION` file). */
function holdsCluster(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

let pgliteVersion: string | undefined;

/** PGlite's version, which names the template: another version makes its own. */
function versionOfPglite(): string {
  if (pgliteVersion === undefined) {
    // The package's exports do not list its package.json: found from its entry point instead.
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    let folder = dirname(entry);
    while (!existsSync(join(folder, 'package.json')) && dirname(folder) !== folder) folder = dirname(folder);
    const { version } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version?: string };
    pgliteVersion = /^[0-9A-Za-z.+-]+$/.test(version ?? '') ? version! : 'unknown';
  }
  return pgliteVersion;
}

export function templateFile(folder?: string): string {
  return join(folder ?? join(tmpdir(), `crosscanal-pglite-${versionOfPglite()}`), 'template.tar');
}

async function readTemplate(file: string): Promise<Blob | undefined> {
  try {
    return new Blob([await readFile(file)]);
  } catch {
    return undefined;
  }
}

/**
 * Keeps the image of a database `initdb` has just made, before anything is written to it.
 * Written beside its final name and renamed into place.
 */
async function saveTemplate(db: PGlite, file: string): Promise<void> {
  if (existsSync(file)) return;
  const image = await db.dumpDataDir('none');
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.${Date.now()}.partial`;
  try {
    await writeFile(partial, Buffer.from(await image.arrayBuffer()));
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
}
