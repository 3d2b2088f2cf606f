import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { lockDataDir } from './dataDirLock.js';

/** The journal's file, in the folder a stand-in is given. */
export const JOURNAL_FILE = 'writes.jsonl';

/**
 * How a stand-in applies each kind of write to its records, by kind. The same function
 * applies a write when it is recorded and when the journal is replayed at start, so the two
 * cannot differ. It must not refuse a write the stand-in has accepted (check first, then
 * record); at start, one that throws stops the start with the journal's line named.
 */
export type Appliers = Record<string, (entry: never) => unknown>;

/** A journal entry of kind `K`: what its applier takes, `kind` included. */
export type EntryOf<A extends Appliers, K extends keyof A & string> = Parameters<A[K]>[0] & { kind: K };

export interface JournalOptions<A extends Appliers> {
  /**
   * Folder of the journal file ({@link JOURNAL_FILE}), created when missing. Undefined: no
   * file; each write is applied in memory only and is gone when the process ends.
   */
  dir: string | undefined;
  /** The stand-in's name, for messages. */
  system: string;
  appliers: A;
  /** Told when a torn last line is skipped at start. Default: `process.emitWarning`. */
  warn?: (message: string) => void;
}

/**
 * A stand-in's append-only journal of acknowledged writes, in JSON Lines: one entry a line,
 * `{"kind": …, …}`. Opening it replays every entry, in order, over the records the stand-in
 * was started with. {@link Journal.record} appends an entry and `fsync`s the file before it
 * applies the write and resolves, so that a stand-in answers only once the write would
 * survive a crash. Writes are recorded one at a time, in the order they were asked for, and
 * applied in that order: the journal's order is the order of the records in memory.
 *
 * A crash in the middle of an append leaves a torn last line (no newline, or not JSON): it
 * was never acknowledged, so it is skipped with a warning and cut off before the next
 * append. A bad line with entries after it is damage, not a crash, and so is a kind this
 * version does not know: both stop the start with an error naming the line.
 *
 * The file is locked to one process (`writes.jsonl.lock`), as two processes appending to it
 * would each miss the other's writes.
 */
export class Journal<A extends Appliers> {
  /** The journal file; undefined when writes are kept in memory only. */
  readonly path: string | undefined;
  /** Entries replayed when the journal was opened. */
  readonly replayed: number;
  private readonly system: string;
  private readonly appliers: A;
  private readonly file: FileHandle | undefined;
  private readonly unlock: () => Promise<void>;
  /** Bytes of whole entries in the file: where a failed append is cut back to. */
  private size: number;
  private tail: Promise<unknown> = Promise.resolve();
  private accepting = true;
  /** Set when an append failed and could not be taken back: the file's end is unknown. */
  private broken: Error | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    options: JournalOptions<A> & { path: string | undefined; replayed: number; file: FileHandle | undefined; unlock: () => Promise<void>; size: number },
  ) {
    this.path = options.path;
    this.replayed = options.replayed;
    this.system = options.system;
    this.appliers = options.appliers;
    this.file = options.file;
    this.unlock = options.unlock;
    this.size = options.size;
  }

  /**
   * Opens the journal in `dir` (creating folder and file when missing), replays its entries
   * through `appliers`, and returns it ready to record. Without `dir`, a journal that applies
   * writes in memory only.
   */
  static async open<A extends Appliers>(options: JournalOptions<A>): Promise<Journal<A>> {
    const { dir, system, appliers } = options;
    if (dir === undefined) {
      return new Journal({ ...options, path: undefined, replayed: 0, file: undefined, unlock: async () => undefined, size: 0 });
    }
    const path = join(dir, JOURNAL_FILE);
    const warn = options.warn ?? ((message: string) => process.emitWarning(message, 'JournalWarning'));
    await mkdir(dir, { recursive: true });
    const unlock = await lockDataDir(path);
    let file: FileHandle | undefined;
    try {
      const existing = await readFile(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      const { size, replayed, torn } = replay(existing ?? Buffer.alloc(0), path, system, appliers);
      if (torn !== undefined) {
        warn(torn);
        await cutBack(path, size);
      }
      file = await open(path, 'a');
      // A new file's name must be as durable as what will be appended to it.
      if (existing === undefined) await syncFolder(dir);
      return new Journal({ ...options, path, replayed, file, unlock, size });
    } catch (error) {
      await file?.close();
      await unlock();
      throw error;
    }
  }

  /**
   * Records one write: appends it, `fsync`s, then applies it and resolves with what the
   * applier returned. Refused (and not applied) when the append fails, when the kind is
   * unknown, or once the journal is closing.
   */
  record<K extends keyof A & string>(entry: EntryOf<A, K>): Promise<ReturnType<A[K]>> {
    let apply: (entry: unknown) => unknown;
    try {
      apply = applierOf(this.appliers, this.system, (entry as { kind: string }).kind, 'record');
      if (!this.accepting) throw new Error(`the ${this.system} journal is closed: a write arrived after stop`);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.file === undefined) return Promise.resolve().then(() => apply(entry) as ReturnType<A[K]>);
    const done = this.tail.then(async () => {
      await this.append(entry as { kind: string });
      return apply(entry) as ReturnType<A[K]>;
    });
    this.tail = done.catch(() => undefined);
    return done;
  }

  /** Waits for the writes under way, then closes the file and releases its lock. */
  close(): Promise<void> {
    this.accepting = false;
    this.closing ??= (async () => {
      await this.tail;
      try {
        await this.file?.close();
      } finally {
        await this.unlock();
      }
    })();
    return this.closing;
  }

  private async append(entry: { kind: string }): Promise<void> {
    if (this.broken) throw new Error(`the ${this.system} journal refuses writes since an append failed and could not be taken back: ${this.broken.message}`);
    const file = this.file!;
    const line = Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8');
    try {
      await file.appendFile(line);
      await file.sync();
      this.size += line.length;
    } catch (error) {
      // Take back whatever part of the line reached the file, so that the next one starts clean.
      try {
        await file.truncate(this.size);
      } catch (cause) {
        this.broken = cause as Error;
      }
      throw new Error(`the ${this.system} stand-in could not record a write in ${this.path}: ${(error as Error).message}`);
    }
  }
}

