// Period keys, computed the same way in SQL (grouping metric points) and in JS
// (which periods a window covers). Local time is approximated by the org's
// current UTC offset, so SQLite/D1 can bucket with a plain date modifier:
//   day   → 2026-11-23   (local date)
//   week  → 2026-11-23   (the Monday that starts the ISO week)
//   month → 2026-11
// (Across a DST change a point within an hour of midnight may land in the
// neighbouring day; Polaris' default zone, Asia/Shanghai, has no DST.)
import { sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Period } from '../../core/rules/definition';

const DAY_MS = 86_400_000;

/** `+480 minutes`: the modifier that turns a UTC timestamp into local wall time. */
export function offsetModifier(offsetMs: number): string {
  const minutes = Math.round(offsetMs / 60_000);
  return `${minutes >= 0 ? '+' : ''}${minutes} minutes`;
}

/** The SQL expression of a point's period key. */
export function periodSql(period: Period, at: SQLiteColumn, offsetMs: number): SQL<string> {
  const shift = offsetModifier(offsetMs);
  switch (period) {
    case 'day':
      return sql<string>`date(${at}, ${shift})`;
    // 'weekday 0' moves forward to Sunday (or stays on it); six days back is that ISO week's Monday.
    case 'week':
      return sql<string>`date(${at}, ${shift}, 'weekday 0', '-6 days')`;
    case 'month':
      return sql<string>`strftime('%Y-%m', ${at}, ${shift})`;
  }
}

function localDay(ms: number, offsetMs: number): string {
  return new Date(ms + offsetMs).toISOString().slice(0, 10);
}

function mondayOf(isoDate: string): string {
  const t = Date.parse(`${isoDate}T00:00:00Z`);
  const weekday = (new Date(t).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return new Date(t - weekday * DAY_MS).toISOString().slice(0, 10);
}

export function periodKeyOf(period: Period, at: Date, offsetMs: number): string {
  const day = localDay(at.getTime(), offsetMs);
  if (period === 'day') return day;
  if (period === 'week') return mondayOf(day);
  return day.slice(0, 7);
}

/** The key `steps` periods before (negative) or after `key`. */
export function shiftPeriod(period: Period, key: string, steps: number): string {
  if (period === 'month') {
    const [y, m] = key.split('-').map(Number);
    const total = y * 12 + (m - 1) + steps;
    return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
  }
  const days = period === 'week' ? steps * 7 : steps;
  return new Date(Date.parse(`${key}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The instant (UTC) a period key starts, given the same offset. */
export function periodStart(period: Period, key: string, offsetMs: number): Date {
  const date = period === 'month' ? `${key}-01` : key;
  return new Date(Date.parse(`${date}T00:00:00Z`) - offsetMs);
}

/** The last `count` period keys ending with `end`, oldest first. */
export function periodsEndingAt(period: Period, end: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => shiftPeriod(period, end, i - count + 1));
}
