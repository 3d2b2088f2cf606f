import { CursorCodec } from './cursor.js';
import { Problem } from './problem.js';

const position = { updatedMs: Date.UTC(2026, 0, 10, 8, 15), ref: '702.611.50' };

test('a cursor reads back to its position under the same key, even in another process', () => {
  const cursor = new CursorCodec('shared-key').encode(position, 'category=Chaussures');
  expect(new CursorCodec('shared-key').decode(cursor, 'category=Chaussures')).toEqual(position);
});

test('a cursor signed with another key is refused as a 400 invalid-cursor problem', () => {
  const cursor = new CursorCodec('old-key').encode(position, '');
  let thrown: unknown;
  try {
    new CursorCodec('new-key').decode(cursor, '');
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(Problem);
  expect(thrown).toMatchObject({ kind: 'invalid-cursor', status: 400 });
});

test('a cursor names the filters it was issued for when used with others', () => {
  const codec = new CursorCodec();
  const cursor = codec.encode(position, '');
  expect(() => codec.decode(cursor, 'updatedSince=2026-01-01T00:00:00.000Z')).toThrow(
    'cursor was issued for no filter but this call has "updatedSince=2026-01-01T00:00:00.000Z"',
  );
});
