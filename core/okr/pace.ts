// Where a cycle "should" be today: the fraction of its days already elapsed.
import type { CycleWindow } from './types';

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of an ISO date (YYYY-MM-DD); NaN when malformed. */
export function dayNumber(isoDate: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate);
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3]) / DAY_MS;
}

/**
 * The calendar date (YYYY-MM-DD) of `now` in `timeZone` (an IANA name such as
 * Asia/Shanghai). Intl is available on Node and on Workers; an unknown zone falls back to UTC.
 */
export function localDate(now: Date, timeZone?: string): string {
  const format = timeZone ? dateFormat(timeZone) : undefined;
  return format ? format.format(now) : now.toISOString().slice(0, 10);
}

/** True for a time zone Intl knows (Asia/Shanghai, America/New_York, UTC…). */
export function isValidTimezone(timeZone: string | null | undefined): timeZone is string {
  return !!timeZone && dateFormat(timeZone) !== undefined;
}

// Building an Intl.DateTimeFormat costs ~45 µs; one per zone is kept (null: unknown zone).
const formats = new Map<string, Intl.DateTimeFormat | null>();

function dateFormat(timeZone: string): Intl.DateTimeFormat | undefined {
  let format = formats.get(timeZone);
  if (format === undefined) {
    try {
      // en-CA formats as YYYY-MM-DD.
      format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      format = null;
    }
    if (formats.size < 1000) formats.set(timeZone, format);
  }
  return format ?? undefined;
}

/**
 * Fraction of the cycle elapsed, 0..1, counted in whole days in the org's time zone:
 * (today − startsOn) / (number of days in the cycle, both ends inclusive).
 * The first day is 0 (nobody is behind yet), the last day is (n−1)/n, the day after the end is 1.
 */
export function expectedPace(cycle: CycleWindow, now: Date, timeZone?: string): number {
  const start = dayNumber(cycle.startsOn);
  const end = dayNumber(cycle.endsOn);
  const today = dayNumber(localDate(now, timeZone));
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return 0;
  const total = end - start + 1;
  const elapsed = (today - start) / total;
  return elapsed < 0 ? 0 : Math.min(elapsed, 1);
}
