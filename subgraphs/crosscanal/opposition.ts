import { readFile, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { isEntryPoint, processIo, type CommandIo } from './cli/command.js';
import { errorLine, runMain } from './cli/errorLine.js';
import { loadConfig, type CrosscanalConfig } from './config.js';
import {
  DEFAULT_OPPOSITION_LIST,
  importOppositionList,
  OppositionListRefused,
  oppositionStatus,
  type OppositionImportResult,
  type OppositionStatus,
  type RejectedLine,
} from './contact/opposition.js';
import { CrosswalkStore } from './store/crosswalkStore.js';

export const OPPOSITION_USAGE = `Usage: npm run opposition -- import <file> [--list ${DEFAULT_OPPOSITION_LIST}] [--allow-rejected] [--json]
       npm run opposition -- status [--json]

The national do-not-call list (Bloctel): phone marketing never reaches a number on it.

  import <file>     replace the list with the file's numbers, as Bloctel returns them: one a
                    line, 0612345678, 06 12 34 56 78, +33612345678 or 0033612345678; an
                    optional header line (numero); or a CSV whose first column is the number.
                    The file is the whole list: numbers no longer on it leave.
  --list NAME       the list's name in the audit trail (default ${DEFAULT_OPPOSITION_LIST})
  --allow-rejected  import even when more than 1 % of the lines are not French numbers
  status            the last import: list, file, numbers, when and by whom
  --json            print the result as JSON

Reads the same environment as the subgraph (DATABASE_URL or CROSSCANAL_DATA_DIR, CROSSCANAL_DB_SCHEMA).
With PGlite, the data folder serves one process: stop the subgraph first, or use DATABASE_URL.
Exit status: 0 done, 1 the store or the file could not be read, 2 bad usage,
3 the file was refused (no valid number, or too many rejected lines): the list in force is kept.`;

export type OppositionCommand =
  | { command: 'import'; file: string; list: string; allowRejected: boolean; json: boolean }
  | { command: 'status'; json: boolean }
  | { command: 'help' };

export class UsageError extends Error {}

/** Rejected lines a text summary shows; --json gives them all. */
const SHOWN_REJECTED = 20;
const LIST_NAME = /^[A-Z][A-Z0-9_]{0,31}$/;

/** Reads the command line; throws a {@link UsageError} saying what is wrong. */
export function readOppositionCommand(argv: readonly string[]): OppositionCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        list: { type: 'string' },
        'allow-rejected': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  const [command, ...rest] = positionals;
  const json = values.json ?? false;
  if (command === 'import') {
    if (rest.length !== 1) throw new UsageError(`import takes one file, got ${rest.length === 0 ? 'none' : rest.map((r) => JSON.stringify(r)).join(' ')}`);
    const list = values.list ?? DEFAULT_OPPOSITION_LIST;
    if (!LIST_NAME.test(list)) throw new UsageError(`--list must be an upper-case name (${DEFAULT_OPPOSITION_LIST}), got ${JSON.stringify(list)}`);
    return { command: 'import', file: rest[0]!, list, allowRejected: values['allow-rejected'] ?? false, json };
  }
  if (command === 'status') {
    if (rest.length > 0) throw new UsageError(`status takes no argument, got ${rest.map((r) => JSON.stringify(r)).join(' ')}`);
    const importOnly = (['list', 'allow-rejected'] as const).find((flag) => values[flag] !== undefined);
    if (importOnly) throw new UsageError(`--${importOnly} goes with import, not status`);
    return { command: 'status', json };
  }
  throw new UsageError(command === undefined ? 'say import <file> or status' : `unknown command ${JSON.stringify(command)}: say import <file> or status`);
}

/** Opens the subgraph's store; a PGlite folder that is not there is refused rather than created empty (a mistyped folder would take the list). */
async function openStore(config: CrosscanalConfig): Promise<CrosswalkStore> {
  if (config.databaseUrl === undefined) {
    const folder = await stat(config.dataDir).catch(() => null);
    if (folder === null || !folder.isDirectory()) {
      throw new Error(`CROSSCANAL_DATA_DIR ${config.dataDir} holds no crosswalk: start the subgraph or sync first (npm run sync -- --full), or set DATABASE_URL`);
    }
  }
  return CrosswalkStore.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.dbSchema, maxConnections: 2 });
}

