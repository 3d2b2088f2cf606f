import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A stand-in running as its own process (`legacy/<system>/index.ts`), for tests that kill it. */
export interface StandInProcess {
  /** The groups of the `ready` pattern in the line the process printed once it listened. */
  ready: RegExpExecArray;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGKILL: no handler runs, nothing is flushed or closed; resolves once it has exited. */
  kill(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Starts `entry` (a path from the repository's root) with `tsx`, in a clean environment
 * (PATH and `env` only), and resolves once its output matches `ready`.
 */
export async function startStandInProcess(entry: string, env: Record<string, string>, ready: RegExp, timeoutMs = 60_000): Promise<StandInProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    const match = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${entry} was not ready in ${timeoutMs} ms:\n${output}`)), timeoutMs);
      const look = () => {
        const found = ready.exec(output);
        if (!found) return;
        clearTimeout(timer);
        child.stdout.off('data', look);
        resolve(found);
      };
      child.stdout.on('data', look);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${entry} exited before it was ready:\n${output}`));
      });
    });
    return { ready: match, output: () => output, kill };
  } catch (error) {
    await kill();
    throw error;
  }
}
