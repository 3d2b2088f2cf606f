import { readFile, writeFile } from 'node:fs/promises';
import { subgraphCachesAt, type CallFigure, type GatewayBenchReport, type SoakFigure, type Summary } from './bench.js';
import { median } from '../measure.js';
import { WARM } from './targets.js';

/** A target of issue 14, judged on this run: met, missed, or not measured (null). */
export interface Verdict {
  target: string;
  met: boolean | null;
  detail: string;
}

export const BEGIN_MARKER = '<!-- gateway:begin -->';
export const END_MARKER = '<!-- gateway:end -->';

const CROSSCANAL = 'crosscanal';
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const mib1 = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The resident memory's range after the soak's warm-up, before the collections the samples force. */
function rssRange(soak: SoakFigure): string {
  const after = soak.samples.filter((s) => s.atSeconds >= soak.seconds / 5).map((s) => s.rss);
  return after.length > 0 ? `between ${mib(Math.min(...after))} and ${mib(Math.max(...after))} after warm-up` : 'no sample after warm-up';
}
const signed = (ms: number) => `${ms < 0 ? '−' : '+'}${fmt(Math.abs(ms), 2)} ms`;
/** How the header says what the measured processes ran. */
const CODE_RUN = {
  compiled: ' (the project compiled to JavaScript as the image builds it, `--code compiled`)',
  source: ' (the TypeScript sources under tsx, `--code source`)',
} as const;
const thousands = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-GB') : '–');

function find(report: GatewayBenchReport, latencyMs: number, workload: string, target: string): Summary | undefined {
  return report.summary.find((s) => s.latencyMs === latencyMs && s.workload === workload && s.target === target);
}

/** `target`'s req/s over `other`'s on one workload; undefined when either was not loaded. */
function ratio(report: GatewayBenchReport, latencyMs: number, workload: string, target: string, other: string): number | undefined {
  const a = find(report, latencyMs, workload, target);
  const b = find(report, latencyMs, workload, other);
  return a && b && b.rps > 0 ? a.rps / b.rps : undefined;
}

function ratioVerdict(report: GatewayBenchReport, target: string, mine: string, other: string, at: number): Verdict {
  const list = report.workloads.flatMap((w) => {
    const r = ratio(report, 0, w.name, mine, other);
    return r === undefined ? [] : [{ workload: w.name, r }];
  });
  if (list.length === 0) return { target, met: null, detail: `not run (needs ${mine} and ${other} at 0 ms)` };
  return { target, met: list.every((x) => x.r >= at), detail: list.map((x) => `${x.workload} ${fmt(x.r, 2)}×${x.r < at ? ' (MISSED)' : ''}`).join(', ') };
}

const THROUGHPUT_APOLLO = 'throughput, no legacy latency, response cache off: ≥ 2× stock @apollo/gateway on every workload';
const THROUGHPUT_HIVE = 'throughput, no legacy latency, response cache off: ≥ 1× Hive Gateway on every workload';
const THROUGHPUT_WARM = 'throughput with warm caches: ≥ 5× stock @apollo/gateway';
const SERIAL = 'one request at a time: Crosscanal adds no more latency over the floor than bare @apollo/gateway';
const CALLS = 'legacy calls per operation flat as lists grow (10 / 100 / 1,000 items), ≤ one per legacy system per plan step';
const SOAK = 'gateway memory steady over a 5-minute soak (≤ 10 % growth after warm-up)';

