import { describe, expect, it } from '@jest/globals';
import { buildSchema, parse } from 'graphql';
import { malformedScalarInput } from './scalarInputs.js';

const schema = buildSchema(`
  scalar DateTime
  scalar Date
  input Window { from: DateTime!, to: DateTime }
  type Query {
    sales(from: DateTime!, days: [Date!], window: Window, note: String): Int
  }
`);
const check = (query: string, variables?: Record<string, unknown>) => malformedScalarInput(schema, parse(query), undefined, variables);

describe('malformed DateTime and Date inputs are refused before planning', () => {
  it('lets well-formed literals and variables through', () => {
    expect(check('{ sales(from: "2026-11-20T12:00:00Z", days: ["2026-11-20"], window: { from: "2026-11-20T12:00:00+01:00" }, note: "yesterday") }')).toBeNull();
    expect(check('query ($f: DateTime!, $d: [Date!]) { sales(from: $f, days: $d) }', { f: '2026-11-20T12:00:00.000Z', d: ['2026-02-28'] })).toBeNull();
    expect(check('query ($f: DateTime) { sales(from: $f) }', {})).toBeNull();
  });

  it('names the argument, input field or variable that is not an instant or a date', () => {
    expect(check('{ sales(from: "yesterday") }')).toMatch(/^argument Query\.sales\(from:\) must be an ISO 8601 date-time.*"yesterday"$/);
    expect(check('{ sales(from: "2026-11-20T12:00:00Z", days: ["2026-11-20", "20/11/2026"]) }')).toMatch(/days:\) must be a date YYYY-MM-DD, got "20\/11\/2026"/);
    expect(check('{ sales(from: "2026-11-20T12:00:00Z", window: { from: "now" }) }')).toMatch(/^input field from must be/);
    expect(check('{ sales(from: 20261120) }')).toMatch(/got "IntValue"/);
    expect(check('query ($f: DateTime!) { sales(from: $f) }', { f: 'tomorrow' })).toBe('variable $f must be an ISO 8601 date-time with a zone (2026-11-20T12:00:00Z), got "tomorrow"');
    expect(check('query ($d: [Date!]) { sales(from: "2026-11-20T12:00:00Z", days: $d) }', { d: ['2026-02-30'] })).toMatch(/^variable \$d/);
  });

  it('walks input objects given as variables, and lists of them', () => {
    const query = 'query ($w: Window) { sales(from: "2026-11-20T12:00:00Z", window: $w) }';
    expect(check(query, { w: { from: '2026-11-20T12:00:00Z', to: null } })).toBeNull();
    expect(check(query, { w: { from: '2026-11-20T12:00:00Z', to: 'yesterday' } })).toBe('variable $w.to must be an ISO 8601 date-time with a zone (2026-11-20T12:00:00Z), got "yesterday"');
    const listed = buildSchema('scalar DateTime input W { at: DateTime } type Query { q(ws: [W!]): Int }');
    expect(malformedScalarInput(listed, parse('query ($ws: [W!]) { q(ws: $ws) }'), undefined, { ws: [{ at: '2026-11-20T12:00:00Z' }, { at: 'soon' }] })).toBe(
      'variable $ws[1].at must be an ISO 8601 date-time with a zone (2026-11-20T12:00:00Z), got "soon"',
    );
    // A value of the wrong shape is GraphQL's own to refuse.
    expect(check(query, { w: 'not an object' })).toBeNull();
  });
});