/**
 * Applies every whole entry of `content`, in order. Returns the bytes they take, how many
 * there were, and a warning when a torn last line follows them.
 */
function replay(content: Buffer, path: string, system: string, appliers: Appliers): { size: number; replayed: number; torn?: string } {
  let offset = 0;
  let lineNo = 0;
  while (offset < content.length) {
    lineNo += 1;
    const newline = content.indexOf(0x0a, offset);
    const text = content.subarray(offset, newline === -1 ? content.length : newline).toString('utf8');
    const next = newline === -1 ? content.length : newline + 1;
    const entry = newline === -1 ? undefined : parseEntry(text);
    if (entry === undefined) {
      if (next < content.length) {
        throw new Error(
          `${path}:${lineNo} is not a journal entry (${preview(text)}), yet entries follow it: the ${system} journal is damaged, ` +
            'not torn by a crash; repair or remove that line',
        );
      }
      const why = newline === -1 ? 'no newline' : 'not a JSON object with a kind';
      return {
        size: offset,
        replayed: lineNo - 1,
        torn: `${path}:${lineNo}: skipped a torn last line (${why}: a write cut short by a crash, never acknowledged): ${preview(text)}`,
      };
    }
    const apply = applierOf(appliers, system, entry.kind, `${path}:${lineNo}`);
    try {
      apply(entry);
    } catch (error) {
      throw new Error(`${path}:${lineNo}: the ${system} stand-in could not replay this ${entry.kind} write: ${(error as Error).message}`);
    }
    offset = next;
  }
  return { size: offset, replayed: lineNo };
}

function applierOf(appliers: Appliers, system: string, kind: string, where: string): (entry: unknown) => unknown {
  if (!Object.hasOwn(appliers, kind)) {
    const known = Object.keys(appliers).map((name) => JSON.stringify(name));
    throw new Error(
      `${where}: unknown journal entry kind ${JSON.stringify(kind)}; the ${system} stand-in knows ${known.join(', ')} ` +
        '(a journal written by another version?)',
    );
  }
  return appliers[kind] as (entry: unknown) => unknown;
}

/** The entry a line holds, or undefined when it is not a JSON object with a string `kind`. */
function parseEntry(text: string): { kind: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return typeof (value as { kind?: unknown }).kind === 'string' ? (value as { kind: string }) : undefined;
}

function preview(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** Cuts the file back to `size` bytes, durably. */
async function cutBack(path: string, size: number): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.truncate(size);
    await file.sync();
  } finally {
    await file.close();
  }
}

async function syncFolder(dir: string): Promise<void> {
  const folder = await open(dir, 'r');
  try {
    await folder.sync();
  } catch (error) {
    // Some platforms (Windows) cannot fsync a folder; the file's own fsync is what they offer.
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await folder.close();
  }
}
