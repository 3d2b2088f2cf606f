import type { WireMessage } from './frameReader.js';

/** What goes into an ErrorResponse. */
export interface ErrorFields {
  severity: 'ERROR' | 'FATAL';
  /** SQLSTATE, five characters. */
  code: string;
  message: string;
  detail?: string;
}

/** A typed message: type byte, then the length (itself included) and the body. */
function typed(type: string, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

const cstring = (text: string): Buffer => Buffer.from(`${text}\0`, 'utf8');

/** A protocol 3.0 StartupMessage with these parameters (`user`, `database`…). */
export function startupMessage(params: Record<string, string>): Buffer {
  const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), ...Object.entries(params).flatMap(([k, v]) => [cstring(k), cstring(v)]), Buffer.from([0])]);
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([length, body]);
}

/** ErrorResponse (`E`), with the fields a client library reads: severity, code, message, detail. */
export function errorResponse(fields: ErrorFields): Buffer {
  const parts = [
    `S${fields.severity}`,
    `V${fields.severity}`,
    `C${fields.code}`,
    `M${fields.message}`,
    ...(fields.detail === undefined ? [] : [`D${fields.detail}`]),
  ];
  return typed('E', Buffer.concat([...parts.map(cstring), Buffer.from([0])]));
}

/** ReadyForQuery (`Z`) with the session's transaction status. */
export function readyForQuery(status: string): Buffer {
  return typed('Z', Buffer.from(status, 'latin1'));
}

/** A simple Query (`Q`). */
export function simpleQuery(sql: string): Buffer {
  return typed('Q', cstring(sql));
}

/** Parse (`P`) of `sql` as statement `name`, parameter types left to the database. */
export function parseMessage(name: string, sql: string): Buffer {
  return typed('P', Buffer.concat([cstring(name), cstring(sql), Buffer.from([0, 0])]));
}

/** Sync (`S`): ends an extended-protocol cycle. */
export function sync(): Buffer {
  return typed('S', Buffer.alloc(0));
}

/** Terminate (`X`): the client leaves. */
export function terminate(): Buffer {
  return typed('X', Buffer.alloc(0));
}

/** Close (`C`) of a prepared statement. */
export function closeStatement(name: string): Buffer {
  return typed('C', Buffer.concat([Buffer.from('S'), cstring(name)]));
}

/** CopyFail (`f`): abandons a COPY FROM STDIN. */
export function copyFail(reason: string): Buffer {
  return typed('f', cstring(reason));
}

/** Reads the NUL-terminated string at `offset`; returns it and the offset after its NUL. */
export function readCString(body: Buffer, offset = 0): [string, number] {
  const nul = body.indexOf(0, offset);
  if (nul < 0) throw new RangeError(`no string terminator after offset ${offset}`);
  return [body.toString('utf8', offset, nul), nul + 1];
}

/**
 * The names of prepared statements and portals a message refers to, in order, with where
 * each sits in the body: Parse (statement), Bind (portal, statement), Describe and Close
 * (statement or portal), Execute (portal).
 */
function namesIn(message: WireMessage): { kind: 'statement' | 'portal'; start: number; end: number; name: string }[] {
  const { type, body } = message;
  const at = (kind: 'statement' | 'portal', start: number) => {
    const [name, next] = readCString(body, start);
    return { kind, start, end: next - 1, name };
  };
  switch (type) {
    case 'P':
      return [at('statement', 0)];
    case 'B': {
      const portal = at('portal', 0);
      return [portal, at('statement', portal.end + 1)];
    }
    case 'D':
    case 'C':
      return [at(body[0] === 0x53 /* S */ ? 'statement' : 'portal', 1)];
    case 'E':
      return [at('portal', 0)];
    default:
      return [];
  }
}

/** The prepared statement an extended-protocol message names, if it names one. */
export function statementName(message: WireMessage): string | undefined {
  return namesIn(message).find((n) => n.kind === 'statement')?.name;
}

/**
 * Puts `prefix` in front of every named statement and portal a message refers to (the
 * unnamed ones stay unnamed), so that connections sharing one backend session never see
 * each other's. Returns the message unchanged when it names none.
 */
export function prefixNames(message: WireMessage, prefix: string): Buffer {
  const named = namesIn(message).filter((n) => n.name !== '');
  if (named.length === 0) return message.bytes;
  const parts: Buffer[] = [];
  let from = 0;
  for (const n of named) {
    parts.push(message.body.subarray(from, n.start), Buffer.from(prefix, 'utf8'));
    from = n.start;
  }
  parts.push(message.body.subarray(from));
  return typed(message.type, Buffer.concat(parts));
}
