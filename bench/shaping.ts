import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { operationFromDocument, Supergraph, type Operation } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { shapingFunctions } from '../gateway/resultShaping.js';
import { isEntryPoint } from '../subgraphs/crosscanal/cli/command.js';
import { CATEGORY_PAGE, CUSTOMER_360, partnerQuery } from './gateway/workloads.js';
import { median } from './measure.js';
import { seededRandom, shapingData } from './shapingData.js';

const USAGE = `Usage: npm run bench:shaping -- [--rounds N] [--answers N]

Times the shaping of an answer from the subgraphs' merged data, in this process, by
@apollo/gateway's computeResponse and by the gateway's compiled walk (gateway/resultShaping.ts),
in turn (A, B, A, B …) on the bench's operations over generated well-formed data; prints the
median time per answer and the collection time per answer of each.

  --rounds N    rounds, the two in turn in each (default 5)
  --answers N   answers shaped per round and function (default 300)
`;

/** The operations, each with the length of every list in its data. */
const WORKLOADS: Array<{ name: string; text: string; listLength: number; shape: string }> = [
  { name: 'partner day', text: partnerQuery(260), listLength: 4, shape: '260 receipts of 4 lines' },
  { name: 'customer 360', text: CUSTOMER_360, listLength: 20, shape: '20 orders of 20 lines, 20 identities and promotions' },
  { name: 'category page', text: CATEGORY_PAGE, listLength: 50, shape: '50 products, 50 campaigns each' },
];

const introspectionHandling = () => null;

type Shape = ReturnType<typeof shapingFunctions>['apollo'];

/** The report (a Markdown table, one line per workload); throws when the two functions' answers differ. */
export async function shapingBench({ rounds, answers }: { rounds: number; answers: number }): Promise<string> {
  const supergraphPath = fileURLToPath(new URL('../schema/supergraph.graphql', import.meta.url));
  const api = Supergraph.build(readFileSync(supergraphPath, 'utf8')).apiSchema();
  const { apollo, compiled } = shapingFunctions();
  let collecting = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) collecting += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });

  async function time(shape: Shape, operation: Operation, input: Record<string, unknown>): Promise<{ ms: number; gcMs: number }> {
    for (let i = 0; i < Math.min(answers, 50); i += 1) shape({ operation, variables: {}, input, introspectionHandling });
    // The collections of the warm-up are reported by now.
    await new Promise((resolve) => setImmediate(resolve));
    const gcBefore = collecting;
    const start = process.hrtime.bigint();
    for (let i = 0; i < answers; i += 1) shape({ operation, variables: {}, input, introspectionHandling });
    const ms = Number(process.hrtime.bigint() - start) / 1e6 / answers;
    await new Promise((resolve) => setImmediate(resolve));
    return { ms, gcMs: (collecting - gcBefore) / answers };
  }

  const lines = [
    `Node.js ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}); ${rounds} rounds of ${answers} answers per function, medians.`,
    '',
    '| workload | data | Apollo computeResponse | compiled walk | × | collection per answer, Apollo / compiled |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  try {
    for (const workload of WORKLOADS) {
      const operation = operationFromDocument(api, parse(workload.text), { validate: false });
      const input = shapingData(operation, api, { random: seededRandom(1), breakage: 0, listLength: workload.listLength });
      const answer = (shape: Shape) => JSON.stringify(shape({ operation, variables: {}, input, introspectionHandling }));
      if (answer(apollo) !== answer(compiled)) throw new Error(`${workload.name}: the two answers differ`);
      const figures = { apollo: [] as Array<{ ms: number; gcMs: number }>, compiled: [] as Array<{ ms: number; gcMs: number }> };
      for (let round = 0; round < rounds; round += 1) {
        figures.apollo.push(await time(apollo, operation, input));
        figures.compiled.push(await time(compiled, operation, input));
      }
      const a = median(figures.apollo.map((f) => f.ms));
      const c = median(figures.compiled.map((f) => f.ms));
      const gcA = median(figures.apollo.map((f) => f.gcMs));
      const gcC = median(figures.compiled.map((f) => f.gcMs));
      lines.push(`| ${workload.name} | ${workload.shape} | ${a.toFixed(3)} ms | ${c.toFixed(3)} ms | ${(a / c).toFixed(2)}× | ${gcA.toFixed(3)} / ${gcC.toFixed(3)} ms |`);
    }
  } finally {
    observer.disconnect();
  }
  return `${lines.join('\n')}\n`;
}

if (isEntryPoint(import.meta.url)) {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, answers: { type: 'string' }, help: { type: 'boolean' } } });
  const rounds = Number(values.rounds ?? 5);
  const answers = Number(values.answers ?? 300);
  if (values.help) {
    process.stdout.write(USAGE);
  } else if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(answers) || answers < 1) {
    process.stderr.write(USAGE);
    process.exitCode = 2;
  } else {
    process.stdout.write(await shapingBench({ rounds, answers }));
  }
}
