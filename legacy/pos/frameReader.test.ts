import { FrameReader, ProtocolViolation, type WireMessage } from './frameReader.js';
import { frontend } from './rawWireClient.js';

const types = (messages: WireMessage[]) => messages.map((m) => m.type);

describe('FrameReader', () => {
  const stream = Buffer.concat([
    frontend.sslRequest(),
    frontend.startup('postgres', 'postgres'),
    frontend.query('SELECT 1'),
    frontend.parse('s1', 'SELECT $1::int'),
    frontend.bind('', 's1', ['7']),
    frontend.execute(''),
    frontend.sync(),
  ]);

  test('takes apart messages that arrive in one chunk', () => {
    const messages = new FrameReader().push(stream);
    expect(types(messages)).toEqual(['', '', 'Q', 'P', 'B', 'E', 'S']);
    expect(Buffer.concat(messages.map((m) => m.bytes))).toEqual(stream);
    expect(messages[2]!.body.toString()).toBe('SELECT 1\0');
  });

  test('puts together messages that arrive one byte at a time', () => {
    const reader = new FrameReader();
    const messages: WireMessage[] = [];
    for (let i = 0; i < stream.length; i++) messages.push(...reader.push(stream.subarray(i, i + 1)));
    expect(types(messages)).toEqual(['', '', 'Q', 'P', 'B', 'E', 'S']);
    expect(Buffer.concat(messages.map((m) => m.bytes))).toEqual(stream);
  });

  test('gives the same messages for every way of cutting the stream in two', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new FrameReader();
      const messages = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(Buffer.concat(messages.map((m) => m.bytes))).toEqual(stream);
    }
  });

  test('reads typed messages once the startup packet is through, not before', () => {
    // "Q" as the first byte of a connection is the start of a length, not a query.
    expect(() => new FrameReader().push(frontend.query('SELECT 1'))).toThrow(ProtocolViolation);
  });

  test('refuses a length that cannot be', () => {
    const reader = new FrameReader(1024);
    reader.push(frontend.startup('postgres', 'postgres'));
    const header = Buffer.from([0x51, 0, 0, 0, 2]);
    expect(() => reader.push(header)).toThrow('invalid length 2 for a message of type "Q"');
    const huge = new FrameReader(1024);
    huge.push(frontend.startup('postgres', 'postgres'));
    expect(() => huge.push(Buffer.from([0x51, 0, 0, 0x10, 0]))).toThrow('invalid length 4096');
  });
});
