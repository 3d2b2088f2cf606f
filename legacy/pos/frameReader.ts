/** One message of the PostgreSQL wire protocol, as a client sent it. */
export interface WireMessage {
  /** The type byte as a character (`Q`, `P`, `S`…); `''` for the untyped packets a connection opens with. */
  type: string;
  /** The whole message: type byte (when typed), length and body. */
  bytes: Buffer;
  /** What follows the length: for an untyped packet, its request code first. */
  body: Buffer;
}

/** The request codes of the untyped packets a client may send first. */
export const REQUEST_CODE = {
  ssl: 80877103,
  gssEncryption: 80877104,
  cancel: 80877102,
} as const;

/** Largest message accepted; PostgreSQL itself refuses anything over 1 GiB. */
export const MAX_MESSAGE_BYTES = 1 << 30;

/** Largest startup packet accepted, as PostgreSQL's own limit (MAX_STARTUP_PACKET_LENGTH). */
const MAX_STARTUP_BYTES = 10_000;

/** A client broke the protocol's framing; the connection cannot go on. */
export class ProtocolViolation extends Error {}

/**
 * Cuts a client's byte stream into whole protocol messages, however TCP split or coalesced
 * them. The stream opens with untyped packets (SSL or GSS encryption requests, then the
 * startup or cancel packet); every message after that is typed. Bytes are kept as the chunks
 * they arrived in until a message is complete, so a large message is copied once, not once
 * per chunk.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private untyped = true;

  constructor(private readonly maxBytes = MAX_MESSAGE_BYTES) {}

  /** Adds what arrived; returns the messages it completed, in order. */
  push(chunk: Buffer): WireMessage[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const messages: WireMessage[] = [];
    for (;;) {
      const headerBytes = this.untyped ? 4 : 5;
      if (this.buffered < headerBytes) break;
      const header = this.peek(headerBytes);
      const length = header.readInt32BE(headerBytes - 4);
      const total = this.untyped ? length : length + 1;
      if (this.untyped ? length < 8 || length > MAX_STARTUP_BYTES : length < 4 || total > this.maxBytes) {
        const what = this.untyped ? 'startup packet' : `message of type ${JSON.stringify(String.fromCharCode(header[0]!))}`;
        throw new ProtocolViolation(`invalid length ${length} for a ${what}`);
      }
      if (this.buffered < total) break;
      const bytes = this.take(total);
      if (this.untyped) {
        const body = bytes.subarray(4);
        const code = body.readInt32BE(0);
        // Encryption requests are answered and followed by another untyped packet.
        if (code !== REQUEST_CODE.ssl && code !== REQUEST_CODE.gssEncryption) this.untyped = false;
        messages.push({ type: '', bytes, body });
      } else {
        messages.push({ type: String.fromCharCode(bytes[0]!), bytes, body: bytes.subarray(5) });
      }
    }
    return messages;
  }

  /** The first `n` buffered bytes, without consuming them. */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const out = Buffer.alloc(n);
    let filled = 0;
    for (const chunk of this.chunks) {
      filled += chunk.copy(out, filled, 0, Math.min(chunk.length, n - filled));
      if (filled === n) break;
    }
    return out;
  }

  /** Consumes and returns the first `n` buffered bytes. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    const parts: Buffer[] = [];
    let needed = n;
    while (needed > 0) {
      const chunk = this.chunks[0]!;
      if (chunk.length <= needed) {
        parts.push(chunk);
        this.chunks.shift();
        needed -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, needed));
        this.chunks[0] = chunk.subarray(needed);
        needed = 0;
      }
    }
    return Buffer.concat(parts, n);
  }
}
