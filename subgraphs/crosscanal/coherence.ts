import cliProgress from 'cli-progress';
import { isEntryPoint, processIo, progressStream, type CommandIo, type ProgressLines } from './cli/command.js';
import { errorLine, runMain } from './cli/errorLine.js';
import { loadConfig } from './config.js';
import { COHERENCE_USAGE as USAGE, formatCoherenceReport, readCoherenceOptions as readOptions, UsageError, type CoherenceOptions as Options } from './cli/coherenceReport.js';
import { coherenceReport, type CoherenceProgress, type CoherenceReport } from './pricing/coherenceScan.js';
import { coherenceClients, coherenceSources } from './pricing/sources.js';

/** A progress bar per phase on a terminal; a line per system read otherwise. */
function progressReporter(stream: NodeJS.WriteStream | ProgressLines): { update(p: CoherenceProgress): void; stop(): void } {
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

/**
 * The price coherence report, in-process: returns the exit status and writes through `io`
 * (progress as lines); never throws (a failure is one line on stderr and status 1).
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CommandIo = processIo): Promise<number> {
  let options: Options | 'help';
  try {
    options = readOptions([...argv]);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  let report: CoherenceReport;
  try {
    const { sources } = loadConfig(env);
    const clients = coherenceClients(sources, sources.timeoutMs);
    const progress = progressReporter(progressStream(io));
    try {
      report = await coherenceReport(coherenceSources(clients), { atMs: options.atMs, toleranceBp: options.toleranceBp, franchise: options.franchise, onProgress: (p) => progress.update(p) });
    } finally {
      progress.stop();
      await clients.pos?.client.close();
    }
  } catch (error) {
    io.stderr(`crosscanal coherence: ${errorLine(error)}\n`);
    return 1;
  }
  io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatCoherenceReport(report, options.top)}\n`);
  if (options.maxIncoherent !== null && report.products.length > options.maxIncoherent) {
    io.stderr(`crosscanal coherence: ${report.products.length} products are incoherent, more than --max-incoherent ${options.maxIncoherent}\n`);
    return 3;
  }
  return 0;
}

/** Run as a command (`npm run coherence`), not when a test imports `main`. */
if (isEntryPoint(import.meta.url)) runMain('coherence', () => main(process.argv.slice(2)));
