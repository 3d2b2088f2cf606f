import { errorLine } from './errorLine.js';

describe('errorLine', () => {
  test('the first line of a message', () => {
    expect(errorLine(new Error('DATABASE_URL: cannot reach PostgreSQL: connect ECONNREFUSED 127.0.0.1:1\n    at x'))).toBe(
      'DATABASE_URL: cannot reach PostgreSQL: connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  test('a message that ends on its cause: the cause, down to the addresses an AggregateError refused', () => {
    const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    const cause = new AggregateError([refused('::1:5432'), refused('127.0.0.1:5432')], '');
    expect(errorLine(new Error('DATABASE_URL: cannot reach PostgreSQL: ', { cause }))).toBe(
      'DATABASE_URL: cannot reach PostgreSQL: connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432',
    );
    expect(errorLine(Object.assign(new Error(''), { code: 'ETIMEDOUT' }))).toBe('ETIMEDOUT');
    expect(errorLine('plain')).toBe('plain');
  });
});
