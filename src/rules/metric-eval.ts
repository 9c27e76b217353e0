// One metric rule over every subject at once: a single grouped SQL aggregate
// (subject × period) over the window, then "N consecutive periods" in JS.
import { sql } from 'drizzle-orm';
import type { Store } from '../../storage/db';
import { metricPoints } from '../../storage/schema';
import { compare, type Aggregation, type MetricRule, type Period } from './definition';
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

/**
 * Every aggregate of one metric per subject and period, over the last `periods`
 * periods, in one grouped query (an inner GROUP BY subject, period; an outer
 * GROUP BY subject that packs a subject's periods into one string, so a pass
 * over 100,000 subjects moves 100,000 rows, not 700,000). Rules on the same
 * metric and period share it (see `cachedAggregates`). `last` is the value of
 * the latest point: `at` is fixed-width ISO text, so max(at || value) ends with it.
 */
export async function periodAggregates(store: Store, orgId: string, metric: string, period: Period, now: Date, offsetMs: number, periods: number) {
  const current = periodKeyOf(period, now, offsetMs);
  const from = periodStart(period, shiftPeriod(period, current, -(periods - 1)), offsetMs).toISOString();
  const key = periodSql(period, metricPoints.at, offsetMs);
  const rows = await store.db.all<{ subject: string; packed: string }>(sql`
    select subject, group_concat(p || ',' || a || ',' || s || ',' || mi || ',' || ma || ',' || c || ',' || l, ';') as packed from (
      select ${metricPoints.subject} as subject, ${key} as p, avg(${metricPoints.value}) as a, sum(${metricPoints.value}) as s,
        min(${metricPoints.value}) as mi, max(${metricPoints.value}) as ma, count(*) as c,
        substr(max(${metricPoints.at} || ${metricPoints.value}), 25) as l
      from ${metricPoints}
      where ${metricPoints.orgId} = ${orgId} and ${metricPoints.metric} = ${metric} and ${metricPoints.at} >= ${from}
      group by 1, 2
    ) group by subject`);
  const bySubject = new Map<string, Map<string, Aggregates>>();
  // Rounded so that avg(4.1, 4.3) reads 4.2, not 4.199999999999999.
  const num = (x: string) => Math.round(Number(x) * 1e9) / 1e9;
  for (const r of rows) {
    const m = new Map<string, Aggregates>();
    for (const part of r.packed.split(';')) {
      const [p, a, s, mi, ma, c, l] = part.split(',');
      if (p > current) continue; // clock skew: a point slightly in the future
      m.set(p, { avg: num(a), sum: num(s), min: num(mi), max: num(ma), count: Number(c), last: num(l) });
    }
    bySubject.set(r.subject, m);
  }
  return { current, bySubject };
}

export type AggregateCache = Map<string, ReturnType<typeof periodAggregates>>;

/** One query per (metric, period, window) per pass, however many rules use it. */
export function cachedAggregates(cache: AggregateCache | undefined, store: Store, orgId: string, rule: MetricRule, now: Date, offsetMs: number, periods: number) {
  const k = `${rule.metric}\u0000${rule.period}\u0000${periods}`;
  let hit = cache?.get(k);
  if (!hit) {
    hit = periodAggregates(store, orgId, rule.metric, rule.period, now, offsetMs, periods);
    cache?.set(k, hit);
  }
  return hit;
}

/** Aggregated values per subject and period for one rule's aggregation. */
export async function periodValues(store: Store, orgId: string, rule: MetricRule, now: Date, offsetMs: number, periods: number, cache?: AggregateCache) {
  const { current, bySubject: all } = await cachedAggregates(cache, store, orgId, rule, now, offsetMs, periods);
  const bySubject = new Map<string, Map<string, number>>();
  for (const [subject, periodsOf] of all) {
    const m = new Map<string, number>();
    for (const [p, aggs] of periodsOf) m.set(p, aggs[rule.aggregation]);
    bySubject.set(subject, m);
  }
  return { current, bySubject };
}

/**
 * Subjects whose aggregate met the condition in each of the last `consecutive`
 * periods. The window ends with the current period when it has data, else with
 * the previous one (so a new week's empty Monday does not clear last week's alert).
 */
export async function metricRuleHits(store: Store, orgId: string, rule: MetricRule, now: Date, offsetMs: number, inScope: (subject: string) => boolean, cache?: AggregateCache): Promise<MetricHit[]> {
  const lookback = Math.max(rule.consecutive + 1, TREND_PERIODS + 1);
  const { current, bySubject } = await periodValues(store, orgId, rule, now, offsetMs, lookback, cache);
  const previous = shiftPeriod(rule.period, current, -1);
  const hits: MetricHit[] = [];
  for (const [subject, values] of bySubject) {
    if (!inScope(subject)) continue;
    const end = values.has(current) ? current : previous;
    const needed = periodsEndingAt(rule.period, end, rule.consecutive);
    let met = true;
    for (const p of needed) {
      const v = values.get(p);
      if (v === undefined || !compare(v, rule.condition.op, rule.condition.threshold)) { met = false; break; }
    }
    if (!met) continue;
    const trend = periodsEndingAt(rule.period, end, TREND_PERIODS).filter((p) => values.has(p)).map((p) => ({ period: p, value: values.get(p)! }));
    hits.push({ subject, endPeriod: end, values: needed.map((p) => ({ period: p, value: values.get(p)! })), trend });
  }
  return hits;
}
