// Metric points from business systems (CRM, LMS, attendance): parsing a JSON or
// CSV batch and validating it point by point. Pure: no storage, so the API can
// report every bad point with its reason before anything is written.
import Papa from 'papaparse';
import { localMidnight } from '../../core/time';

export const MAX_POINTS = 10_000;
export const METRIC_PATTERN = /^\S{1,100}$/;

export interface MetricPoint {
  metric: string;
  /** A person's external id, a team id or name, or "org". */
  subject: string;
  /** Normalised ISO-8601 UTC timestamp. */
  at: string;
  value: number;
}

export interface PointError {
  /** 0-based position in the batch (CSV: data row, header excluded). */
  index: number;
  field: 'metric' | 'subject' | 'at' | 'value' | '(point)';
  message: string;
}

export type RawPoint = Record<string, unknown>;

export class BatchError extends Error {}

/** A batch body: `[...]`, `{"points":[...]}` or CSV with the header `metric,subject,at,value`. */
export function parseBatch(contentType: 'json' | 'csv', body: string): RawPoint[] {
  const text = body.replace(/^\uFEFF/, '');
  if (!text.trim())
    throw new BatchError(
      'The batch is empty: send a JSON array of points or a CSV with the header metric,subject,at,value.',
    );
  if (contentType === 'csv') {
    const parsed = Papa.parse<Record<string, string>>(text, {
      header: true,
      skipEmptyLines: 'greedy',
      transformHeader: (h) => h.trim().toLowerCase(),
    });
    const missing = ['metric', 'subject', 'at', 'value'].filter((c) => !(parsed.meta.fields ?? []).includes(c));
    if (missing.length)
      throw new BatchError(
        `The CSV header lacks the column(s) ${missing.join(', ')}; expected metric,subject,at,value.`,
      );
    return parsed.data;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new BatchError(`The body is not valid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { points?: unknown } | null)?.points;
  if (!Array.isArray(list)) throw new BatchError('Send a JSON array of points, or {"points": [...]}.');
  return list as RawPoint[];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A point's time as ISO UTC: a date (`2026-11-01` = midnight in the org's time zone, so a
 * monthly point lands in its month for an org east or west of UTC) or a date-time with a zone.
 */
export function normaliseAt(raw: unknown, now: Date, timeZone = 'UTC'): { at?: string; error?: string } {
  if (typeof raw === 'number' && Number.isFinite(raw)) {
    // Epoch seconds or milliseconds.
    const ms = raw < 1e11 ? raw * 1000 : raw;
    return checkRange(new Date(ms), now);
  }
  if (typeof raw !== 'string' || !raw.trim())
    return { error: 'required: an ISO date (2026-11-23) or date-time with a zone (2026-11-23T09:00:00+08:00)' };
  const s = raw.trim();
  if (ISO_DATE.test(s)) {
    const utc = new Date(`${s}T00:00:00Z`);
    if (Number.isNaN(utc.getTime()) || utc.toISOString().slice(0, 10) !== s)
      return { error: `"${s}" is not a real date` };
    return checkRange(localMidnight(s, timeZone), now, s);
  }
  if (ISO_DATETIME.test(s)) return checkRange(new Date(s.replace(' ', 'T')), now, s);
  return { error: `"${s.slice(0, 40)}" is not an ISO date or a date-time with a time zone` };
}

function checkRange(d: Date, now: Date, shown?: string): { at?: string; error?: string } {
  if (Number.isNaN(d.getTime())) return { error: `"${shown ?? String(d)}" is not a real date` };
  const year = d.getUTCFullYear();
  if (year < 2000) return { error: 'is before the year 2000' };
  // A little clock skew is fine; a point from next week is a bug in the feed.
  if (d.getTime() > now.getTime() + 86_400_000) return { error: 'is in the future' };
  return { at: d.toISOString() };
}

function asText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  return undefined;
}

function asNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const s = raw
    .trim()
    .replace(/[,，]/g, '')
    .replace(/[％%]$/, '');
  if (!s || !/^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Validates every point. A point with the same (metric, subject, at) as an
 * earlier one in the batch is fine when the value agrees (a resend) and an
 * error when it does not (which one is right?).
 */
export function validatePoints(
  raws: RawPoint[],
  now: Date,
  /** The org's zone: plain dates are read as its local midnight. */
  timeZone = 'UTC',
): { points: MetricPoint[]; indexes: number[]; errors: PointError[] } {
  const points: MetricPoint[] = [];
  const indexes: number[] = [];
  const errors: PointError[] = [];
  const seen = new Map<string, { index: number; value: number }>();
  raws.forEach((raw, index) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      errors.push({ index, field: '(point)', message: 'each point is an object {metric, subject, at, value}' });
      return;
    }
    const before = errors.length;
    const metric = asText(raw.metric);
    if (!metric) errors.push({ index, field: 'metric', message: 'required' });
    else if (!METRIC_PATTERN.test(metric))
      errors.push({ index, field: 'metric', message: 'at most 100 characters, no spaces (e.g. feedback_score)' });
    const subject = asText(raw.subject);
    if (!subject)
      errors.push({ index, field: 'subject', message: 'required: a person\'s external id, a team, or "org"' });
    else if (subject.length > 200) errors.push({ index, field: 'subject', message: 'at most 200 characters' });
    const at = normaliseAt(raw.at, now, timeZone);
    if (at.error) errors.push({ index, field: 'at', message: at.error });
    const value = asNumber(raw.value);
    if (value === undefined)
      errors.push({
        index,
        field: 'value',
        message: raw.value === undefined || raw.value === '' ? 'required: a number' : 'not a finite number',
      });
    else if (Math.abs(value) > 1e12) errors.push({ index, field: 'value', message: 'out of range (|value| ≤ 1e12)' });
    if (errors.length > before) return;
    const key = `${metric}\u0000${subject}\u0000${at.at}`;
    const earlier = seen.get(key);
    if (earlier) {
      if (earlier.value !== value)
        errors.push({
          index,
          field: '(point)',
          message: `same metric, subject and at as point ${earlier.index} but a different value`,
        });
      return;
    }
    seen.set(key, { index, value: value! });
    points.push({ metric: metric!, subject: subject!, at: at.at!, value: value! });
    indexes.push(index);
  });
  return { points, indexes, errors };
}
