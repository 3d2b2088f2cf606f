import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isCurrentFormat, readManifest, type Manifest } from '../legacy/generator/files.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GENERATOR = fileURLToPath(new URL('../legacy/generator/cli.ts', import.meta.url));

/** A generation this run did, as the generator reported it. */
export interface Generation {
  wallMs: number;
  /** The generator's own summary line: counts, time to generate and to write, peak RSS. */
  summary: string;
}

export interface BenchEstate {
  manifest: Manifest;
  /** Null when the folder already held an estate. */
  generation: Generation | null;
}

/**
 * The estate in `dir`: reused when the folder holds one of the same scale, seed and format, else
 * generated there by the generator's own command in a process of its own (its peak memory
 * is its own, not the benchmark's). A folder holding another estate is refused rather than
 * overwritten.
 */
export async function ensureBenchEstate(dir: string, scale: string, seed: string): Promise<BenchEstate> {
  const existing = await readManifest(dir);
  if (existing) {
    if (existing.scale !== scale || existing.seed !== seed) {
      throw new EstateMismatch(
        `${dir} holds a ${existing.scale} estate with seed ${JSON.stringify(existing.seed)}, not ${scale} with seed ${JSON.stringify(seed)}: ` +
          'give another --data folder, or the scale and seed it holds',
      );
    }
    // An estate written by an older generator is made again, in place: same scale and seed.
    if (isCurrentFormat(existing)) return { manifest: existing, generation: null };
  }
  const started = performance.now();
  const summary = await runGenerator(['--scale', scale, '--seed', seed, '--out', dir]);
  const manifest = await readManifest(dir);
  if (!manifest) throw new Error(`the generator ended without writing ${dir}/manifest.json`);
  return { manifest, generation: { wallMs: performance.now() - started, summary } };
}

/** The folder holds an estate other than the one asked for. */
export class EstateMismatch extends Error {}

function runGenerator(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', GENERATOR, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(out.trim());
      else reject(new Error(`the generator exited with ${String(code)}: ${(err || out).trim().slice(0, 500)}`));
    });
  });
}