/** Issue 14's targets, judged on this run. */
export function verdicts(report: GatewayBenchReport): Verdict[] {
  const out: Verdict[] = [];
  const has = (name: string) => report.targets.some((t) => t.name === name);
  const zero = report.options.latencies.includes(0);
  const slow = report.options.latencies.find((l) => l > 0);

  out.push(ratioVerdict(report, THROUGHPUT_APOLLO, CROSSCANAL, 'apollo', 2));
  out.push(has('hive') ? ratioVerdict(report, THROUGHPUT_HIVE, CROSSCANAL, 'hive', 1) : { target: THROUGHPUT_HIVE, met: null, detail: 'not run (Hive not installed under bench/gateway, or not among the targets)' });
  const warm = ratioVerdict(report, THROUGHPUT_WARM, WARM, 'apollo', 5);
  if (!report.responseCacheVariable && warm.met !== null) warm.detail += '; gateway/config.ts does not read GATEWAY_RESPONSE_CACHE yet: only the subgraphs\' caches were on';
  out.push(warm);

  if (zero && has('floor') && has('apollo') && has(CROSSCANAL)) {
    const rows = report.workloads.flatMap((w) => {
      const floor = find(report, 0, w.name, 'floor');
      const apollo = find(report, 0, w.name, 'apollo');
      const mine = find(report, 0, w.name, CROSSCANAL);
      return floor && apollo && mine ? [{ workload: w.name, mine: mine.serialP50Ms - floor.serialP50Ms, apollo: apollo.serialP50Ms - floor.serialP50Ms }] : [];
    });
    out.push({
      target: SERIAL,
      met: rows.length ? rows.every((r) => r.mine <= r.apollo) : null,
      detail: rows.map((r) => `${r.workload} ${signed(r.mine)} vs ${signed(r.apollo)}${r.mine > r.apollo ? ' (MISSED)' : ''}`).join(', '),
    });
  } else {
    out.push({ target: SERIAL, met: null, detail: 'not run (needs floor, apollo and crosscanal at 0 ms)' });
  }

  if (slow !== undefined && has(CROSSCANAL)) {
    const rows = report.workloads
      .filter((w) => w.planDepth > 0)
      .flatMap((w) => {
        const s = find(report, slow, w.name, CROSSCANAL);
        const floor = find(report, slow, w.name, 'floor');
        return s ? [{ workload: w.name, depth: w.planDepth, p50: s.serialP50Ms, floorP50: floor?.serialP50Ms, loadP50: s.p50Ms, loadP99: s.p99Ms }] : [];
      });
    const p50ok = (r: (typeof rows)[number]) => Math.abs(r.p50 - r.depth * slow) <= 10;
    const p99ok = (r: (typeof rows)[number]) => r.loadP99 <= 2 * r.loadP50;
    out.push({
      target: `with ${slow} ms per legacy call: p50 within 10 ms of plan depth × ${slow} ms (one request at a time)`,
      met: rows.length > 0 ? rows.every(p50ok) : null,
      detail:
        rows.map((r) => `${r.workload} ${fmt(r.p50, 1)} ms${r.floorP50 === undefined ? '' : ` (floor ${fmt(r.floorP50, 1)})`} vs ${r.depth} × ${slow} = ${r.depth * slow} ms${p50ok(r) ? '' : ' (MISSED)'}`).join(', ') +
        '; a subgraph fetch may make several legacy calls one after another, which the floor pays too',
    });
    out.push({
      target: `with ${slow} ms per legacy call: p99 ≤ 2 × p50 (under load)`,
      met: rows.length > 0 ? rows.every(p99ok) : null,
      detail: rows.map((r) => `${r.workload} p99 ${fmt(r.loadP99)} / p50 ${fmt(r.loadP50)} ms${p99ok(r) ? '' : ' (MISSED)'}`).join(', '),
    });
  } else {
    out.push({ target: 'with 20 ms per legacy call: p50 within 10 ms of plan depth × 20 ms, p99 ≤ 2 × p50', met: null, detail: 'not run (`--latencies 0,20`)' });
  }

  const mine = report.calls.filter((c) => c.target === CROSSCANAL && !c.refused);
  if (mine.length > 0) {
    const problems: string[] = [];
    for (const w of report.workloads) {
      const rows = mine.filter((c) => c.workload === w.name);
      if (rows.length === 0) continue;
      if (new Set(rows.map((r) => JSON.stringify(r.bySystem))).size > 1) problems.push(`${w.name} grows with the list (${rows.map((r) => `${r.effective} items: ${r.total}`).join(', ')})`);
      const over = rows.filter((r) => Object.values(r.bySystem).some((n) => n > w.fetches));
      if (over.length > 0) problems.push(`${w.name} over one call per system per plan step (${w.fetches} steps): ${JSON.stringify(over[0]!.bySystem)}`);
    }
    const refused = report.calls.filter((c) => c.target === CROSSCANAL && c.refused);
    out.push({
      target: CALLS,
      met: problems.length === 0,
      detail: (problems.length ? problems.join('; ') : 'flat on every workload measured') + (refused.length ? `; refused by the gateway: ${refused.map((r) => `${r.workload} at ${r.asked} (${r.refused})`).join(', ')}` : ''),
    });
  } else {
    out.push({ target: CALLS, met: null, detail: 'not measured' });
  }

  const soaked = report.soak.find((s) => s.target === CROSSCANAL);
  const short = soaked && soaked.seconds < 300 ? ', shorter than the 5 minutes asked' : '';
  out.push(
    !soaked
      ? { target: SOAK, met: null, detail: 'not run (`--soak 300`)' }
      : soaked.heapGrowth !== undefined
        ? {
            // Taken on what the gateway retains: resident memory follows V8's collections up and down.
            target: SOAK,
            met: soaked.heapGrowth <= 0.1,
            detail:
              `${soaked.seconds} s: heap used after a full collection ${mib1(soaked.warmHeap!)} after warm-up → ${mib1(soaked.finalHeap!)} (${fmt(soaked.heapGrowth * 100, 1)} %); ` +
              `resident ${mib(soaked.warmRss)} → ${mib(soaked.finalRss)} (${fmt(soaked.growth * 100, 1)} %), ${rssRange(soaked)}${short}`,
          }
        : {
            target: SOAK,
            met: soaked.growth <= 0.1,
            detail: `${soaked.seconds} s: ${mib(soaked.warmRss)} after warm-up → ${mib(soaked.finalRss)} (${fmt(soaked.growth * 100, 1)} %)${short}`,
          },
  );
  return out;
}

