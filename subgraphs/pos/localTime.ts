const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** How far `timeZone`'s clocks are ahead of UTC at `instant`, in milliseconds. */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The UTC instant (ISO 8601) of a wall-clock time read in `timeZone`, as a `timestamp without
 * time zone` column prints it (`2026-03-14 11:22:00`).
 *
 * Clocks changes make some wall-clock times ambiguous or impossible; they are resolved the way
 * java.time and Temporal's `compatible` do: a time that happens twice (the night summer time
 * ends) is the first of the two, a time that never happens (the night it starts) is moved
 * forward by the length of the gap. Throws a RangeError naming the value when it is not a
 * wall-clock time.
 */
export function wallClockToUtc(text: string, timeZone: string): string {
  const match = WALL_CLOCK.exec(text.trim());
  if (!match) throw new RangeError(`expected a date and time without zone (YYYY-MM-DD HH:MM:SS), got ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s = '0', fraction = ''] = match;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(fraction.padEnd(3, '0').slice(0, 3)));
  const check = new Date(wall);
  if (check.getUTCDate() !== Number(d) || check.getUTCHours() !== Number(h) || Number(mi) > 59 || Number(s) > 59) {
    throw new RangeError(`not a valid date and time: ${JSON.stringify(text)}`);
  }
  const day = 86_400_000;
  const before = zoneOffsetMs(wall - day, timeZone);
  const after = zoneOffsetMs(wall + day, timeZone);
  const candidates = [...new Set([wall - before, wall - after])]
    .filter((instant) => zoneOffsetMs(instant, timeZone) === wall - instant)
    .sort((a, b) => a - b);
  // No candidate: the wall-clock time fell in a gap; the offset before it pushes it forward.
  const instant = candidates[0] ?? wall - before;
  return new Date(instant).toISOString();
}
