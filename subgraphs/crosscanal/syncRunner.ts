/** A sync that runs in full or from its watermarks, one run at a time in this process. */
export interface SyncRunner<S> {
  /** Reads every system in full. */
  full(): Promise<S>;
  /** Reads the systems' change feeds since their watermarks. */
  incremental(): Promise<S>;
  /** Runs `incremental` every `intervalMs` (a run still going is not doubled). */
  schedule(intervalMs: number, onResult?: (result: S | Error) => void): void;
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
  /** The run in progress, if any. */
  readonly running: Promise<S> | null;
}

/**
 * Wraps one run of a sync into a {@link SyncRunner}: a run asked for while another is going
 * waits for it and then runs; a scheduled run is skipped while one is going. Across replicas,
 * the sync itself takes a lease in the database.
 */
export function syncRunner<S>(runOnce: (kind: 'full' | 'incremental') => Promise<S>): SyncRunner<S> {
  let current: Promise<S> | null = null;
  let timer: NodeJS.Timeout | undefined;

  const run = (kind: 'full' | 'incremental'): Promise<S> => {
    if (current) return current.catch(() => undefined).then(() => run(kind));
    const started = (async () => {
      try {
        return await runOnce(kind);
      } finally {
        current = null;
      }
    })();
    current = started;
    return started;
  };

  return {
    full: () => run('full'),
    incremental: () => run('incremental'),
    schedule(intervalMs, onResult) {
      if (timer) clearInterval(timer);
      timer = setInterval(() => {
        if (current) return;
        run('incremental').then(
          (result) => onResult?.(result),
          (error: Error) => onResult?.(error),
        );
      }, intervalMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await current?.catch(() => undefined);
    },
    get running() {
      return current;
    },
  };
}
