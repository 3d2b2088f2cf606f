/**
 * Hands one shared backend session to one connection at a time, first come first served.
 * PGlite has a single session: two clients' extended-protocol messages must not interleave,
 * and a transaction must not see another client's statements.
 */
export class SessionLock {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  /** Resolves when the caller holds the session. */
  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Passes the session to the next in line, or frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }

  /** Connections waiting for the session. */
  get queued(): number {
    return this.waiting.length;
  }
}
