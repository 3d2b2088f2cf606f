import { cursorOf, mergeHistory, pageOf, type OrderHeader } from './history.js';

const web = (number: string, placedAt: string, storeCode: string | null = null): OrderHeader => ({ kind: 'WEB_ORDER', number, channel: 'WEB', placedAt, storeCode });
const sale = (number: string, placedAt: string, storeCode = 'NRD01'): OrderHeader => ({ kind: 'STORE_SALE', number, channel: 'STORE', placedAt, storeCode });
const ret = (number: string, placedAt: string, storeCode = 'NRD01'): OrderHeader => ({ kind: 'STORE_RETURN', number, channel: 'STORE', placedAt, storeCode });

const history = mergeHistory([
  [web('W1', '2026-01-01T10:00:00.000Z'), web('W2', '2026-03-01T10:00:00.000Z', 'SUD01')],
  [sale('NRD01-1', '2026-02-01T10:00:00.000Z'), ret('R-NRD01-1', '2026-02-01T10:00:00.000Z'), sale('SUD01-1', '2026-04-01T10:00:00.000Z', 'SUD01')],
  [ret('R-NRD01-1', '2026-02-01T10:00:00.000Z')],
]);

describe('the order history', () => {
  it('merges the systems newest first, without repeats, same instants by number', () => {
    expect(history.map((h) => h.number)).toEqual(['SUD01-1', 'W2', 'NRD01-1', 'R-NRD01-1', 'W1']);
  });

  it('pages by cursor: each page reads on from the last order of the one before', () => {
    const first = pageOf(history, { first: 2 });
    expect(first.headers.map((h) => h.number)).toEqual(['SUD01-1', 'W2']);
    expect(first).toMatchObject({ hasNextPage: true, totalCount: 5, endCursor: cursorOf(history[1]!) });
    const second = pageOf(history, { first: 2, after: first.endCursor });
    expect(second.headers.map((h) => h.number)).toEqual(['NRD01-1', 'R-NRD01-1']);
    const last = pageOf(history, { first: 2, after: second.endCursor });
    expect(last.headers.map((h) => h.number)).toEqual(['W1']);
    expect(last.hasNextPage).toBe(false);
    expect(pageOf(history, { first: 2, after: last.endCursor })).toMatchObject({ headers: [], hasNextPage: false, endCursor: null });
  });

  it('keeps a cursor valid when a newer order arrives, and for an order since gone', () => {
    const page = pageOf(history, { first: 2 });
    const grown = mergeHistory([history, [web('W3', '2026-05-01T10:00:00.000Z')]]);
    expect(pageOf(grown, { first: 2, after: page.endCursor }).headers.map((h) => h.number)).toEqual(['NRD01-1', 'R-NRD01-1']);
    const shrunk = history.filter((h) => h.number !== 'W2');
    expect(pageOf(shrunk, { first: 2, after: page.endCursor }).headers.map((h) => h.number)).toEqual(['NRD01-1', 'R-NRD01-1']);
  });

  it('filters before counting: by channel and by store (a web order by its collection store)', () => {
    expect(pageOf(history, { channel: 'WEB' })).toMatchObject({ totalCount: 2 });
    expect(pageOf(history, { storeCode: 'SUD01' }).headers.map((h) => h.number)).toEqual(['SUD01-1', 'W2']);
    expect(pageOf(history, { first: 0 })).toMatchObject({ headers: [], totalCount: 5, hasNextPage: true, endCursor: null });
  });

  it('refuses a size out of range and a cursor that is not one of ours, naming the argument', () => {
    for (const first of [-1, 101, 2.5]) expect(() => pageOf(history, { first })).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', argument: 'first' } }));
    const forged = [
      'abc',
      Buffer.from('["o1","soon","W1","WEB_ORDER"]').toString('base64url'),
      Buffer.from('["o2","2026-01-01T00:00:00Z","W1","WEB_ORDER"]').toString('base64url'),
      Buffer.from('["o1","2026-01-01T00:00:00Z","W1","QUOTE"]').toString('base64url'),
      Buffer.from('{"a":1}').toString('base64url'),
    ];
    for (const after of forged) expect(() => pageOf(history, { after })).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } }));
  });
});
