// Org figures for GET /api/v1/stats: mostly SQL aggregates, plus the cycle's
// roll-up (tree.ts) for statuses and scores.
import { sql } from 'drizzle-orm';
import { allRows, type Store } from '../db';
import {
  ADJUSTMENT_WINDOW_DAYS,
  CHECK_IN_WINDOW_DAYS,
  adjustmentRatePer100,
  alignmentRate,
  checkInRate,
  emptyStatusCounts,
  scoreBucket,
  windowStart,
  type ScoreDistribution,
  type StatusCounts,
} from '../../core/okr';
import { expectedPace } from '../../core/okr';
import { ensureRollups } from './rollup-store';
import type { OrgRollup, RollupQuery } from './tree';

export interface OrgStats {
  cycleId: string;
  /** Fraction of the cycle elapsed (what statuses are measured against). */
  expectedProgress: number;
  alignmentRate: number;
  checkInRate: number;
  adjustmentRatePer100: number;
  people: number;
  peopleCheckedIn: number;
  adjustmentRequests: number;
  objectives: number;
  keyResults: number;
  byStatus: { objectives: StatusCounts; keyResults: StatusCounts };
  scoreDistribution: ScoreDistribution;
}

export async function loadStats(store: Store, q: RollupQuery, pre?: OrgRollup): Promise<OrgStats> {
  // The stored roll-ups (rollup-store.ts), current as of this read; `pre`: a roll-up computed in
  // full by loadRollup (benches and tests compare the two).
  let r: Pick<
    OrgRollup,
    'expected' | 'alignment' | 'objectives' | 'objectiveStatus' | 'scoreTenths' | 'krStatus' | 'keyResults'
  >;
  if (pre?.krStatus) r = pre;
  else {
    const expected = expectedPace(q.cycle, q.now, q.timeZone);
    const t = await ensureRollups(store, q.orgId, q.cycle.id, expected, q.now);
    r = {
      expected,
      alignment: { eligible: t.eligible, aligned: t.aligned },
      objectives: t.objectives,
      objectiveStatus: t.objectiveStatus,
      scoreTenths: t.scoreTenths,
      krStatus: t.krStatus,
      keyResults: t.keyResults,
    };
  }
  const since7 = windowStart(q.now, CHECK_IN_WINDOW_DAYS);
  const since30 = windowStart(q.now, ADJUSTMENT_WINDOW_DAYS);
  const [row] = await allRows<{
    people: number;
    checkedIn: number;
    adjustments: number;
  }>(
    store,
    sql`
    SELECT
      -- One range of people_org_status_checkin: last_check_in_at is kept by triggers on check_ins
      -- (migration 0019); probing check_ins once per person took 60 ms at 100k people.
      (SELECT count(*) FROM people WHERE org_id = ${q.orgId} AND status = 'active') AS people,
      (SELECT count(*) FROM people WHERE org_id = ${q.orgId} AND status = 'active' AND last_check_in_at >= ${since7}) AS checkedIn,
      (SELECT count(*) FROM adjustments WHERE org_id = ${q.orgId} AND created_at >= ${since30}) AS adjustments`,
  );
  const people = row?.people ?? 0;
  const scoreDistribution: ScoreDistribution = { low: 0, mid: 0, high: 0, average: 0 };
  let scored = 0;
  let scoreSum = 0;
  r.scoreTenths.forEach((count, tenths) => {
    scoreDistribution[scoreBucket(tenths / 10)] += count;
    scored += count;
    scoreSum += count * tenths;
  });
  scoreDistribution.average = scored ? Math.round((scoreSum / scored / 10) * 100) / 100 : 0;
  return {
    cycleId: q.cycle.id,
    expectedProgress: Math.round(r.expected * 10_000) / 10_000,
    alignmentRate: alignmentRate(r.alignment.aligned, r.alignment.eligible),
    checkInRate: checkInRate(row?.checkedIn ?? 0, people),
    adjustmentRatePer100: adjustmentRatePer100(row?.adjustments ?? 0, people),
    people,
    peopleCheckedIn: row?.checkedIn ?? 0,
    adjustmentRequests: row?.adjustments ?? 0,
    objectives: r.objectives,
    keyResults: r.keyResults ?? 0,
    byStatus: { objectives: r.objectiveStatus, keyResults: r.krStatus ?? emptyStatusCounts() },
    scoreDistribution,
  };
}
