import cliProgress from 'cli-progress';
import { parseArgs } from 'node:util';
import { parseIsoInstant } from '../../utilities/isoInstant.js';
import { errorLine } from './cli/errorLine.js';
import { loadConfig } from './config.js';
import { toleranceBasisPoints } from './pricing/coherence.js';
import { formatCoherenceReport } from './cli/coherenceReport.js';
import { coherenceReport, type CoherenceProgress, type CoherenceReport } from './pricing/coherenceScan.js';
import { coherenceClients, coherenceSources } from './pricing/sources.js';

const USAGE = `Usage: npm run coherence -- [--at INSTANT] [--tolerance PERCENT] [--franchise CODE] [--top N] [--json] [--max-incoherent N]

Where the channels disagree on price (docs/pricing.md), as the priceCoherence query gives it:
every product whose price for one item, on the web or at a store that sells it, differs from
the national price (the list price after the campaigns run on every channel) by more than the
tolerance, with the cause at each place.

  --at INSTANT          price as of this ISO 8601 instant (default now)
  --tolerance PERCENT   a difference up to this is no incoherence (default 1)
  --franchise CODE      that franchise's stores only (default head office: every store and the web)
  --top N               list N products in the text report (default 20; 0 for counts only)
  --json                print the whole report as JSON
  --max-incoherent N    exit 3 when more than N products are incoherent

Reads the systems the subgraph reads (LEGACY_CATALOGUE_URL, LEGACY_ECOMMERCE_URL,
LEGACY_POS_URL, LEGACY_POS_SCHEMA_PREFIX); a progress bar goes to standard error on a terminal.
Exit status: 0 done, 1 a system could not be read, 2 bad usage, 3 --max-incoherent exceeded.`;

interface Options {
  atMs: number;
  toleranceBp: number;
  franchise: string | null;
  top: number;
  json: boolean;
  maxIncoherent: number | null;
}

class UsageError extends Error {}

function whole(flag: string, raw: string | undefined): number | null {
  if (raw === undefined) return null;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`${flag} must be a whole number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function readOptions(argv: string[]): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        at: { type: 'string' },
        tolerance: { type: 'string' },
        franchise: { type: 'string' },
        top: { type: 'string' },
        json: { type: 'boolean' },
        'max-incoherent': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  let atMs = Date.now();
  if (values.at !== undefined) {
    const parsed = parseIsoInstant(values.at);
    if (parsed === null) throw new UsageError(`--at must be an ISO 8601 instant, got ${JSON.stringify(values.at)}`);
    atMs = parsed;
  }
  let toleranceBp = 100;
  if (values.tolerance !== undefined) {
    const percent = /^\d+(\.\d+)?$/.test(values.tolerance) ? Number(values.tolerance) : Number.NaN;
    try {
      toleranceBp = toleranceBasisPoints(percent);
    } catch {
      throw new UsageError(`--tolerance must be a percentage from 0 to 100, got ${JSON.stringify(values.tolerance)}`);
    }
  }
  const franchise = values.franchise ?? null;
  if (franchise !== null && !/^[A-Z0-9]{1,10}$/.test(franchise)) throw new UsageError(`--franchise must be a franchise code such as NRD, got ${JSON.stringify(franchise)}`);
  return { atMs, toleranceBp, franchise, top: whole('--top', values.top) ?? 20, json: values.json ?? false, maxIncoherent: whole('--max-incoherent', values['max-incoherent']) };
}

/** A progress bar per phase on a terminal; a line per system read otherwise. */
function progressReporter(stream: NodeJS.WriteStream = process.stderr): { update(p: CoherenceProgress): void; stop(): void } {
  if (!stream.isTTY) {
    let last: string | null = null;
    return {
      update(p) {
        if (p.phase !== last && last !== null) stream.write(`coherence: read ${last}\n`);
        last = p.phase;
      },
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar({ stream, format: ' {phase} {bar} {value}{ofTotal} {unit}', hideCursor: true, barsize: 30 }, cliProgress.Presets.shades_classic);
  const units: Record<CoherenceProgress['phase'], string> = { catalogue: 'catalogue products', web: 'web products', stores: 'store items', pricing: 'products priced' };
  let started = false;
  return {
    update(p) {
      const payload = { phase: p.phase.padEnd(9), unit: units[p.phase], ofTotal: p.total === null ? '' : `/${p.total}` };
      if (!started) {
        bar.start(p.total ?? p.done, p.done, payload);
        started = true;
      } else {
        bar.setTotal(p.total ?? Math.max(p.done, 1));
        bar.update(p.done, payload);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

async function main(): Promise<number> {
  let options: Options | 'help';
  try {
    options = readOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { sources } = loadConfig();
  const clients = coherenceClients(sources, sources.timeoutMs);
  const progress = progressReporter();
  let report: CoherenceReport;
  try {
    report = await coherenceReport(coherenceSources(clients), { atMs: options.atMs, toleranceBp: options.toleranceBp, franchise: options.franchise, onProgress: (p) => progress.update(p) });
  } finally {
    progress.stop();
    await clients.pos?.client.close();
  }
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatCoherenceReport(report, options.top)}\n`);
  if (options.maxIncoherent !== null && report.products.length > options.maxIncoherent) {
    process.stderr.write(`crosscanal coherence: ${report.products.length} products are incoherent, more than --max-incoherent ${options.maxIncoherent}\n`);
    return 3;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`crosscanal coherence: ${errorLine(error)}\n`);
    process.exitCode = 1;
  },
);
