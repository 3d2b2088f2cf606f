import { BackendScanner } from './backendScanner.js';
import { errorResponse, readyForQuery } from './wireMessages.js';

const dataRow = (text: string) => {
  const value = Buffer.from(text);
  const body = Buffer.alloc(2 + 4 + value.length);
  body.writeInt16BE(1, 0);
  body.writeInt32BE(value.length, 2);
  value.copy(body, 6);
  const header = Buffer.alloc(5);
  header.write('D', 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
};

describe('BackendScanner', () => {
  const rows = Buffer.concat([dataRow('a'), dataRow('bb'), readyForQuery('T')]);

  test('finds each message and the transaction status of ReadyForQuery', () => {
    const { end, events } = new BackendScanner().scan(rows);
    expect(end).toBe(rows.length);
    expect(events).toEqual([
      { type: 'D', firstByte: 0 },
      { type: 'D', firstByte: 0 },
      { type: 'Z', firstByte: 'T'.charCodeAt(0) },
    ]);
  });

  test('reports where the last whole message ends when a chunk stops inside one', () => {
    const scanner = new BackendScanner();
    const first = dataRow('a').length;
    const cut = first + 3;
    expect(scanner.scan(rows.subarray(0, cut))).toMatchObject({ end: first, events: [{ type: 'D' }] });
    const rest = scanner.scan(rows.subarray(cut));
    expect(rest.end).toBe(rows.length - cut);
    expect(rest.events.map((e) => e.type)).toEqual(['D', 'Z']);
  });

  test('follows a stream fed one byte at a time', () => {
    const scanner = new BackendScanner();
    const stream = Buffer.concat([errorResponse({ severity: 'ERROR', code: '42P01', message: 'x' }), readyForQuery('I')]);
    const seen: string[] = [];
    let ends = 0;
    for (let i = 0; i < stream.length; i++) {
      const { end, events } = scanner.scan(stream.subarray(i, i + 1));
      if (end >= 0) ends += 1;
      seen.push(...events.map((e) => `${e.type}${e.type === 'Z' ? String.fromCharCode(e.firstByte!) : ''}`));
    }
    expect(seen).toEqual(['E', 'ZI']);
    expect(ends).toBe(2);
  });

  test('refuses bytes that are not a backend message', () => {
    expect(() => new BackendScanner().scan(Buffer.from('Too many connections\n'))).toThrow(/invalid length/);
  });
});