const mark = (met: boolean | null) => (met === null ? 'not measured' : met ? 'met' : '**MISSED**');

const SYSTEM_SHORT = { ecommerce: 'e', loyalty: 'l', pos: 'p', catalogue: 'c' } as const;

/** Legacy calls per operation: a row per workload and target, a column per list size. */
function callsTable(report: GatewayBenchReport): string[] {
  const sizes = report.options.callSizes;
  const label = (name: string) => report.targets.find((t) => t.name === name)?.label ?? name;
  const lines = [
    `| workload | plan steps | target | ${sizes.map((n) => `${thousands(n)} items asked`).join(' | ')} | flat |`,
    `| --- | --- | --- | ${sizes.map(() => '---').join(' | ')} | --- |`,
  ];
  for (const w of report.workloads) {
    const targets = [...new Set(report.calls.filter((c) => c.workload === w.name).map((c) => c.target))];
    for (const target of targets) {
      const row = sizes.map((n) => report.calls.find((c) => c.workload === w.name && c.target === target && c.asked === n));
      const cell = (c: CallFigure | undefined) => {
        if (!c) return '';
        if (c.refused) return `refused (${c.refused})`;
        const parts = (Object.keys(SYSTEM_SHORT) as Array<keyof typeof SYSTEM_SHORT>).filter((s) => c.bySystem[s] > 0).map((s) => `${SYSTEM_SHORT[s]} ${c.bySystem[s]}`);
        return `**${c.total}** (${parts.join(', ') || 'none'}; ${thousands(c.effective)} answered)`;
      };
      const counted = row.filter((c): c is CallFigure => c !== undefined && !c.refused);
      const flat = counted.length < 2 ? '' : new Set(counted.map((c) => JSON.stringify(c.bySystem))).size === 1 ? 'yes' : '**no**';
      lines.push(`| ${w.title} | ${w.fetches} | ${label(target)} | ${row.map(cell).join(' | ')} | ${flat} |`);
    }
  }
  return lines;
}

/** What the Crosscanal rows are held to, beside their figures. */
function targetNote(report: GatewayBenchReport, latencyMs: number, workload: string, target: string): string {
  if (latencyMs !== 0) return '';
  const judged = (r: number | undefined, at: number, other: string) => (r === undefined ? '' : `≥ ${at}× ${other}: ${r >= at ? 'met' : '**MISSED**'}`);
  if (target === CROSSCANAL) {
    return [judged(ratio(report, 0, workload, CROSSCANAL, 'apollo'), 2, 'Apollo'), judged(ratio(report, 0, workload, CROSSCANAL, 'hive'), 1, 'Hive')].filter(Boolean).join('; ');
  }
  if (target === WARM) return judged(ratio(report, 0, workload, WARM, 'apollo'), 5, 'Apollo');
  return '';
}

