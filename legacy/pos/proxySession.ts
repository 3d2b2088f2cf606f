import { connect, type NetConnectOpts, type Socket } from 'node:net';
import type { CallCounter } from '../shared/counters.js';
import type { FaultInjector } from '../shared/faults.js';
import { BackendScanner, type BackendEvent } from './backendScanner.js';
import { copiesFromClient, REFUSED_COPY_SQL } from './copyFromClient.js';
import { FrameReader, ProtocolViolation, REQUEST_CODE, type WireMessage } from './frameReader.js';
import type { SessionLock } from './sessionLock.js';
import { statementOperation } from './statementOperation.js';
import {
  closeStatement,
  copyFail,
  errorResponse,
  parseMessage,
  prefixNames,
  readCString,
  readyForQuery,
  simpleQuery,
  statementName,
  sync,
  terminate,
  type ErrorFields,
} from './wireMessages.js';

/**
 * SQLSTATE of an injected failure: `connection_failure`, what a client sees when the
 * database host or the network fails it. The connection stays usable afterwards.
 */
export const INJECTED_FAULT_SQLSTATE = '08006';
export const INJECTED_FAULT_MESSAGE = 'injected fault';

/** How long a departed client's leftovers (open transaction, prepared statements) may take to clear. */
const TIDY_TIMEOUT_MS = 10_000;
/** Messages queued from a client before reading from it pauses. */
const INBOX_HIGH_WATER = 512;

/** What a session shares with the proxy that accepted it. */
export interface SessionContext {
  /** Unique per proxy; names this connection's prepared statements on a shared backend. */
  id: number;
  counter: CallCounter;
  faults: FaultInjector;
  /** Where the database listens. */
  upstream: NetConnectOpts;
  /** Set in front of a single-session backend (PGlite): one connection at a time uses it. */
  lock: SessionLock | undefined;
  /** The connection is one too many: it is refused (53300) once it has sent its startup packet. */
  overLimit: boolean;
  /** True while the proxy shuts down: connections are cut without tidying the backend. */
  stopping: () => boolean;
  onClosed: (session: ProxySession) => void;
}

type Outcome = 'forward' | 'failed' | 'dropped';

const injectedError = (): Buffer =>
  errorResponse({
    severity: 'ERROR',
    code: INJECTED_FAULT_SQLSTATE,
    message: INJECTED_FAULT_MESSAGE,
    detail: 'The POS database was told to fail this statement (fault injection); the statement did not run.',
  });

/**
 * One client connection through the proxy, and its own connection to the database.
 *
 * Client messages are handled one at a time, in order. A unit of work is a simple Query, or
 * an extended-protocol cycle (Parse, Bind, Describe, Execute… up to Sync); each unit is
 * counted once under its first SQL keyword and goes through the fault injector before it is
 * forwarded. A unit starts only when the database has answered the previous one (its
 * ReadyForQuery), so that an injected answer never overtakes a real one. COPY data and
 * authentication messages belong to the unit under way and pass straight through.
 *
 * On a shared backend the connection holds the session lock from the start of a unit until
 * the database is idle again (outside any transaction), and its named prepared statements
 * and portals are renamed with a per-connection prefix.
 */
export class ProxySession {
  private readonly reader = new FrameReader();
  private readonly scanner = new BackendScanner();
  private readonly prefix: string;
  private upstream: Socket | undefined;
  private upstreamOpen = false;
  private readonly inbox: WireMessage[] = [];
  private working = false;
  private state: 'greeting' | 'open' | 'closed' = 'greeting';
  /** The database has accepted the startup (sent its first ReadyForQuery). */
  private greeted = false;
  /** The database's transaction status from its last ReadyForQuery. */
  private txStatus = 'I';
  /** ReadyForQuery messages the database still owes: one per startup, Query or Sync forwarded. */
  private owed = 0;
  private waiters: (() => void)[] = [];
  /** The extended-protocol cycle under way; `failing` when an injected error discards it up to Sync. */
  private cycle: { failing: boolean } | undefined;
  private copyIn = false;
  private holdsBackend = false;
  /** The lock request under way, shared by whoever needs the session meanwhile. */
  private taking: Promise<void> | undefined;
  private tidying = false;
  /** Prepared statements this connection made: name as the client knows it → operation. */
  private readonly statements = new Map<string, string>();
  /** The start of a backend message not yet complete, held back from the client. */
  private held: Buffer[] = [];
  private upstreamFull = false;