/** Who the audit trail names: the operating-system user running the command. */
function cliActor(env: NodeJS.ProcessEnv): string {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    // A container user without a passwd entry: the environment may still say who it is.
  }
  return `cli:${name || env.USER || env.LOGNAME || `uid-${process.getuid?.() ?? 'unknown'}`}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function formatRejected(rejected: readonly RejectedLine[], shown = SHOWN_REJECTED): string[] {
  const lines = rejected.slice(0, shown).map((r) => `  line ${r.line}: ${JSON.stringify(r.value)} ${r.reason}`);
  if (rejected.length > shown) lines.push(`  … and ${rejected.length - shown} more (--json lists them all)`);
  return lines;
}

/** `imported 1234 numbers from <file> (3 rejected, +12 -4)`, then the rejected lines. */
export function formatImport(file: string, result: OppositionImportResult): string {
  const head = `imported ${plural(result.numbers, 'number')} from ${file} (${result.rejected.length} rejected, +${result.added} -${result.removed})`;
  return [head, ...formatRejected(result.rejected)].join('\n');
}

export function formatStatus(status: OppositionStatus | null): string {
  if (status === null) return 'no do-not-call list imported yet';
  return `${status.list}: ${plural(status.numbers, 'number')} from ${status.fileName} (${status.rejected} rejected), imported ${status.importedAt} by ${status.importedBy}`;
}

/**
 * The command, in-process: returns its exit status and writes through `io`; never throws
 * (a failure is one line on stderr and status 1).
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CommandIo = processIo): Promise<number> {
  let command: OppositionCommand;
  try {
    command = readOppositionCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${error.message}\n\n${OPPOSITION_USAGE}\n`);
    return 2;
  }
  if (command.command === 'help') {
    io.stdout(`${OPPOSITION_USAGE}\n`);
    return 0;
  }
  try {
    return command.command === 'import' ? await runImport(command, env, io) : await runStatus(command, env, io);
  } catch (error) {
    io.stderr(`crosscanal opposition: ${errorLine(error)}\n`);
    return 1;
  }
}

async function runImport(command: Extract<OppositionCommand, { command: 'import' }>, env: NodeJS.ProcessEnv, io: CommandIo): Promise<number> {
  const config = loadConfig(env);
  // The file first: a file that cannot be read leaves the store untouched, unopened.
  let text: string;
  try {
    text = await readFile(command.file, 'utf8');
  } catch (error) {
    // The message itself (ENOENT: no such file…): what fs throws may come from another realm (a test's VM).
    const reason = typeof (error as Error | undefined)?.message === 'string' ? (error as Error).message : String(error);
    throw new Error(`cannot read ${command.file}: ${reason}`, { cause: error });
  }
  const store = await openStore(config);
  let result: OppositionImportResult;
  try {
    result = await importOppositionList(store.db, { list: command.list, fileName: command.file, text, actor: cliActor(env), allowRejected: command.allowRejected });
  } catch (error) {
    if (!(error instanceof OppositionListRefused)) throw error;
    io.stderr(`crosscanal opposition: ${error.code}: ${error.message}\n`);
    return 3;
  } finally {
    await store.close();
  }
  io.stdout(command.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatImport(command.file, result)}\n`);
  return 0;
}

async function runStatus(command: Extract<OppositionCommand, { command: 'status' }>, env: NodeJS.ProcessEnv, io: CommandIo): Promise<number> {
  const store = await openStore(loadConfig(env));
  let status: OppositionStatus | null;
  try {
    status = await oppositionStatus(store.db);
  } finally {
    await store.close();
  }
  io.stdout(command.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`);
  return 0;
}

/** Run as a command (`npm run opposition`), not when a test imports `main`. */
if (isEntryPoint(import.meta.url)) runMain('opposition', () => main(process.argv.slice(2)));
