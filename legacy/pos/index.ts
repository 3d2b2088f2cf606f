import { readManifest, readPos } from '../generator/files.js';
import { configFromEnv } from './config.js';
import { estateSeed } from './posFingerprint.js';
import { startPos } from './server.js';

try {
  const { dataDir, pgliteDir, ...config } = configFromEnv();
  const manifest = await readManifest(dataDir);
  const running = await startPos({
    ...config,
    dataDir: pgliteDir,
    // Same seed, scale and date: the same estate, so a database that holds it is kept.
    seed: estateSeed(manifest),
    data: await readPos(dataDir),
  });
  const where = running.backend === 'pglite' ? `PGlite in ${pgliteDir}` : 'PostgreSQL from POS_DATABASE_URL';
  const loaded = running.load?.loaded
    ? `loaded in ${(running.load.elapsedMs / 1000).toFixed(1)} s`
    : running.load?.migratedFrom
      ? `dataset already in place, upgraded from layout v${running.load.migratedFrom}`
      : 'dataset already in place';
  console.log(`legacy franchise POS (PostgreSQL protocol) on ${withoutPassword(running.url)} (${where}, data from ${dataDir}, ${loaded})`);
  console.log(`legacy franchise POS admin on ${running.adminUrl}/__admin`);
  const stop = () => {
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`legacy franchise POS did not stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  console.error(`legacy franchise POS failed to start: ${(error as Error).message}`);
  process.exit(1);
}

/** A connection URL fit to print: its password, if any, replaced. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