  constructor(
    private readonly client: Socket,
    private readonly ctx: SessionContext,
  ) {
    this.prefix = `c${ctx.id}_`;
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.fromClient(chunk));
    client.on('error', () => this.close(true));
    client.on('close', () => this.close(true));
  }

  /** A getter, not a field test: the state changes across every await. */
  private get closed(): boolean {
    return this.state === 'closed';
  }

  /** Cuts the connection at once (proxy shutdown). */
  destroy(): void {
    this.close(true);
  }

  // ------------------------------------------------------------------ client side

  private fromClient(chunk: Buffer): void {
    if (this.closed) return;
    let messages: WireMessage[];
    try {
      messages = this.reader.push(chunk);
    } catch (error) {
      this.fatal({ code: '08P01', message: `protocol violation: ${(error as Error).message}` });
      return;
    }
    for (const message of messages) this.inbox.push(message);
    this.updateFlow();
    void this.work();
  }

  private async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      while (!this.closed) {
        const message = this.inbox.shift();
        if (!message) break;
        this.updateFlow();
        await this.handle(message);
      }
    } catch (error) {
      const malformed = error instanceof ProtocolViolation || error instanceof RangeError;
      this.fatal({
        code: malformed ? '08P01' : 'XX000',
        message: malformed ? `protocol violation: ${(error as Error).message}` : `the POS proxy failed: ${(error as Error).message}`,
      });
    } finally {
      this.working = false;
    }
  }

  /** Stops reading from the client while its messages pile up or the database does not keep up. */
  private updateFlow(): void {
    if (this.closed) return;
    const pause = this.inbox.length >= INBOX_HIGH_WATER || this.upstreamFull;
    if (pause && !this.client.isPaused()) this.client.pause();
    else if (!pause && this.client.isPaused()) this.client.resume();
  }

  private async handle(message: WireMessage): Promise<void> {
    switch (message.type) {
      case '':
        return this.greet(message);
      case 'Q':
        return this.simpleQuery(message);
      case 'F':
        return this.functionCall(message);
      case 'P':
      case 'B':
      case 'D':
      case 'E':
      case 'C':
      case 'H':
      case 'S':
        return this.extended(message);
      case 'X':
        this.close(false);
        return;
      case 'p': // password or SASL answer, during authentication
      case 'd': // COPY data, CopyDone and CopyFail: part of the COPY under way
      case 'c':
      case 'f':
        this.toBackend(message.bytes);
        return;
      default:
        throw new ProtocolViolation(`unexpected message type ${JSON.stringify(message.type)}`);
    }
  }

  private async greet(message: WireMessage): Promise<void> {
    const code = message.body.readInt32BE(0);
    if (code === REQUEST_CODE.ssl || code === REQUEST_CODE.gssEncryption) {
      // Plain connections only, as the stand-in's database is local.
      this.toClient(Buffer.from('N'));
      return;
    }
    if (code === REQUEST_CODE.cancel) {
      // Goes to the database on a connection of its own, as a cancel request does.
      const cancel = connect(this.ctx.upstream);
      cancel.on('error', () => cancel.destroy());
      cancel.end(message.bytes);
      this.close(false);
      return;
    }
    if (code >> 16 !== 3) {
      this.fatal({ code: '0A000', message: `unsupported frontend protocol ${code >> 16}.${code & 0xffff}: server supports 3.0` });
      return;
    }
    if (this.ctx.overLimit) {
      this.fatal({ code: '53300', message: 'sorry, too many clients already' });
      return;
    }
    try {
      await this.openUpstream();
    } catch (error) {
      this.fatal({ code: '08006', message: `the POS database cannot be reached: ${(error as Error).message}` });
      return;
    }
    if (!(await this.takeBackend())) return;
    this.state = 'open';
    this.owed += 1;
    // Unchanged: user, database and options are the database's business.
    this.toBackend(message.bytes);
  }

  private async simpleQuery(message: WireMessage): Promise<void> {
    // After an error in an extended cycle the database discards everything up to Sync.
    if (this.cycle?.failing) return;
    this.cycle = undefined;
    const [sql] = readCString(message.body);
    const outcome = await this.startUnit(statementOperation(sql));
    if (outcome === 'failed') this.toClient(Buffer.concat([injectedError(), readyForQuery(this.txStatus)]));
    if (outcome !== 'forward') return;
    this.owed += 1;
    this.toBackend(this.ctx.lock && copiesFromClient(sql) ? simpleQuery(REFUSED_COPY_SQL) : message.bytes);
  }

  private async functionCall(message: WireMessage): Promise<void> {
    if (this.cycle?.failing) return;
    this.cycle = undefined;
    const outcome = await this.startUnit('function_call');
    if (outcome === 'failed') this.toClient(Buffer.concat([injectedError(), readyForQuery(this.txStatus)]));
    if (outcome !== 'forward') return;
    this.owed += 1;
    this.toBackend(message.bytes);
  }

  private async extended(message: WireMessage): Promise<void> {
    let operation: string | undefined;
    let sql = '';
    if (message.type === 'P') {
      const [, queryAt] = readCString(message.body);
      [sql] = readCString(message.body, queryAt);
      operation = statementOperation(sql);
    }
    if (!this.cycle) {
      // A lone Flush asks for nothing to run: it is not a unit of work.
      if (message.type === 'H') {
        this.toBackend(message.bytes);
        return;
      }
      const outcome = await this.startUnit(operation ?? this.operationOf(message));
      if (outcome === 'dropped') return;
      this.cycle = { failing: outcome === 'failed' };
      if (this.cycle.failing) this.toClient(injectedError());
    }
    if (this.cycle.failing) {
      if (message.type === 'S') {
        this.cycle = undefined;
        this.toClient(readyForQuery(this.txStatus));
      }
      return;
    }
    if (message.type === 'P') this.statements.set(statementName(message) ?? '', operation!);
    if (message.type === 'C' && message.body[0] === 0x53 /* S */) {
      const name = statementName(message);
      if (name) this.statements.delete(name);
    }
    let bytes = message.bytes;
    if (this.ctx.lock) {
      if (copiesFromClient(sql)) bytes = parseMessage(statementName(message) ?? '', REFUSED_COPY_SQL);
      bytes = prefixNames({ ...message, bytes, body: bytes.subarray(5) }, this.prefix);
    }
    if (message.type === 'S') {
      this.cycle = undefined;
      this.owed += 1;
    }
    this.toBackend(bytes);
  }

  /** The operation of a cycle that does not open with a Parse. */
  private operationOf(message: WireMessage): string {
    switch (message.type) {
      case 'B':
        return this.statements.get(statementName(message) ?? '') ?? 'execute';
      case 'D':
        return 'describe';
      case 'C':
        return 'close';
      case 'E':
        return 'execute';
      default:
        return 'sync';
    }
  }

  /**
   * Waits for the database to answer what was forwarded, then lets the fault injector decide:
   * `down` cuts the connection, `error` has the caller answer with an injected error, and
   * otherwise the unit is counted and (on a shared backend) the session taken.
   */
  private async startUnit(operation: string): Promise<Outcome> {
    await this.settle();
    if (this.closed) return 'dropped';
    const decision = await this.ctx.faults.decide();
    if (this.closed) return 'dropped';
    if (decision === 'down') {
      this.ctx.counter.recordFault();
      this.close(true);
      return 'dropped';
    }
    if (decision === 'error') {
      this.ctx.counter.recordFault();
      return 'failed';
    }
    if (!(await this.takeBackend())) return 'dropped';
    this.ctx.counter.record(operation);
    return 'forward';
  }

  private async settle(): Promise<void> {
    while (this.owed > 0 && !this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private toClient(bytes: Buffer): void {
    if (!this.closed && !this.client.destroyed) this.client.write(bytes);
  }

  private fatal(fields: Omit<ErrorFields, 'severity'>): void {
    this.toClient(errorResponse({ severity: 'FATAL', ...fields }));
    this.close(false);
  }

  // ------------------------------------------------------------------ database side

  private openUpstream(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.ctx.upstream);
      const refused = (error: Error) => reject(error);
      socket.once('error', refused);
      socket.once('connect', () => {
        socket.off('error', refused);
        socket.setNoDelay(true);
        this.upstream = socket;
        this.upstreamOpen = true;
        socket.on('data', (chunk: Buffer) => this.fromBackend(chunk));
        socket.on('drain', () => {
          this.upstreamFull = false;
          this.updateFlow();
        });
        socket.on('error', () => socket.destroy());
        socket.on('close', () => this.upstreamGone());
        if (this.closed) {
          socket.destroy();
          reject(new Error('the client left'));
        } else {
          resolve();
        }
      });
    });
  }

  private toBackend(bytes: Buffer): void {
    if (!this.upstream || !this.upstreamOpen) return;
    if (!this.upstream.write(bytes)) {
      this.upstreamFull = true;
      this.updateFlow();
    }
  }

  private fromBackend(chunk: Buffer): void {
    let scanned: ReturnType<BackendScanner['scan']>;
    try {
      scanned = this.scanner.scan(chunk);
    } catch (error) {
      this.fatal({ code: '08P01', message: (error as Error).message });
      this.upstream?.destroy();
      return;
    }
    if (!this.closed && !this.client.destroyed) {
      if (scanned.end < 0) {
        this.held.push(chunk);
      } else {
        // Only whole messages go out: an injected one can then never split a real one.
        this.client.cork();
        for (const part of this.held) this.client.write(part);
        this.client.write(scanned.end === chunk.length ? chunk : chunk.subarray(0, scanned.end));
        this.client.uncork();
        this.held = scanned.end < chunk.length ? [chunk.subarray(scanned.end)] : [];
        if (this.client.writableNeedDrain && this.upstream && !this.upstream.isPaused()) {
          const upstream = this.upstream;
          upstream.pause();
          this.client.once('drain', () => upstream.resume());
        }
      }
    }
    for (const event of scanned.events) this.onBackendMessage(event);
  }

  private onBackendMessage(event: BackendEvent): void {
    if (event.type === 'G') this.copyIn = true;
    if (event.type === 'E' && !this.greeted) {
      // An error before the first ReadyForQuery is fatal: the startup was refused. PGlite's
      // socket server keeps the socket open all the same; the proxy ends the connection.
      this.owed = 0;
      this.close(false);
      return;
    }
    if (event.type !== 'Z') return;
    this.greeted = true;
    this.txStatus = String.fromCharCode(event.firstByte ?? 0x49 /* I */);
    this.copyIn = false;
    this.owed = Math.max(0, this.owed - 1);
    if (this.owed === 0) this.wake();
    if (this.holdsBackend && !this.tidying && this.txStatus === 'I' && !this.cycle && this.owed === 0) this.dropBackend();
  }

  private upstreamGone(): void {
    this.upstreamOpen = false;
    this.wake();
    // The database ended the session (a FATAL error, a shutdown): so does the proxy.
    this.close(false);
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Takes the shared session; false when the connection closed while it waited. */
  private async takeBackend(): Promise<boolean> {
    const lock = this.ctx.lock;
    if (lock && !this.holdsBackend) {
      this.taking ??= lock.acquire().then(() => {
        this.holdsBackend = true;
        this.taking = undefined;
      });
      await this.taking;
    }
    if (!this.closed) return true;
    if (!this.tidying) this.dropBackend();
    return false;
  }

  private dropBackend(): void {
    if (!this.holdsBackend) return;
    this.holdsBackend = false;
    this.ctx.lock?.release();
  }

  // ------------------------------------------------------------------ end of the connection

  /** Ends the connection: `abrupt` cuts it, otherwise what was written is delivered first. */
  private close(abrupt: boolean): void {
    if (this.closed) return;
    this.state = 'closed';
    this.inbox.length = 0;
    this.wake();
    // What the database still sends must flow, to see the end of what it was doing.
    this.upstream?.resume();
    if (abrupt || this.client.destroyed) this.client.destroy();
    else this.client.end(() => this.client.destroy());
    void this.releaseUpstream().finally(() => this.ctx.onClosed(this));
  }

  /**
   * Gives the database connection back. A shared backend outlives this connection, so what
   * the client left there is cleared first: a cycle without its Sync, an open COPY or
   * transaction, prepared statements.
   */
  private async releaseUpstream(): Promise<void> {
    const upstream = this.upstream;
    if (!upstream || !this.upstreamOpen || this.ctx.stopping()) {
      upstream?.destroy();
      this.dropBackend();
      return;
    }
    if (!this.ctx.lock) {
      // The connection's own backend ends with it, and rolls back what it left open.
      upstream.end(terminate());
      return;
    }
    const leftovers =
      this.owed > 0 || this.copyIn || (this.cycle && !this.cycle.failing) || this.txStatus !== 'I' || this.statements.size > 0;
    if (!leftovers) {
      upstream.end();
      this.dropBackend();
      return;
    }
    this.tidying = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.takeBackend();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), TIDY_TIMEOUT_MS);
      });
      await Promise.race([this.tidyBackend(), timeout]);
      upstream.end();
    } catch {
      // Cut off instead; the socket server rolls back what the connection left open.
      upstream.destroy();
    } finally {
      clearTimeout(timer);
      this.tidying = false;
      this.dropBackend();
    }
  }

  private async tidyBackend(): Promise<void> {
    if (this.copyIn) this.toBackend(copyFail('the client went away'));
    if (this.cycle && !this.cycle.failing) {
      this.cycle = undefined;
      this.owed += 1;
      this.toBackend(sync());
    }
    await this.untilIdle();
    const named = [...this.statements.keys()].filter((name) => name !== '');
    if (named.length > 0) {
      this.owed += 1;
      this.toBackend(Buffer.concat([...named.map((name) => closeStatement(this.prefix + name)), sync()]));
      await this.untilIdle();
    }
    if (this.txStatus !== 'I') {
      this.owed += 1;
      this.toBackend(simpleQuery('ROLLBACK'));
      await this.untilIdle();
    }
  }

  private async untilIdle(): Promise<void> {
    while (this.owed > 0) {
      if (!this.upstreamOpen) throw new Error('the database connection closed');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}
