import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { parseIsoInstant } from '../../utilities/isoInstant.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function instant(value: unknown, where: string): string {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  if (typeof value === 'string') {
    const millis = parseIsoInstant(value);
    if (millis !== null) return new Date(millis).toISOString();
  }
  throw new GraphQLError(`DateTime ${where}: expected an ISO 8601 date-time with a zone, got ${JSON.stringify(value)}`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/** An instant, always served in UTC with milliseconds (`2026-03-14T10:22:00.000Z`). */
export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An instant in ISO 8601, served in UTC.',
  serialize: (value) => instant(value, 'output'),
  parseValue: (value) => instant(value, 'input'),
  parseLiteral: (ast) => instant(ast.kind === Kind.STRING ? ast.value : undefined, 'input'),
});

function calendarDate(value: unknown): string {
  if (typeof value === 'string' && DATE.test(value) && parseIsoInstant(value) !== null) return value;
  throw new GraphQLError(`Date: expected YYYY-MM-DD, got ${JSON.stringify(value)}`, { extensions: { code: 'BAD_USER_INPUT' } });
}

/** A calendar date (`2026-03-14`), no time, no zone. */
export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  description: 'A calendar date, YYYY-MM-DD.',
  serialize: calendarDate,
  parseValue: calendarDate,
  parseLiteral: (ast) => calendarDate(ast.kind === Kind.STRING ? ast.value : undefined),
});
