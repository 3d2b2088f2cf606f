import { parseArgs } from 'node:util';
import pg from 'pg';
import { readEcommerce, readLoyalty, readPos } from '../legacy/generator/files.js';
import { dropPos } from '../legacy/pos/loadPos.js';
import { pgPoolDatabase } from '../legacy/pos/sqlDatabase.js';
import { startStandIns, type StandIns } from '../subgraphs/crosscanal/evaluation/standIns.js';
import { peakRssBytes } from './measure.js';
import type { StandInsMessage } from './standIns.js';

/**
 * The stand-ins' process (started by `startStandInsProcess`): loads the estate, serves it,
 * reports where over IPC, and on `stop` reports what it served and ends.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, 'database-url': { type: 'string' }, 'schema-prefix': { type: 'string' } } });
  const dataDir = values.data;
  if (!dataDir) throw new Error('--data DIR is required');
  const databaseUrl = values['database-url'];
  const prefix = values['schema-prefix'] ?? '';

  const started = performance.now();
  const [ecommerce, loyalty, pos] = await Promise.all([readEcommerce(dataDir), readLoyalty(dataDir), readPos(dataDir)]);
  const readFilesMs = performance.now() - started;
  const standIns = await startStandIns({ ecommerce, loyalty, pos }, { posDatabaseUrl: databaseUrl, posSchemaPrefix: prefix });
  const load = standIns.pos.load;
  await send({
    type: 'ready',
    sources: standIns.sources,
    posBackend: standIns.pos.backend,
    readFilesMs,
    posLoadMs: load?.elapsedMs ?? 0,
    posRows: Object.values(load?.rows ?? {}).reduce((a, b) => a + b, 0),
    startMs: performance.now() - started,
    peakRss: peakRssBytes(),
    cpuMs: cpuMs(),
  });

  await new Promise<void>((resolve) => {
    process.on('message', (message: { type?: string }) => {
      if (message?.type === 'stop') resolve();
    });
    // The benchmark went away: clean up all the same.
    process.once('disconnect', () => resolve());
  });
  const cpu = cpuMs();
  const calls = { ecommerce: standIns.ecommerce.counter.snapshot(), loyalty: standIns.loyalty.counter.snapshot(), pos: standIns.pos.counter.snapshot() };
  await standIns.stop();
  const dropped = databaseUrl ? await dropSchemas(databaseUrl, standIns) : false;
  if (process.connected) await send({ type: 'stopped', calls, peakRss: peakRssBytes(), cpuMs: cpu, dropped });
}

async function dropSchemas(databaseUrl: string, standIns: StandIns): Promise<boolean> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await dropPos(pgPoolDatabase(pool), standIns.pos.schemas);
    return true;
  } finally {
    await pool.end();
  }
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Sends over IPC and waits until the message is handed over (an exit right after would lose it). */
function send(message: StandInsMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

main().then(
  () => process.exit(0),
  async (error: Error) => {
    await send({ type: 'failed', message: error.stack ?? error.message });
    process.exit(1);
  },
);
