import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { CommandIo } from './command.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCommand {
  child: ChildProcess;
  /** What it has written so far. */
  output(): { stdout: string; stderr: string };
  exited: Promise<CommandResult>;
}

/**
 * Starts a TypeScript command as its own process (`node --import tsx`), from the project's
 * root, with PATH and `env` as its whole environment: nothing of the caller's (DATABASE_URL
 * above all) leaks in.
 */
export function startCommand(file: string | URL, args: readonly string[], env: Record<string, string> = {}): RunningCommand {
  const path = typeof file === 'string' ? file : fileURLToPath(file);
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<CommandResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, output: () => ({ stdout, stderr }), exited };
}

/** Runs a command to its end; see {@link startCommand}. */
export function runCommand(file: string | URL, args: readonly string[], env: Record<string, string> = {}): Promise<CommandResult> {
  return startCommand(file, args, env).exited;
}

/** A command's in-process entry: its arguments, its whole environment, where it writes. */
export type CommandMain = (argv: readonly string[], env: NodeJS.ProcessEnv, io: CommandIo) => Promise<number>;

/**
 * Runs a command's `main` in this process with `env` as its whole environment, collecting
 * what it writes: the same result as {@link runCommand} without a process of its own.
 */
export async function runInProcess(main: CommandMain, args: readonly string[], env: Record<string, string> = {}): Promise<Omit<CommandResult, 'signal'>> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { ...env }, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

/** Drops a throw-away schema a test made on a real PostgreSQL. */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
