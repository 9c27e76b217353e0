// Number, percent and date formatting for cards and replies, in zh-CN and en.
// Pure: "now" is always passed in, never read from a clock.
import type { KrKind } from './types';
import { t, toLocale, type Locale } from './i18n';

const ASCII_WORD = /^[A-Za-z]/;

/** 12000 → "12,000"; 3.456 → "3.46"; -0 → "0". Up to `decimals` places, trailing zeros dropped. */
export function formatNumber(n: number, decimals = 2): string {
  if (!Number.isFinite(n)) return '—';
  const factor = 10 ** decimals;
  const rounded = Math.round(n * factor) / factor;
  const [int, frac] = Math.abs(rounded).toFixed(decimals).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = frac?.replace(/0+$/, '');
  const sign = rounded < 0 ? '-' : '';
  return `${sign}${grouped}${fraction ? `.${fraction}` : ''}`;
}

/** 1,200,000 → "120万" (zh), keeping up to 2 decimals: 123,456 → "12.35万". */
function formatWan(n: number): string {
  return `${formatNumber(n / 10_000, 2)}万`;
}

/** A ratio 0..1 (or beyond) as a whole percent: 0.456 → "46%". */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  return `${Math.round(ratio * 100)}%`;
}

export interface ValueShape {
  kind: KrKind;
  unit?: string | null;
}

/**
 * A KR value for display:
 * percent `45%`; currency zh `¥5,000` / `1.2万元`, en `¥12,000` (`$1,200` when the unit is $);
 * numbers with a unit `4.7分`, `20次`, en `20 visits`; zh numbers ≥ 100,000 as `120万`;
 * boolean 完成 / 未完成; milestone `3个里程碑`.
 * Call as formatValue(v, { kind, unit }, locale) or formatValue(v, unit, kind, locale).
 */
export function formatValue(value: number, shape: ValueShape, locale?: Locale | string): string;
export function formatValue(
  value: number,
  unit: string | null | undefined,
  kind: KrKind,
  locale?: Locale | string,
): string;
export function formatValue(
  value: number,
  shapeOrUnit: ValueShape | string | null | undefined,
  kindOrLocale?: string,
  maybeLocale?: Locale | string,
): string {
  const byShape = typeof shapeOrUnit === 'object' && shapeOrUnit !== null;
  const shape: ValueShape = byShape ? shapeOrUnit : { kind: kindOrLocale as KrKind, unit: shapeOrUnit };
  const locale = (byShape ? kindOrLocale : maybeLocale) ?? 'zh-CN';
  const lang = toLocale(locale);
  const unit = shape.unit ?? undefined;
  switch (shape.kind) {
    case 'boolean':
      return t(lang, value >= 1 ? 'card.done' : 'card.notDone');
    case 'percent':
      return `${formatNumber(value)}%`;
    case 'currency': {
      const symbol = unit === '$' || unit === 'USD' ? '$' : '¥';
      if (lang === 'zh-CN' && symbol === '¥' && Math.abs(value) >= 10_000) return `${formatWan(value)}元`;
      if (lang === 'zh-CN' && symbol === '¥') return `${formatNumber(value)}元`;
      return `${value < 0 ? '-' : ''}${symbol}${formatNumber(Math.abs(value))}`;
    }
    default: {
      const number = lang === 'zh-CN' && Math.abs(value) >= 100_000 ? formatWan(value) : formatNumber(value);
      if (!unit) return number;
      return ASCII_WORD.test(unit) ? `${number} ${unit}` : `${number}${unit}`;
    }
  }
}

const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** An ISO date or timestamp as a short date: zh `7月3日`, en `Jul 3`; the year only when it differs from `now`'s. */
export function formatDate(iso: string, locale: Locale | string = 'zh-CN', now?: string): string {
  const date = parseIso(iso);
  if (!date) return iso;
  const lang = toLocale(locale);
  const year = date.getUTCFullYear();
  const monthIndex = date.getUTCMonth();
  const params = { year, month: lang === 'en' ? EN_MONTHS[monthIndex] : monthIndex + 1, day: date.getUTCDate() };
  const nowDate = now ? parseIso(now) : null;
  const sameYear = !nowDate || nowDate.getUTCFullYear() === year;
  return t(lang, sameYear ? 'time.date' : 'time.dateWithYear', params);
}

/**
 * How long ago `iso` was, relative to `now`: 刚刚 / 5 分钟前 / 3 小时前 / 昨天 / 4 天前,
 * then a date. Without `now`, just the date. Dates are compared in UTC.
 */
export function formatRelative(iso: string, now: string | undefined, locale: Locale | string = 'zh-CN'): string {
  const lang = toLocale(locale);
  const then = parseIso(iso);
  const current = now ? parseIso(now) : null;
  if (!then || !current) return formatDate(iso, lang, now);
  const elapsed = current.getTime() - then.getTime();
  if (elapsed < 0) return formatDate(iso, lang, now);
  if (elapsed < MINUTE) return t(lang, 'time.justNow');
  if (elapsed < HOUR) return t(lang, 'time.minutesAgo', { n: Math.floor(elapsed / MINUTE) });
  if (elapsed < DAY) return t(lang, 'time.hoursAgo', { n: Math.floor(elapsed / HOUR) });
  const days = Math.floor(elapsed / DAY);
  if (days === 1) return t(lang, 'time.yesterday');
  if (days < 7) return t(lang, 'time.daysAgo', { n: days });
  return formatDate(iso, lang, now);
}

function parseIso(iso: string): Date | null {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A text progress bar: 45 → "▓▓▓▓░░░░░░" (width 10). Rounds down, so only 100% is full; overshoot stays full. */
export function progressBar(percent: number, width = 10): string {
  const p = Number.isFinite(percent) ? Math.min(Math.max(percent, 0), 100) : 0;
  const filled = Math.floor((p / 100) * width + 1e-9);
  return '▓'.repeat(filled) + '░'.repeat(width - filled);
}

/** 0.456 → "46%". */
export function pct(ratio: number): string {
  return `${Math.round((Number.isFinite(ratio) ? ratio : 0) * 100)}%`;
}

/** A progress change in points: +12% · −3% · ±0%. */
export function signedPct(delta: number): string {
  const points = Math.round(delta * 100);
  if (points === 0) return '±0%';
  return points > 0 ? `+${points}%` : `−${Math.abs(points)}%`;
}