/** The gateway section of bench/RESULTS.md (without the markers). */
export function formatMarkdown(report: GatewayBenchReport, { chart }: { chart?: string } = {}): string {
  const o = report.options;
  const out: string[] = [];
  const label = (name: string) => report.targets.find((t) => t.name === name)?.label ?? name;
  out.push('## Gateway: Crosscanal against the floor, stock @apollo/gateway and Hive Gateway', '');
  out.push('```', report.command, '```', '');
  out.push(
    `Run ${report.date.slice(0, 16).replace('T', ' ')} UTC on commit \`${report.commit.slice(0, 12)}\` (plus the working tree's changes, if any); ${report.machine.cpus} cores (${report.machine.cpuModel}), ${mib(report.machine.totalMemory)}, Node.js ${report.machine.node.slice(1)}${report.machine.nodeEnv ? ` with NODE_ENV=${report.machine.nodeEnv}` : ''} in every measured process${CODE_RUN[report.machine.code ?? 'source']}, ${report.machine.platform}. ` +
      `Load average (1 / 5 / 15 min) ${report.machine.load.atStart.map((l) => l.toFixed(2)).join(' / ')} at the start, ${report.machine.load.atEnd.map((l) => l.toFixed(2)).join(' / ')} at the end; the load generator, the targets, the subgraphs and the stand-ins share the machine's cores. ${fmt(report.elapsedSeconds / 60, 1)} minutes in all.`,
    '',
  );
  out.push(
    `Estate: ${report.estate.scale} scale, seed \`${report.estate.seed}\` (\`${report.estate.dataDir}\`); the crosswalk on ${o.database === 'postgresql' ? 'PostgreSQL' : 'PGlite'}. ` +
      `Each cell: every identifier once (unmeasured: the caches and query plans hold them whichever target came before), ${o.warmup} s warm-up, ${o.duration} s of load from ${o.connections} connections (${report.generator}, its own process, loopback), then ${o.serialSeconds} s one request at a time; ${o.rounds} round${o.rounds > 1 ? 's' : ''}, every target in turn for each workload in each round (A, B, C, D, A, B, C, D…), medians shown. ${o.workers} worker process${o.workers > 1 ? 'es' : ''} per target. ` +
      `Durations: \`--duration\`, \`--warmup\`, \`--serial\`, \`--rounds\`, \`--soak\` (or \`BENCH_GATEWAY_DURATION\`, \`_WARMUP\`, \`_SERIAL\`, \`_ROUNDS\`, \`_SOAK\`); \`--help\` lists the rest.`,
    '',
  );
  out.push(
    `Caches (\`--subgraph-caches ${o.subgraphCaches}\`): the legacy subgraphs' cross-request caches are ${o.latencies.map((l) => `${subgraphCachesAt(o.subgraphCaches, l) ? 'on' : 'off'} at ${l} ms`).join(', ')} while the floor, Apollo, Hive and Crosscanal are loaded: on, the subgraphs answer as deployed and the gateways are what is measured (off, the stand-ins cap every target alike); off, every request pays the legacy latency (the crosswalk keeps its in-process order views, which have no switch). The Crosscanal gateway runs with its response cache off (\`GATEWAY_RESPONSE_CACHE=off\`) but for the warm variant, which has it and the subgraphs' caches on, filled by the warm-up. The legacy-calls table runs with the subgraphs' caches off. ` +
      (o.posPoolSize ? `The POS subgraph's pool to the tills holds ${o.posPoolSize} connections (\`--pos-pool\`; 10 by default as deployed, \`SUBGRAPH_POS_POOL_SIZE\`): at 20 ms a statement, 10 connections give 500 statements a second, which capped every target alike on the product page under load. ` : '') +
      `Each request takes one of ${o.pool} identifiers per workload at random (\`--pool\`), so that concurrent requests ask for different things, as real traffic does: a gateway that merges identical in-flight subgraph fetches (Crosscanal's and Hive's do) would otherwise skip most of the work under load. A workload with fewer identifiers than that (the category page: only so many large categories) repeats them, as a shop's busiest pages are: the Crosscanal gateway coalesces a query identical to one in flight for the same principal (\`GATEWAY_COALESCE_REQUESTS\`, on by default) and its sharing of fetches merges the rest.`,
    '',
  );
  out.push('Targets, each in its own process:', '');
  for (const t of report.targets) {
    out.push(`- **${t.label}** (\`${t.name}\`): ${t.description}${t.name === WARM ? ', with its response cache and the subgraphs\' caches on' : ''}${Object.keys(t.env).length ? ` (env ${Object.entries(t.env).map(([k, v]) => `\`${k}=${v}\``).join(', ')})` : ''}.`);
  }
  out.push(
    '',
    'All act as one principal (role `service`): the floor, Apollo and Hive send a grant signed once for the run; the Crosscanal gateway verifies a bearer token and signs a grant of its own per request. The partner day needs the Crosscanal gateway\'s operation limits raised (one root field and alias per receipt); the other gateways have no such limits.',
    '',
  );
  out.push('Workloads (plan depth = fetches one after another in Apollo\'s plan; steps = fetches in all):', '');
  for (const w of report.workloads) out.push(`- **${w.title}** (\`${w.name}\`, depth ${w.planDepth}, ${w.fetches} steps${w.connections !== o.connections ? `, ${w.connections} connections` : ''}): ${w.description}.`);
  out.push('');
  out.push('### Targets of issue 14', '', '| target | verdict | figures |', '| --- | --- | --- |');
  for (const v of verdicts(report)) out.push(`| ${v.target} | ${mark(v.met)} | ${v.detail} |`);
  out.push('');
  if (chart) out.push(`![requests per second per workload and target, each workload on its own scale](${chart})`, '');
  const wrong = report.correctness.filter((c) => !c.same || c.errors > 0);
  out.push(
    '### Same answers',
    '',
    wrong.length === 0
      ? `Every workload returned the floor's data through every target, without errors (${report.correctness.length} checks).`
      : `Checks against the floor's data: ${report.correctness.length - wrong.length} of ${report.correctness.length} alike. Differences: ${wrong.map((c) => `${c.workload} through ${label(c.target)}${c.same ? '' : ' (other data)'}${c.note ? `: ${c.note.replace(/\|/g, '\\|')}` : ''}`).join('; ')}.`,
    '',
  );
  for (const latencyMs of o.latencies) {
    out.push(`### ${latencyMs === 0 ? 'No legacy latency' : `${latencyMs} ms per legacy call`}`, '');
    out.push(
      '| workload | target | req/s | × Apollo | p50 | p99 | one at a time p50 (p99) | adds over floor | RSS (max) | failed | issue 14 |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const w of report.workloads) {
      const floor = find(report, latencyMs, w.name, 'floor');
      for (const t of report.targets) {
        const s = find(report, latencyMs, w.name, t.name);
        if (!s) continue;
        const adds = floor && t.name !== 'floor' ? signed(s.serialP50Ms - floor.serialP50Ms) : '';
        const vsApollo = t.name === 'apollo' ? '' : ratio(report, latencyMs, w.name, t.name, 'apollo');
        out.push(
          `| ${w.title} | ${t.label} | ${thousands(s.rps)} | ${typeof vsApollo === 'number' ? `${fmt(vsApollo, 2)}×` : ''} | ${fmt(s.p50Ms)} ms | ${fmt(s.p99Ms)} ms | ${fmt(s.serialP50Ms, 2)} (${fmt(s.serialP99Ms, 1)}) ms | ${adds} | ${mib(s.rssMax)} | ${s.failed} | ${targetNote(report, latencyMs, w.name, t.name)} |`,
        );
      }
    }
    out.push('');
    out.push(...pausesTable(report, latencyMs));
  }
  out.push(
    '### Legacy calls per operation',
    '',
    'One operation per cell, the stand-ins\' counters reset before it, no injected latency, the subgraphs\' caches off. Cells: calls in all (**bold**), then per system (e = e-commerce REST, l = loyalty SOAP, p = POS SQL, c = catalogue PIM), then the items the answer held: `first:` is clamped to what each field accepts (50 stores, 500 products), the customer has only so many orders, the partner day\'s franchise only so many receipts that day. Plan steps are the fetches in Apollo\'s plan: for the partner day, one catalogue entity fetch per aliased receipt, since Apollo\'s planner does not merge entity fetches across root fields; stock @apollo/gateway sends each, where Hive Gateway\'s planner merges them and the Crosscanal gateway (on Apollo\'s planner) sends those of one step that ask a subgraph the same as one fetch.',
    '',
  );
  out.push(...callsTable(report), '');
  if (report.soak.length > 0) {
    out.push(
      '### Soak',
      '',
      'Resident memory is read as the load leaves it; then each of the target\'s processes runs a full collection (`--expose-gc`) and reports the heap it still uses: what the gateway retains. The verdict is taken on that heap: resident memory rises while V8 lets its heap grow with the allocation rate and falls at each full collection, whatever is retained.',
      '',
      '| target | seconds | RSS at start | after warm-up (first fifth) | at the end | RSS range after warm-up | growth | heap used after GC: after warm-up | at the end | growth |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const s of report.soak) {
      const heap = s.heapGrowth !== undefined ? `${mib1(s.warmHeap!)} | ${mib1(s.finalHeap!)} | ${fmt(s.heapGrowth * 100, 1)} %` : '– | – | –';
      out.push(`| ${label(s.target)} | ${s.seconds} | ${mib(s.samples[0]!.rss)} | ${mib(s.warmRss)} | ${mib(s.finalRss)} | ${rssRange(s).replace(' after warm-up', '')} | ${fmt(s.growth * 100, 1)} % | ${heap} |`);
    }
    out.push('');
  }
  out.push(`Full figures, every cell and round: \`bench/results/gateway-${report.estate.scale}.json\`.`);
  return out.join('\n');
}

