import type { WireMessage } from './frameReader.js';
import { frontend } from './rawWireClient.js';
import { errorResponse, prefixNames, readCString, readyForQuery, statementName } from './wireMessages.js';

const message = (bytes: Buffer): WireMessage => ({ type: String.fromCharCode(bytes[0]!), bytes, body: bytes.subarray(5) });

describe('prefixNames', () => {
  test('renames a named statement and portal, leaving the rest of the message as it was', () => {
    const parse = prefixNames(message(frontend.parse('lookup', 'SELECT $1::int')), 'c7_');
    expect(parse).toEqual(frontend.parse('c7_lookup', 'SELECT $1::int'));
    const bind = prefixNames(message(frontend.bind('p1', 'lookup', ['42'])), 'c7_');
    expect(bind).toEqual(frontend.bind('c7_p1', 'c7_lookup', ['42']));
    expect(prefixNames(message(frontend.execute('p1')), 'c7_')).toEqual(frontend.execute('c7_p1'));
    expect(prefixNames(message(frontend.describePortal('p1')), 'c7_')).toEqual(frontend.describePortal('c7_p1'));
  });

  test('leaves unnamed statements and portals unnamed', () => {
    const bind = frontend.bind('', '', ['1']);
    expect(prefixNames(message(bind), 'c7_')).toBe(bind);
    expect(prefixNames(message(frontend.bind('', 'lookup', [])), 'c7_')).toEqual(frontend.bind('', 'c7_lookup', []));
  });

  test('reads the statement a message names', () => {
    expect(statementName(message(frontend.parse('lookup', 'SELECT 1')))).toBe('lookup');
    expect(statementName(message(frontend.bind('p', 'lookup', [])))).toBe('lookup');
    expect(statementName(message(frontend.execute('p')))).toBeUndefined();
  });
});

test('an ErrorResponse carries severity, SQLSTATE, message and detail, each NUL-terminated', () => {
  const bytes = errorResponse({ severity: 'ERROR', code: '08006', message: 'injected fault', detail: 'why' });
  expect(bytes[0]).toBe('E'.charCodeAt(0));
  expect(bytes.readInt32BE(1)).toBe(bytes.length - 1);
  expect(bytes.subarray(5).toString('utf8')).toBe('SERROR\0VERROR\0C08006\0Minjected fault\0Dwhy\0\0');
});

test('ReadyForQuery carries the transaction status', () => {
  expect(readyForQuery('T')).toEqual(Buffer.from([0x5a, 0, 0, 0, 5, 0x54]));
});

test('readCString refuses a string without its terminator', () => {
  expect(readCString(Buffer.from('ab\0cd\0'), 3)).toEqual(['cd', 6]);
  expect(() => readCString(Buffer.from('abc'))).toThrow('no string terminator after offset 0');
});
