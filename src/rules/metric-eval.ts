// One metric rule over every subject at once: a single grouped SQL aggregate
// (subject × period) over the window, then "N consecutive periods" in JS.
import { sql } from 'drizzle-orm';
import { allRows, type Store } from '../../storage/db';
import { metricPoints } from '../../storage/schema';
import { compare, type Aggregation, type MetricRule, type Period } from '../../core/rules/definition';
import { periodKeyOf, periodSql, periodStart, periodsEndingAt, shiftPeriod } from './periods';

/** Periods shown as the trend on cards. */
export const TREND_PERIODS = 6;

export interface PeriodValue {
  period: string;
  value: number;
}

export interface MetricHit {
  /** The point subject (a person's external id). */
  subject: string;
  /** The period the condition held through: the firing's period key. */
  endPeriod: string;
  /** The `consecutive` periods that met the condition, oldest first. */
  values: PeriodValue[];
  /** Up to TREND_PERIODS periods ending with endPeriod that have data, oldest first. */
  trend: PeriodValue[];
}

export type Aggregates = Record<Aggregation, number>;

/** Running aggregates of one subject's period while its points are read. */
interface Accumulator {
  sum: number;
  count: number;
  min: number;
  max: number;
  last: number;
  lastAt: string;
}

// Rounded so that avg(4.1, 4.3) reads 4.2, not 4.199999999999999.
const round9 = (x: number) => Math.round(x * 1e9) / 1e9;

/**
 * Every aggregate of one metric per subject and period, over the last `periods`
 * periods, in one query. SQL groups by subject only, which the primary key
 * (org, metric, subject, at) delivers in order, so SQLite streams it without a
 * sort; each subject's points come back packed as `period,value,at;…` (100,000
 * rows for 100,000 subjects, not one row per point) and are folded into
 * per-period aggregates here. (An inner GROUP BY subject, period needed a temp
 * B-tree over every point in the window, the costliest part of a pass.) Rules
 * on the same metric and period share the result (see `cachedAggregates`).
 */
export async function periodAggregates(
  store: Store,
  orgId: string,
  metric: string,
  period: Period,
  now: Date,
  offsetMs: number,
  periods: number,
) {
  const current = periodKeyOf(period, now, offsetMs);
  const from = periodStart(period, shiftPeriod(period, current, -(periods - 1)), offsetMs).toISOString();
  const key = periodSql(period, metricPoints.at, offsetMs);
  const rows = await allRows<{ subject: string; packed: string }>(
    store,
    sql`
    select ${metricPoints.subject} as subject, group_concat(${key} || ',' || ${metricPoints.value} || ',' || ${metricPoints.at}, ';') as packed
    from ${metricPoints}
    where ${metricPoints.orgId} = ${orgId} and ${metricPoints.metric} = ${metric} and ${metricPoints.at} >= ${from}
    group by ${metricPoints.subject}`,
  );
  const bySubject = new Map<string, Map<string, Aggregates>>();
  for (const r of rows) {
    const acc = new Map<string, Accumulator>();
    for (const point of r.packed.split(';')) {
      const [p, v, at] = point.split(',');
      if (p > current) continue; // clock skew: a point slightly in the future
      const value = Number(v);
      const a = acc.get(p);
      if (!a) {
        acc.set(p, { sum: value, count: 1, min: value, max: value, last: value, lastAt: at });
        continue;
      }
      a.sum += value;
      a.count++;
      if (value < a.min) a.min = value;
      if (value > a.max) a.max = value;
      if (at > a.lastAt) {
        a.last = value;
        a.lastAt = at;
      }
    }
    const m = new Map<string, Aggregates>();
    for (const [p, a] of acc)
      m.set(p, {
        avg: round9(a.sum / a.count),
        sum: round9(a.sum),
        min: a.min,
        max: a.max,
        count: a.count,
        last: a.last,
      });
    if (m.size) bySubject.set(r.subject, m);
  }
  return { current, bySubject };
}

export type AggregateCache = Map<string, ReturnType<typeof periodAggregates>>;

/** One query per (metric, period, window) per pass, however many rules use it. */
export function cachedAggregates(
  cache: AggregateCache | undefined,
  store: Store,
  orgId: string,
  rule: MetricRule,
  now: Date,
  offsetMs: number,
  periods: number,
) {
  const k = `${rule.metric}\u0000${rule.period}\u0000${periods}`;
  let hit = cache?.get(k);
  if (!hit) {
    hit = periodAggregates(store, orgId, rule.metric, rule.period, now, offsetMs, periods);
    cache?.set(k, hit);
  }
  return hit;
}

/**
 * Subjects whose aggregate met the condition in each of the last `consecutive`
 * periods. The window ends with the current period when it has data, else with
 * the previous one (so a new week's empty Monday does not clear last week's alert).
 * Both possible windows are computed once per rule, not once per subject.
 */
export async function metricRuleHits(
  store: Store,
  orgId: string,
  rule: MetricRule,
  now: Date,
  offsetMs: number,
  inScope: (subject: string) => boolean,
  cache?: AggregateCache,
): Promise<MetricHit[]> {
  const lookback = Math.max(rule.consecutive + 1, TREND_PERIODS + 1);
  const { current, bySubject } = await cachedAggregates(cache, store, orgId, rule, now, offsetMs, lookback);
  const windowEndingAt = (end: string) => ({
    end,
    needed: periodsEndingAt(rule.period, end, rule.consecutive),
    trend: periodsEndingAt(rule.period, end, TREND_PERIODS),
  });
  const windows = { current: windowEndingAt(current), previous: windowEndingAt(shiftPeriod(rule.period, current, -1)) };
  const { aggregation } = rule;
  const { op, threshold } = rule.condition;
  const hits: MetricHit[] = [];
  for (const [subject, periods] of bySubject) {
    const { end, needed, trend } = periods.has(current) ? windows.current : windows.previous;
    let met = true;
    for (const p of needed) {
      const v = periods.get(p)?.[aggregation];
      if (v === undefined || !compare(v, op, threshold)) {
        met = false;
        break;
      }
    }
    if (!met || !inScope(subject)) continue;
    hits.push({
      subject,
      endPeriod: end,
      values: needed.map((p) => ({ period: p, value: periods.get(p)![aggregation] })),
      trend: trend.filter((p) => periods.has(p)).map((p) => ({ period: p, value: periods.get(p)![aggregation] })),
    });
  }
  return hits;
}
