import { parseArgs } from 'node:util';
import { DEFAULT_SEED, generateEstate, SCALES, type ScaleName } from './generate.js';
import { writeEstate } from './files.js';

const USAGE = 'usage: npm run generate -- [--scale tiny|demo|bench] [--seed TEXT] [--as-of ISO] [--out DIR]';

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
  const started = performance.now();
  const generated = generateEstate({ seed: values.seed, scale: scale as ScaleName, asOf: values['as-of'] });
  const generatedMs = performance.now() - started;
  const manifest = await writeEstate(out, generated);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const c = manifest.counts;
  console.log(
    `generated ${scale} estate (seed ${JSON.stringify(manifest.seed)}) in ${out}: ` +
      `${c.ecommerce!.customers} web accounts, ${c.loyalty!.members} members, ${c.pos!.receipts} receipts ` +
      `(${manifest.stats.receiptLines} lines), ${c.catalogue!.products} catalogue products; ` +
      `generated in ${seconds(generatedMs)}, written in ${seconds(performance.now() - started - generatedMs)}, ` +
      `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
