import { MAX_MESSAGE_BYTES, ProtocolViolation } from './frameReader.js';

/** A backend message the proxy acts on: its type byte, and the first byte of its body. */
export interface BackendEvent {
  type: string;
  /** For ReadyForQuery, the transaction status: `I` idle, `T` in a transaction, `E` in a failed one. */
  firstByte: number | undefined;
}

/**
 * Finds the message boundaries in a backend's byte stream without copying it: result rows
 * pass through as the chunks they arrived in. The proxy forwards a chunk up to the last
 * message it completes, so that its own messages never land in the middle of one.
 */
export class BackendScanner {
  private readonly header = Buffer.alloc(5);
  private headerFill = 0;
  /** Body bytes still to come of the current message. */
  private remaining = 0;
  private type = '';
  private firstByte: number | undefined;

  /**
   * Scans one chunk. Returns the offset just past the last message the chunk completes
   * (-1 when it completes none), and the messages completed, in order.
   */
  scan(chunk: Buffer): { end: number; events: BackendEvent[] } {
    const events: BackendEvent[] = [];
    let end = -1;
    let at = 0;
    while (at < chunk.length) {
      if (this.headerFill < 5) {
        const n = Math.min(5 - this.headerFill, chunk.length - at);
        chunk.copy(this.header, this.headerFill, at, at + n);
        this.headerFill += n;
        at += n;
        if (this.headerFill < 5) break;
        const length = this.header.readInt32BE(1);
        this.type = String.fromCharCode(this.header[0]!);
        if (length < 4 || length + 1 > MAX_MESSAGE_BYTES) {
          throw new ProtocolViolation(`the database sent a message of type ${JSON.stringify(this.type)} with invalid length ${length}`);
        }
        this.remaining = length - 4;
        this.firstByte = undefined;
      }
      if (this.remaining > 0) {
        if (this.firstByte === undefined && at < chunk.length) this.firstByte = chunk[at];
        const n = Math.min(this.remaining, chunk.length - at);
        this.remaining -= n;
        at += n;
      }
      if (this.remaining === 0) {
        events.push({ type: this.type, firstByte: this.firstByte });
        this.headerFill = 0;
        end = at;
      }
    }
    return { end, events };
  }
}
