import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openSqlite } from '../../storage/sqlite';
import { tempDbPath } from '../../test/helpers/app';
import { metricPoints } from '../../storage/schema';
import { MetricRuleSchema } from '../../core/rules/definition';
import { periodKeyOf, periodSql, periodsEndingAt, shiftPeriod } from './periods';

const SHANGHAI = 8 * 3_600_000;

describe('period keys', () => {
  it('agree between JS and SQLite, in local time (Sunday 23:30 in Shanghai is still that week)', async () => {
    const db = tempDbPath();
    const store = openSqlite(db.path);
    try {
      for (const at of [
        '2026-11-22T15:30:00.000Z',
        '2026-11-22T16:30:00.000Z',
        '2026-12-31T17:00:00.000Z',
        '2026-03-01T00:00:00.000Z',
      ]) {
        for (const period of ['day', 'week', 'month'] as const) {
          const [row] = await store.db
            .select({ key: periodSql(period, metricPoints.at, SHANGHAI) })
            .from(sql`(select ${at} as at) as metric_points`);
          expect(row.key, `${period} of ${at}`).toBe(periodKeyOf(period, new Date(at), SHANGHAI));
        }
      }
      expect(periodKeyOf('week', new Date('2026-11-22T15:30:00Z'), SHANGHAI)).toBe('2026-11-16');
      expect(periodKeyOf('week', new Date('2026-11-22T16:30:00Z'), SHANGHAI)).toBe('2026-11-23');
    } finally {
      store.close();
      db.cleanup();
    }
  });

  it('shift across months and years', () => {
    expect(shiftPeriod('month', '2026-01', -1)).toBe('2025-12');
    expect(shiftPeriod('week', '2026-01-05', -1)).toBe('2025-12-29');
    expect(periodsEndingAt('month', '2026-02', 3)).toEqual(['2025-12', '2026-01', '2026-02']);
  });
});

describe('rule definitions', () => {
  const base = {
    metric: 'feedback_score',
    period: 'week',
    aggregation: 'avg',
    condition: { op: '<', threshold: 4.5 },
    consecutive: 2,
    actions: [{ type: 'notify_subject' }],
  };
  it('accept a well-formed rule with defaults', () => {
    const r = MetricRuleSchema.parse(base);
    expect(r.scope).toEqual({ type: 'org' });
    expect(r.kind).toBe('metric');
  });
  it('refuse impossible windows and conditions, unknown fields and duplicate actions', () => {
    expect(MetricRuleSchema.safeParse({ ...base, consecutive: 54 }).success).toBe(false);
    expect(MetricRuleSchema.safeParse({ ...base, period: 'month', consecutive: 13 }).success).toBe(false);
    expect(MetricRuleSchema.safeParse({ ...base, consecutive: 0 }).success).toBe(false);
    expect(
      MetricRuleSchema.safeParse({ ...base, aggregation: 'count', condition: { op: '<', threshold: 1 } }).success,
    ).toBe(false);
    expect(MetricRuleSchema.safeParse({ ...base, expression: 'x < 4' }).success).toBe(false);
    expect(
      MetricRuleSchema.safeParse({ ...base, actions: [{ type: 'notify_subject' }, { type: 'notify_subject' }] })
        .success,
    ).toBe(false);
    expect(MetricRuleSchema.safeParse({ ...base, actions: [] }).success).toBe(false);
  });
});
