import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root: every child runs there, so that relative paths mean the same. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The compiled counterpart (compiled.ts) of a TypeScript entry under the project. */
export function compiledEntry(compiledRoot: string, entry: string): string {
  return join(compiledRoot, relative(ROOT, entry)).replace(/\.ts$/, '.js');
}

/** A message between the benchmark and a child: a `type` and whatever goes with it. */
export interface Typed {
  type: string;
  [field: string]: unknown;
}

/** In a child: sends over IPC and waits until the message is handed over (an exit right after would lose it). */
export function sendMessage(message: Typed): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

/** In a child: the first message from the parent that `accept` takes. */
export function messageOnce<T extends Typed>(accept: (message: Typed) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Typed) => {
      if (!accept(message)) return;
      process.off('message', onMessage);
      resolve(message as T);
    };
    process.on('message', onMessage);
    process.once('disconnect', () => reject(new Error('the benchmark went away')));
  });
}

/** A target's memory, summed over its processes (see `targetChild.ts`), in bytes. */
export interface MemoryFigure {
  /** Resident, read before the collection. */
  rss: number;
  /** Resident, and the heap's figures, after a full collection. */
  rssAfterGc: number;
  /** 0 when the process could not collect (not started with `--expose-gc`). */
  heapUsedAfterGc: number;
  heapTotalAfterGc: number;
  externalAfterGc: number;
  processes: number;
}

/** A child process of the benchmark, spoken to over IPC. */
export interface Child {
  process: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
  /** The next message of `type` (a `failed` message, or the child's exit, rejects). */
  next<T extends Typed>(type: string, timeoutMs?: number): Promise<T>;
  send(message: Typed): void;
  /** Everything the child wrote to stderr, last 8 KiB. */
  errors(): string;
  /** Asks it to stop (`stop` message, then SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * What the measured processes run on: a Node.js binary and the environment that goes with it
 * (`NODE_ENV`), the same for every process of a run, whatever runs the harness itself.
 */
export interface ChildRuntime {
  node: string;
  env: Record<string, string>;
  /** The project compiled to JavaScript (compiled.ts), run without a TypeScript loader; absent: the sources under tsx. */
  compiled?: string;
}

/** The harness's own Node.js, its environment unchanged. */
export const CURRENT_RUNTIME: ChildRuntime = { node: process.execPath, env: {} };

/**
 * Starts `entry` (a TypeScript file) with an IPC channel: its compiled counterpart when the
 * runtime has a compiled tree, else the source under tsx; stdout is passed through when `verbose`.
 */
export function spawnChild(
  entry: string,
  { args = [], env = {}, execArgv = [], verbose = false, runtime = CURRENT_RUNTIME }: { args?: string[]; env?: NodeJS.ProcessEnv; execArgv?: string[]; verbose?: boolean; runtime?: ChildRuntime } = {},
): Child {
  const program = runtime.compiled ? [compiledEntry(runtime.compiled, entry)] : ['--import', 'tsx', entry];
  const child = spawn(runtime.node, [...execArgv, ...program, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...runtime.env, ...env },
    stdio: ['ignore', verbose ? 'inherit' : 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8192);
    if (verbose) process.stderr.write(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  return {
    process: child,
    pid: child.pid!,
    exited,
    next<T extends Typed>(type: string, timeoutMs = 600_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`${entry}: no ${type} message in ${timeoutMs} ms\n${stderr.slice(-2000)}`)), timeoutMs);
        const onMessage = (message: Typed & { message?: string }) => {
          if (message.type === type) finish(undefined, message as T);
          else if (message.type === 'failed') finish(new Error(`${entry} failed: ${message.message}`));
        };
        const finish = (error?: Error, value?: T) => {
          clearTimeout(timer);
          child.off('message', onMessage);
          if (error) reject(error);
          else resolve(value!);
        };
        child.on('message', onMessage);
        void exited.then((code) => finish(new Error(`${entry} exited with ${String(code)} before sending ${type}\n${stderr.slice(-2000)}`)));
      });
    },
    send(message) {
      if (child.connected) child.send(message);
    },
    errors: () => stderr,
    async stop(graceMs = 20_000) {
      if (gone) return;
      if (child.connected) child.send({ type: 'stop' });
      const term = setTimeout(() => child.kill('SIGTERM'), graceMs);
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs + 5000);
      await exited;
      clearTimeout(term);
      clearTimeout(kill);
    },
  };
}

/** Resident memory of a process, in bytes, from /proc; 0 when it is gone or /proc is not there. */
export async function rssOf(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}
