// Wall-clock arithmetic in IANA time zones with nothing but Intl, so it runs on
// Node and on Workers alike: local parts of an instant, the instant of a local
// midnight, and the period keys job runs are filed under.
import { isValidTimezone, localDate } from './okr/pace';

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The first valid zone of the candidates, else UTC. */
export function pickTimezone(...candidates: (string | null | undefined)[]): string {
  return candidates.find(isValidTimezone) ?? 'UTC';
}

/** How far `timeZone` is ahead of UTC at `at`, in ms. */
export function tzOffsetMs(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant a local date's midnight happens in `timeZone` (two passes settle DST edges). */
export function localMidnight(isoDate: string, timeZone: string): Date {
  const [y, m, d] = isoDate.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d);
  let instant = wall - tzOffsetMs(new Date(wall), timeZone);
  instant = wall - tzOffsetMs(new Date(instant), timeZone);
  return new Date(instant);
}

/** ISO weekday of a YYYY-MM-DD date: Monday 1 … Sunday 7. */
function isoWeekday(isoDate: string): number {
  const day = new Date(`${isoDate}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

export function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** ISO-8601 week of the local date of `at`, e.g. `2026-W48` (the year is the week's Thursday's). */
export function isoWeekKey(at: Date, timeZone: string): string {
  const date = localDate(at, timeZone);
  const thursday = addDays(date, 4 - isoWeekday(date));
  const year = +thursday.slice(0, 4);
  const jan1 = Date.UTC(year, 0, 1);
  const week = Math.floor((Date.parse(`${thursday}T00:00:00Z`) - jan1) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Monday 00:00 local of the ISO week containing `at`. */
export function weekStart(at: Date, timeZone: string): Date {
  const date = localDate(at, timeZone);
  return localMidnight(addDays(date, 1 - isoWeekday(date)), timeZone);
}

export type PeriodUnit = 'week' | 'day' | 'hour';

/** The period a scheduled slot belongs to: `2026-W48`, `2026-11-27` or `2026-11-27T16`. */
export function periodKey(unit: PeriodUnit, slot: Date, timeZone: string): string {
  if (unit === 'week') return isoWeekKey(slot, timeZone);
  const date = localDate(slot, timeZone);
  if (unit === 'day') return date;
  const hour = String(Math.floor(((slot.getTime() + tzOffsetMs(slot, timeZone)) % DAY_MS) / 3_600_000)).padStart(
    2,
    '0',
  );
  return `${date}T${hour}`;
}

export { localDate };
