import { connect, type Socket } from 'node:net';
import { REQUEST_CODE } from './frameReader.js';
import { startupMessage } from './wireMessages.js';

/** A message from the server, cut out of the byte stream. */
export interface ServerMessage {
  type: string;
  body: Buffer;
}

const typed = (type: string, body: Buffer): Buffer => {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
};
const cstring = (text: string) => Buffer.from(`${text}\0`, 'utf8');
const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** Frontend messages, built by hand so that tests control every byte and every write. */
export const frontend = {
  sslRequest: () => Buffer.concat([int32(8), int32(REQUEST_CODE.ssl)]),
  startup: (user: string, database: string) => frontend.startupWith({ user, database }),
  /** A protocol 3.0 startup packet with exactly these parameters. */
  startupWith: (params: Record<string, string>) => startupMessage(params),
  query: (sql: string) => typed('Q', cstring(sql)),
  parse: (name: string, sql: string) => typed('P', Buffer.concat([cstring(name), cstring(sql), int16(0)])),
  /** Bind with every parameter in text format, every result column in text format. */
  bind(portal: string, statement: string, params: string[]): Buffer {
    const values = params.map((p) => {
      const bytes = Buffer.from(p, 'utf8');
      return Buffer.concat([int32(bytes.length), bytes]);
    });
    return typed('B', Buffer.concat([cstring(portal), cstring(statement), int16(0), int16(params.length), ...values, int16(0)]));
  },
  describePortal: (portal: string) => typed('D', Buffer.concat([Buffer.from('P'), cstring(portal)])),
  execute: (portal: string) => typed('E', Buffer.concat([cstring(portal), int32(0)])),
  copyData: (text: string) => typed('d', Buffer.from(text, 'utf8')),
  copyDone: () => typed('c', Buffer.alloc(0)),
  flush: () => typed('H', Buffer.alloc(0)),
  sync: () => typed('S', Buffer.alloc(0)),
  terminate: () => typed('X', Buffer.alloc(0)),
};

/** The text values of a DataRow. */
export function dataRowValues(body: Buffer): (string | null)[] {
  const count = body.readInt16BE(0);
  const values: (string | null)[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const length = body.readInt32BE(at);
    at += 4;
    if (length < 0) {
      values.push(null);
    } else {
      values.push(body.toString('utf8', at, at + length));
      at += length;
    }
  }
  return values;
}

/** The fields of an ErrorResponse, by their one-letter codes (`C` SQLSTATE, `M` message…). */
export function errorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const code = String.fromCharCode(body[at]!);
    const end = body.indexOf(0, at + 1);
    fields[code] = body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return fields;
}

/**
 * A PostgreSQL client at the byte level, for framing tests: it writes exactly the bytes it is
 * given, in one write or one byte per write, and reads the server's messages as they come.
 */
export class RawWireClient {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private ended = false;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawWireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawWireClient(socket));
      });
    });
  }

  /** Writes `bytes` at once, or one byte per write with a pause between, so that each travels alone. */
  async send(bytes: Buffer, options: { byteByByte?: boolean } = {}): Promise<void> {
    if (!options.byteByByte) {
      await new Promise<void>((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
      return;
    }
    for (let i = 0; i < bytes.length; i++) {
      await new Promise<void>((resolve, reject) => this.socket.write(bytes.subarray(i, i + 1), (error) => (error ? reject(error) : resolve())));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** The next `n` raw bytes (the one-byte answer to an SSLRequest). */
  async readBytes(n: number): Promise<Buffer> {
    await this.until(() => this.buffer.length >= n);
    const bytes = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return bytes;
  }

  /** Messages up to and including the `count`-th ReadyForQuery. */
  async readUntilReady(count = 1): Promise<ServerMessage[]> {
    const messages: ServerMessage[] = [];
    let ready = 0;
    while (ready < count) {
      const message = await this.next();
      messages.push(message);
      if (message.type === 'Z') ready += 1;
    }
    return messages;
  }

  /** The next `count` messages, whatever they are. */
  async readMessages(count: number): Promise<ServerMessage[]> {
    const messages: ServerMessage[] = [];
    while (messages.length < count) messages.push(await this.next());
    return messages;
  }

  private async next(): Promise<ServerMessage> {
    await this.until(() => this.buffer.length >= 5 && this.buffer.length >= 1 + this.buffer.readInt32BE(1));
    const length = this.buffer.readInt32BE(1);
    const message = { type: String.fromCharCode(this.buffer[0]!), body: Buffer.from(this.buffer.subarray(5, 1 + length)) };
    this.buffer = this.buffer.subarray(1 + length);
    return message;
  }

  close(): void {
    this.socket.destroy();
  }

  private async until(condition: () => boolean): Promise<void> {
    while (!condition()) {
      if (this.ended) throw new Error('the server closed the connection');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}