const COLOURS: Readonly<Record<string, string>> = { floor: '#9e9e9e', apollo: '#3f51b5', hive: '#f9a825', crosscanal: '#2e7d32', [WARM]: '#81c784' };
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Small multiples of requests per second: a row per workload, a column per legacy latency,
 * horizontal bars per target, each panel on its own scale (the workloads differ by orders of
 * magnitude), the value and the ratio to stock Apollo written on each bar. Plain SVG.
 */
export function formatChart(report: GatewayBenchReport): string {
  const targets = report.targets;
  const latencies = report.options.latencies;
  const workloads = report.workloads.filter((w) => report.summary.some((s) => s.workload === w.name));
  const bar = 16;
  const gap = 4;
  const labelWidth = 190;
  const barWidth = 300;
  const panelWidth = labelWidth + barWidth + 120;
  const panelHeight = 26 + targets.length * (bar + gap) + 12;
  const top = 64;
  const width = 20 + latencies.length * panelWidth;
  const height = top + workloads.length * panelHeight + 20;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  parts.push('<rect width="100%" height="100%" fill="white"/>');
  parts.push(`<text x="10" y="22" font-size="16" font-weight="bold">Gateway throughput: requests per second, median of ${report.options.rounds} round${report.options.rounds > 1 ? 's' : ''}</text>`);
  parts.push(
    `<text x="10" y="42" fill="#555">${escape(`${report.estate.scale} estate, ${report.options.connections} connections, ${report.options.duration} s per cell, ${report.machine.cpus} cores, load average ${report.machine.load.atStart[0]!.toFixed(1)} at the start; ${report.date.slice(0, 10)}. Longer is better; each panel has its own scale.`)}</text>`,
  );
  latencies.forEach((latencyMs, column) => {
    const x0 = 10 + column * panelWidth;
    parts.push(`<text x="${x0}" y="${top - 4}" font-size="14" font-weight="bold">${latencyMs === 0 ? 'No legacy latency' : `${latencyMs} ms per legacy call`}</text>`);
    workloads.forEach((w, row) => {
      const y0 = top + row * panelHeight;
      const cells = targets.map((t) => find(report, latencyMs, w.name, t.name));
      const max = Math.max(1, ...cells.map((s) => s?.rps ?? 0));
      parts.push(`<rect x="${x0}" y="${y0 + 4}" width="${panelWidth - 16}" height="${panelHeight - 8}" fill="${row % 2 ? '#fafafa' : '#f3f3f3'}"/>`);
      parts.push(`<text x="${x0 + 6}" y="${y0 + 20}" font-weight="bold">${escape(w.title)}</text>`);
      targets.forEach((t, i) => {
        const s = cells[i];
        const y = y0 + 26 + i * (bar + gap);
        parts.push(`<text x="${x0 + labelWidth - 6}" y="${y + bar - 4}" text-anchor="end">${escape(t.label)}</text>`);
        if (!s) return;
        const length = Math.max(1, (s.rps / max) * barWidth);
        const r = t.name === 'apollo' ? undefined : ratio(report, latencyMs, w.name, t.name, 'apollo');
        const text = `${thousands(s.rps)}${r === undefined ? '' : `  (${fmt(r, 2)}× Apollo)`}`;
        parts.push(`<rect x="${x0 + labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${bar}" fill="${COLOURS[t.name] ?? '#555'}"><title>${escape(`${t.label}, ${w.title}: ${s.rps.toFixed(1)} req/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms`)}</title></rect>`);
        parts.push(`<text x="${(x0 + labelWidth + length + 4).toFixed(1)}" y="${y + bar - 4}" fill="#222">${escape(text)}</text>`);
      });
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * Writes `section` between the gateway markers of the results file, leaving the rest as it is;
 * the markers are added at the end when the file has none.
 */
export async function writeSection(path: string, section: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    text = '# Benchmark results\n';
  }
  const block = `${BEGIN_MARKER}\n${section.trim()}\n${END_MARKER}`;
  const begin = text.indexOf(BEGIN_MARKER);
  const end = text.indexOf(END_MARKER);
  if (begin >= 0 && end > begin) {
    text = text.slice(0, begin) + block + text.slice(end + END_MARKER.length);
  } else {
    if (begin >= 0 || end >= 0) throw new Error(`${path} has only one of the gateway markers: fix it by hand`);
    text = `${text.trimEnd()}\n\n${block}\n`;
  }
  await writeFile(path, text);
}

/**
 * Where requests under load waited on pauses: per workload and target, the medians over rounds
 * of each process's timer lateness (99th percentile, and worst) and time in garbage collection
 * per second of load (and the longest collection). Empty for a run that did not sample them.
 */
function pausesTable(report: GatewayBenchReport, latencyMs: number): string[] {
  const cells = report.cells.filter((c) => c.latencyMs === latencyMs && c.pauses);
  if (cells.length === 0) return [];
  const out = [
    `Pauses under load (${latencyMs === 0 ? 'no legacy latency' : `${latencyMs} ms per legacy call`}): how late each process ran its timers, 99th percentile (worst), and its time in garbage collection per second of load (longest collection), medians over rounds; every request in flight waits out a pause of a process on its path.`,
    '',
    '| workload | target | target: timers late | target: GC | subgraphs: timers late | subgraphs: GC | stand-ins: timers late | stand-ins: GC |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const late = (mine: typeof cells, role: 'target' | 'subgraphs' | 'estate') =>
    `${fmt(median(mine.map((c) => c.pauses![role].loopP99Ms)))} (${fmt(median(mine.map((c) => c.pauses![role].loopMaxMs)))}) ms`;
  const gc = (mine: typeof cells, role: 'target' | 'subgraphs' | 'estate') =>
    `${fmt(median(mine.map((c) => (1000 * c.pauses![role].gcMs) / Math.max(1, c.pauses![role].spanMs))))} ms/s (${fmt(median(mine.map((c) => c.pauses![role].gcMaxMs)))} ms)`;
  for (const w of report.workloads) {
    for (const t of report.targets) {
      const mine = cells.filter((c) => c.workload === w.name && c.target === t.name);
      if (mine.length === 0) continue;
      out.push(`| ${w.title} | ${t.label} | ${late(mine, 'target')} | ${gc(mine, 'target')} | ${late(mine, 'subgraphs')} | ${gc(mine, 'subgraphs')} | ${late(mine, 'estate')} | ${gc(mine, 'estate')} |`);
    }
  }
  out.push('');
  return out;
}
