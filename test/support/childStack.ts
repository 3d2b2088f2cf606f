import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDevIssuer, type DevIssuer } from '../../gateway/devIssuer.js';

/** The child keeps its SQL where this process's tests do (`testDatabase.ts`). */
const databaseEnv = (): Record<string, string> => (process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {});

const ENTRY = fileURLToPath(new URL('./stackChild.ts', import.meta.url));

export interface ChildStack {
  /** The gateway's URL. */
  url: string;
  subgraphs: Record<string, string>;
  /** Base URLs of the stand-ins' admin endpoints (`/__admin/faults`, `/__admin/calls`). */
  admin: { ecommerce: string; loyalty: string; pos: string; catalogue: string };
  /** The estate's folder (its JSON Lines, the ground truth). */
  dataDir: string;
  pid: number;
  /** Signs tokens the child's gateway accepts. */
  tokens: DevIssuer;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** Resident memory of the child, in bytes (from /proc). */
  rss(): Promise<number>;
  /**
   * What the child's heap and buffers hold, in bytes, after a full collection (start the child
   * with `nodeArgs: ['--expose-gc']`; without it the figure includes garbage, and this says so by throwing).
   */
  retained(): Promise<number>;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the whole graph (`test/support/stackChild.ts`) in a child process on port 0 over a
 * generated estate, and resolves once it is ready. `nodeArgs` go before the entry (`--import`
 * a preload, `--max-old-space-size`…); `env` adds to a clean environment (PATH, and DATABASE_URL when the tests have one).
 */
export async function startChildStack({
  scale = 'tiny',
  env = {},
  nodeArgs = [],
  readyTimeoutMs = 120_000,
}: { scale?: 'tiny' | 'demo'; env?: Record<string, string>; nodeArgs?: string[]; readyTimeoutMs?: number } = {}): Promise<ChildStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'crosscanal-child-'));
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ENTRY], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...databaseEnv(), ...env, STACK_DATA_DIR: dataDir, STACK_SCALE: scale },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let ready: { gateway: string; subgraphs: Record<string, string>; admin: ChildStack['admin'] };
  try {
    ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the child stack was not ready in ${readyTimeoutMs} ms:\n${output.slice(-2000)}`)), readyTimeoutMs);
      const look = () => {
        const line = /^READY (.*)$/m.exec(output);
        if (!line) return;
        clearTimeout(timer);
        child.stdout.off('data', look);
        resolve(JSON.parse(line[1]!));
      };
      child.stdout.on('data', look);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the child stack exited with ${code} before it was ready:\n${output.slice(-2000)}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const tokens = await openDevIssuer(join(dataDir, 'dev-issuer'));
  return {
    url: ready.gateway,
    subgraphs: ready.subgraphs,
    admin: ready.admin,
    dataDir,
    pid: child.pid!,
    tokens,
    output: () => output,
    async rss() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024;
    },
    async retained() {
      const from = output.length;
      child.kill('SIGUSR2');
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        const line = /^MEMORY (.*)$/m.exec(output.slice(from));
        if (line) {
          const memory = JSON.parse(line[1]!) as { heapUsed: number; external: number; collected: boolean };
          if (!memory.collected) throw new Error('the child runs without --expose-gc: its heap figure would include garbage');
          return memory.heapUsed + memory.external;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`the child did not report its memory within 10 s:\n${output.slice(-2000)}`);
    },
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      await rm(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
