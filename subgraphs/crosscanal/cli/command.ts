import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where a command writes; the process's streams unless a test gives its own. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Where progress lines go when there is no terminal: a test's collector, say. */
export interface ProgressLines {
  isTTY?: undefined;
  write(text: string): unknown;
}

/** Where a command shows its progress: stderr itself (a terminal gets bars), else `io`'s stderr, a line at a time. */
export function progressStream(io: CommandIo): NodeJS.WriteStream | ProgressLines {
  return io === processIo ? process.stderr : { write: (text: string) => io.stderr(text) };
}

/**
 * Whether the module at `moduleUrl` is the script this process was started with (`npm run
 * quality`), rather than imported (a test calling its `main`).
 */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
