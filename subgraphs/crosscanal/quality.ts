import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isEntryPoint, processIo, type CommandIo } from './cli/command.js';
import { errorLine, runMain } from './cli/errorLine.js';
import { formatQualityReport, MAX_TOP, readQualityReport, type DataQualityReport } from './cli/qualityReport.js';
import { loadConfig, type CrosscanalConfig } from './config.js';
import { CrosswalkStore } from './store/crosswalkStore.js';

const USAGE = `Usage: tsx subgraphs/crosscanal/quality.ts [--top N] [--json] [--max-unmapped N] [--max-candidates N]

The crosswalk's data-quality report, as the identityQuality and referenceQuality queries
give it: records per system and those linked to no other record, candidate matches awaiting
a steward's review, and product codes no system maps, with their counts.

  --top N             list the N most used unmapped codes (default 10; 0 to ${MAX_TOP})
  --json              print the report as JSON
  --max-unmapped N    exit 3 when more than N product codes are unmapped
  --max-candidates N  exit 3 when more than N candidate pairs await review

Reads the same environment as the subgraph (DATABASE_URL or CROSSCANAL_DATA_DIR, CROSSCANAL_DB_SCHEMA).
With PGlite, the data folder serves one process: stop the subgraph first, or use DATABASE_URL.
Exit status: 0 done, 1 the store could not be read, 2 bad usage, 3 a --max-… limit exceeded.`;

interface Options {
  top: number;
  json: boolean;
  maxUnmapped: number | null;
  maxCandidates: number | null;
}

class UsageError extends Error {}

function readOptions(args: readonly string[]): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        top: { type: 'string' },
        json: { type: 'boolean' },
        'max-unmapped': { type: 'string' },
        'max-candidates': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  return {
    top: count('--top', values.top, MAX_TOP) ?? 10,
    json: values.json ?? false,
    maxUnmapped: count('--max-unmapped', values['max-unmapped']),
    maxCandidates: count('--max-candidates', values['max-candidates']),
  };
}

function count(flag: string, raw: string | undefined, max = Number.MAX_SAFE_INTEGER): number | null {
  if (raw === undefined) return null;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value > max) {
    throw new UsageError(`${flag} must be a whole number from 0${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Opens the store the subgraph uses; a PGlite folder that is not there is refused rather than created empty. */
async function openStore(config: CrosscanalConfig): Promise<CrosswalkStore> {
  if (config.databaseUrl === undefined) {
    const folder = await stat(config.dataDir).catch(() => null);
    if (folder === null || !folder.isDirectory()) {
      throw new Error(`CROSSCANAL_DATA_DIR ${config.dataDir} holds no crosswalk: sync first (npm run sync -- --full), or set DATABASE_URL`);
    }
  }
  return CrosswalkStore.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.dbSchema, maxConnections: 2 });
}

/** The limits a report exceeds, one line each. */
function exceeded(report: DataQualityReport, options: Options): string[] {
  const lines: string[] = [];
  if (options.maxUnmapped !== null && report.totals.unmappedCodes > options.maxUnmapped) {
    lines.push(`${report.totals.unmappedCodes} product codes are unmapped, more than --max-unmapped ${options.maxUnmapped}`);
  }
  if (options.maxCandidates !== null && report.totals.candidatePairs > options.maxCandidates) {
    lines.push(`${report.totals.candidatePairs} candidate pairs await review, more than --max-candidates ${options.maxCandidates}`);
  }
  return lines;
}

/**
 * The data-quality report, in-process: returns the exit status and writes through `io`; never
 * throws (a failure is one line on stderr and status 1).
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CommandIo = processIo): Promise<number> {
  let options: Options | 'help';
  try {
    options = readOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  let report: DataQualityReport;
  try {
    const store = await openStore(loadConfig(env));
    try {
      report = await readQualityReport(store, { top: options.top });
    } finally {
      await store.close();
    }
  } catch (error) {
    io.stderr(`crosscanal quality: ${errorLine(error)}\n`);
    return 1;
  }
  io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatQualityReport(report)}\n`);
  const over = exceeded(report, options);
  for (const line of over) io.stderr(`crosscanal quality: ${line}\n`);
  return over.length > 0 ? 3 : 0;
}

/** Run as a command (`npm run quality`), not when a test imports `main`. */
if (isEntryPoint(import.meta.url)) runMain('quality', () => main(process.argv.slice(2)));
