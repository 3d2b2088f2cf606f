import { generateEstate, type Generated } from '../../legacy/generator/generate.js';
import { runCommand, runInProcess } from './cli/runCommand.js';
import { startSyncStandIns, type SyncStandIns } from './cli/standIns.js';
import type { CoherenceReport } from './pricing/coherenceScan.js';
import { readCoherenceOptions, UsageError } from './cli/coherenceReport.js';
import { main } from './coherence.js';

/**
 * `npm run coherence` against the stand-ins of a tiny estate: the report the generator's
 * ground truth says, as text and as JSON. In-process through `main`; once as a real process,
 * for its exit status.
 */

const COMMAND = new URL('./coherence.ts', import.meta.url);

let generated: Generated;
let standIns: SyncStandIns;

beforeAll(async () => {
  generated = generateEstate({ scale: 'tiny' });
  standIns = await startSyncStandIns(generated.estate);
}, 60_000);

afterAll(async () => {
  await standIns?.stop();
});

/** Runs `main` in-process with the stand-ins' environment (and `more`) as its whole environment. */
const run = (args: string[], more: Record<string, string> = {}) => runInProcess(main, args, { ...standIns.env, ...more });

/** `productId|place|causes`, for the report and for the ground truth alike. */
function reportLines(report: CoherenceReport): string[] {
  const { products } = generated.truth;
  return report.products
    .flatMap((p) => {
      const id = products.find((t) =>
        p.keys.catalogueRef ? t.catalogueRef === p.keys.catalogueRef : p.keys.tillRef ? t.posCodes.some((c) => `${c.franchise}:${c.code}` === p.keys.tillRef) : t.catalogueRef === null && t.webSku === p.keys.webSku,
      )?.productId;
      return p.deviations.map((d) => `${id}|${d.storeCode ?? 'WEB'}|${[...d.causes].sort().join(',')}`);
    })
    .sort();
}
const truthLines = (keep: (place: string) => boolean = () => true) =>
  generated.truth.prices.incoherences.filter((i) => keep(i.place)).map((i) => `${i.productId}|${i.place}|${[...i.causes].sort().join(',')}`).sort();

it('prints the whole report as JSON, equal to what the generator planted', async () => {
  const result = await run(['--at', generated.truth.prices.asOf, '--json']);
  expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
  const report = JSON.parse(result.stdout) as CoherenceReport;
  expect(reportLines(report)).toEqual(truthLines());
  expect(report).toMatchObject({ at: generated.truth.prices.asOf, tolerancePercent: 1, franchise: null });
  // Not a terminal: a line per system read instead of a bar.
  expect(result.stderr).toContain('coherence: read catalogue');
}, 60_000);

it('prints a franchise its own stores as text, and exits 3 above --max-incoherent', async () => {
  const expected = truthLines((place) => place.startsWith('SUD'));
  const products = new Set(expected.map((line) => line.split('|')[0]));
  const args = ['--at', generated.truth.prices.asOf, '--franchise', 'SUD', '--top', '3', '--max-incoherent', '0'];
  const result = await run(args);
  expect(result.code).toBe(3);
  // As a process: the same report through the pipe, the status as its exit code.
  const spawned = await runCommand(COMMAND, args, { ...standIns.env });
  expect({ code: spawned.code, stdout: spawned.stdout }).toEqual({ code: 3, stdout: result.stdout });
  expect(result.stderr).toContain(`${products.size} products are incoherent, more than --max-incoherent 0`);
  expect(result.stdout).toContain('franchise SUD');
  expect(result.stdout).toContain(`${products.size} incoherent`);
  expect(result.stdout).toContain(`… and ${products.size - 3} more products`);
  expect(result.stdout).not.toMatch(/^ {4}(NRD|OUE)\d\d /m);
  expect(result.stdout).not.toMatch(/^ {4}web /m);
}, 60_000);

it('refuses bad usage with exit 2 and says why', async () => {
  for (const [args, message] of [
    [['--tolerance=-1'], '--tolerance must be a percentage'],
    [['--tolerance', 'abc'], '--tolerance must be a percentage'],
    [['--at', 'yesterday'], '--at must be an ISO 8601 instant'],
    [['--franchise', 'n r d'], '--franchise must be a franchise code'],
    [['--top=-3'], '--top must be a whole number'],
    [['--nope'], "Unknown option '--nope'"],
  ] as const) {
    expect(() => readCoherenceOptions([...args])).toThrow(UsageError);
    expect(() => readCoherenceOptions([...args])).toThrow(message);
  }
  expect(readCoherenceOptions(['--at', '2026-11-01T12:00:00+01:00', '--tolerance', '2.5', '--franchise', 'NRD', '--json'], 0)).toEqual({
    atMs: Date.parse('2026-11-01T11:00:00Z'), toleranceBp: 250, franchise: 'NRD', top: 20, json: true, maxIncoherent: null,
  });
  expect(readCoherenceOptions([], 1234)).toMatchObject({ atMs: 1234, toleranceBp: 100, franchise: null });
  // And the command itself: exit 2, the reason, then the usage.
  const result = await run(['--tolerance', 'abc']);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/^--tolerance must be a percentage from 0 to 100, got "abc"\n\nUsage: npm run coherence/);
}, 60_000);

it('exits 1 with a line naming the system that cannot be read', async () => {
  const result = await run(['--at', generated.truth.prices.asOf], { LEGACY_CATALOGUE_URL: 'http://127.0.0.1:9', CROSSCANAL_SOURCE_TIMEOUT_MS: '2000' });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^crosscanal coherence: .*catalogue/m);
}, 60_000);
