import type { GraphQLError } from 'graphql';
import { SourceFailure, sourceError } from '../shared/errors.js';
import { loggerFor } from '../shared/logger.js';
import type { PosClient } from './client.js';
import { Directory, directoryFromRow } from './directory.js';

const log = loggerFor('pos-directory');

export interface HeldDirectoryOptions {
  /** How often the held copy is read again in the background. Default 60 s. */
  refreshMs?: number;
  /**
   * A miss (a store, franchise or number the held copy does not know) reads the directory again
   * at once, unless the held copy was read less than this long ago: a client asking for
   * made-up store codes costs at most one statement per this period. Default 1 s.
   */
  missRefreshMs?: number;
}

/** What {@link HeldDirectory.knowing} answers: the newest copy, and why it could not be re-read on a miss. */
export interface KnownDirectory {
  directory: Directory;
  /** The coded error of a re-read on a miss that failed: what the keys the copy does not know should answer. */
  failure: GraphQLError | null;
}

/**
 * The POS directory (which franchise runs which store, in which schema and layout), held in
 * the process as reference data rather than read per request.
 *
 * Every POS statement is routed by it, so reading it per request put one statement, and the
 * database's round trip, in front of every other on the request's path; the cross-request cache
 * only hid that while it was on and warm. It changes when a store opens, closes or changes
 * hands, a few times a year, so it is read at start and again every `refreshMs` in the
 * background, and requests use the copy held. Not in the keyv cache: it is the subgraph's
 * routing table, not a response, and it must not disappear when the caches are turned off or
 * emptied.
 *
 * A copy is never trusted to refuse: when a request names a store, franchise or number that
 * the held copy does not know, or a row names such a store (one opened since the last read),
 * the directory is read again at once and the request answered from the new copy. A background
 * read that fails keeps the held copy (the statements that need the database fail on their own);
 * a re-read on a miss that fails leaves the unknown keys with its coded error, never a "no such
 * store". Before the first read succeeds (the database down at start), each request reads it,
 * as before.
 */
export class HeldDirectory {
  private readonly refreshMs: number;
  private readonly missRefreshMs: number;
  private held: { directory: Directory; readStartedAt: number } | null = null;
  private reading: Promise<Directory> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly client: PosClient,
    { refreshMs = 60_000, missRefreshMs = 1000 }: HeldDirectoryOptions = {},
  ) {
    if (!(refreshMs > 0)) throw new RangeError(`refreshMs must be positive, got ${refreshMs}`);
    if (!(missRefreshMs >= 0)) throw new RangeError(`missRefreshMs must be 0 or more, got ${missRefreshMs}`);
    this.refreshMs = refreshMs;
    this.missRefreshMs = missRefreshMs;
  }

  /**
   * Reads the directory once and schedules the background reads. A failed first read is logged,
   * not thrown: the subgraph still starts (readiness reports the POS), and requests read it.
   */
  async start(): Promise<void> {
    this.stopped = false;
    try {
      await this.read();
    } catch (error) {
      log.warn({ err: error }, 'POS directory not read at start: requests will read it');
    }
    this.schedule();
  }

  /** Stops the background reads; a read in flight finishes. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The held copy; read now (one read shared by the requests asking) when none is held yet. Throws the read's coded error. */
  current(): Promise<Directory> {
    return this.held ? Promise.resolve(this.held.directory) : this.read();
  }

  /**
   * The held copy when it knows what `misses` looks for (`misses` answers true when it lacks
   * something), else a copy read again for the miss. See {@link KnownDirectory}.
   */
  async knowing(misses: (directory: Directory) => boolean): Promise<KnownDirectory> {
    let directory = await this.current();
    if (!misses(directory)) return { directory, failure: null };
    // A read already under way may be the one that knows it.
    if (this.reading) {
      directory = await this.reading.catch(() => directory);
      if (!misses(directory)) return { directory, failure: null };
    }
    if (this.held && Date.now() - this.held.readStartedAt < this.missRefreshMs) return { directory: this.held.directory, failure: null };
    try {
      directory = await this.read();
      return { directory, failure: null };
    } catch (error) {
      return { directory: this.held?.directory ?? directory, failure: error as GraphQLError };
    }
  }

  /** One read at a time: a read asked for while another is under way shares it. */
  private read(): Promise<Directory> {
    if (this.reading) return this.reading;
    const startedAt = Date.now();
    const reading = readDirectory(this.client).then((directory) => {
      if (!this.held || this.held.readStartedAt <= startedAt) this.held = { directory, readStartedAt: startedAt };
      return directory;
    });
    this.reading = reading;
    const done = () => {
      if (this.reading === reading) this.reading = null;
    };
    reading.then(done, done);
    return reading;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.read()
        .catch((error: unknown) => log.warn({ err: error }, 'POS directory not read again: the held copy stays in use'))
        .finally(() => this.schedule());
    }, this.refreshMs);
    // Reference data kept fresh: never what holds a process open.
    this.timer.unref();
  }
}

/** The directory, in one statement; a coded error when it cannot be read or used. */
async function readDirectory(client: PosClient): Promise<Directory> {
  const raw = await client.directory();
  try {
    return new Directory(directoryFromRow(raw));
  } catch (error) {
    throw sourceError('pos', new SourceFailure('badResponse', `directory: ${(error as Error).message}`, undefined, { cause: error }));
  }
}
