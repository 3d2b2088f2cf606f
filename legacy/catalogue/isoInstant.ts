const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * Reads an ISO 8601 date (`2026-03-14`, midnight UTC) or a date-time with a zone
 * (`2026-03-14T10:22:00Z`, `2026-03-14T11:22:00+01:00`) as epoch milliseconds.
 *
 * Returns null for anything else: a date-time without a zone names no instant, and an
 * impossible date (`2026-02-30`) must not roll over into March as `Date.parse` would.
 */
export function parseIsoInstant(text: string): number | null {
  const match = ISO.exec(text);
  if (!match) return null;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const offsetMinutes = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59 || Math.abs(offsetMinutes) >= 24 * 60) return null;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, keeps years 0-99 as they are.
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return null;
  date.setUTCHours(Number(hour), Number(minute) - offsetMinutes, Number(second), Number(fraction.padEnd(3, '0').slice(0, 3)));
  return date.getTime();
}
