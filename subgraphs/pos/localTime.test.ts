import { wallClockToUtc, zoneOffsetMs } from './localTime.js';

describe('wallClockToUtc', () => {
  test('winter and summer time in Paris', () => {
    expect(wallClockToUtc('2026-03-14 11:22:00', 'Europe/Paris')).toBe('2026-03-14T10:22:00.000Z');
    expect(wallClockToUtc('2026-07-03 18:05:00', 'Europe/Paris')).toBe('2026-07-03T16:05:00.000Z');
    expect(wallClockToUtc('2026-12-31T23:59:59.999999', 'Europe/Paris')).toBe('2026-12-31T22:59:59.999Z');
  });

  test('the night summer time starts: 02:xx never happens and moves forward by the hour skipped', () => {
    expect(wallClockToUtc('2026-03-29 01:59:59', 'Europe/Paris')).toBe('2026-03-29T00:59:59.000Z');
    expect(wallClockToUtc('2026-03-29 02:30:00', 'Europe/Paris')).toBe('2026-03-29T01:30:00.000Z');
    expect(wallClockToUtc('2026-03-29 03:30:00', 'Europe/Paris')).toBe('2026-03-29T01:30:00.000Z');
  });

  test('the night summer time ends: 02:xx happens twice and the first one is taken', () => {
    expect(wallClockToUtc('2026-10-25 01:59:00', 'Europe/Paris')).toBe('2026-10-24T23:59:00.000Z');
    expect(wallClockToUtc('2026-10-25 02:30:00', 'Europe/Paris')).toBe('2026-10-25T00:30:00.000Z');
    expect(wallClockToUtc('2026-10-25 03:00:00', 'Europe/Paris')).toBe('2026-10-25T02:00:00.000Z');
  });

  test('any IANA zone', () => {
    expect(wallClockToUtc('2026-01-15 09:00:00', 'America/New_York')).toBe('2026-01-15T14:00:00.000Z');
    expect(wallClockToUtc('2026-11-01 01:30:00', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
    expect(wallClockToUtc('2026-06-01 12:00:00', 'UTC')).toBe('2026-06-01T12:00:00.000Z');
    expect(zoneOffsetMs(Date.parse('2026-07-01T00:00:00Z'), 'Europe/Paris')).toBe(2 * 3600_000);
  });

  test('refuses what is not a wall-clock time, naming it', () => {
    expect(() => wallClockToUtc('2026-03-14T11:22:00+01:00', 'Europe/Paris')).toThrow('"2026-03-14T11:22:00+01:00"');
    expect(() => wallClockToUtc('2026-02-30 10:00:00', 'Europe/Paris')).toThrow('not a valid date and time: "2026-02-30 10:00:00"');
    expect(() => wallClockToUtc('2026-03-14 24:00:00', 'Europe/Paris')).toThrow(RangeError);
  });
});
