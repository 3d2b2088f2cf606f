import { parseArgs } from 'node:util';
import { generateCohorts } from './cohorts.js';
import { DEFAULT_AS_OF, DEFAULT_SEED, SCALES, type ScaleName, type ScaleSpec } from './generate.js';
import { EstateWriter } from './files.js';

const USAGE = 'usage: npm run generate -- [--scale tiny|demo|bench|national] [--seed TEXT] [--as-of ISO] [--out DIR]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: 'demo' },
      seed: { type: 'string', default: DEFAULT_SEED },
      'as-of': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const scale = values.scale!;
  if (!(scale in SCALES)) throw new Error(`--scale must be one of ${Object.keys(SCALES).join(', ')}, got ${JSON.stringify(scale)}\n${USAGE}`);
  const out = values.out ?? `data/${scale}`;
  const spec: ScaleSpec = SCALES[scale as ScaleName];
  const started = performance.now();
  // A national estate comes cohort after cohort, each written before the next is made.
  const writer = await EstateWriter.open(out);
  let generatedMs = 0;
  let mark = performance.now();
  for (const generated of generateCohorts(scale as ScaleName, { seed: values.seed, asOf: values['as-of'] ?? DEFAULT_AS_OF })) {
    generatedMs += performance.now() - mark;
    await writer.add(generated);
    mark = performance.now();
  }
  const manifest = await writer.finish();
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const c = manifest.counts;
  console.log(
    `generated ${scale} estate (seed ${JSON.stringify(manifest.seed)}) in ${out}: ` +
      `${c.ecommerce!.customers} web accounts, ${c.loyalty!.members} members, ${c.pos!.receipts} receipts ` +
      `(${manifest.stats.receiptLines} lines), ${c.catalogue!.products} catalogue products; ` +
      `generated in ${seconds(generatedMs)}, written in ${seconds(performance.now() - started - generatedMs)}` +
      `${spec.cohortPeople !== undefined && spec.cohortPeople < spec.people ? ` (cohorts of ${spec.cohortPeople} people)` : ''}, ` +
      `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
