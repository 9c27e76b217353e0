// The org figures of the company digest, with SQL aggregates and the pure
// formulas of src/okr/stats.ts: alignment rate, check-in rate (people with a
// check-in in the last 7 days), adjustment requests per 100 people per month,
// and the KR status distribution.
import { and, count, countDistinct, eq, gte, isNotNull, ne } from 'drizzle-orm';
import type { CompanyDigest } from '../cards/company-digest';
import type { Store } from '../storage/db';
import type { Cycle, Organization } from '../storage/repos/types';
import { adjustments, checkIns, keyResults, objectives, people } from '../storage/schema';
import { expectedPace } from '../src/okr/pace';
import { krProgress } from '../src/okr/progress';
import { ADJUSTMENT_WINDOW_DAYS, CHECK_IN_WINDOW_DAYS, adjustmentRatePer100, alignmentRate, checkInRate, windowStart } from '../src/okr/stats';
import { emptyStatusCounts, trackStatus } from '../src/okr/status';

export async function companyFigures(store: Store, org: Organization, cycle: Cycle, now: Date, timeZone: string, week: string): Promise<CompanyDigest> {
  const { db } = store;
  const [{ headcount }] = await db.select({ headcount: count() }).from(people).where(eq(people.orgId, org.id));
  const eligible = and(eq(objectives.orgId, org.id), eq(objectives.cycleId, cycle.id), eq(objectives.status, 'active'), ne(objectives.ownerType, 'company'));
  const [{ total }] = await db.select({ total: count() }).from(objectives).where(eligible);
  const [{ aligned }] = await db.select({ aligned: count() }).from(objectives).where(and(eligible, isNotNull(objectives.parentKrId)));
  const [{ checkedIn }] = await db.select({ checkedIn: countDistinct(checkIns.authorId) }).from(checkIns)
    .where(and(eq(checkIns.orgId, org.id), gte(checkIns.createdAt, windowStart(now, CHECK_IN_WINDOW_DAYS)), isNotNull(checkIns.authorId)));
  const [{ requests }] = await db.select({ requests: count() }).from(adjustments)
    .where(and(eq(adjustments.orgId, org.id), gte(adjustments.createdAt, windowStart(now, ADJUSTMENT_WINDOW_DAYS))));
  const [{ pending }] = await db.select({ pending: count() }).from(adjustments).where(and(eq(adjustments.orgId, org.id), eq(adjustments.status, 'pending')));

  const expected = expectedPace(cycle, now, timeZone);
  const statusCounts = emptyStatusCounts();
  const krs = await db.select({
    kind: keyResults.kind, startValue: keyResults.startValue, targetValue: keyResults.targetValue, currentValue: keyResults.currentValue,
    direction: keyResults.direction, confidence: keyResults.confidence, lastCheckInAt: keyResults.lastCheckInAt,
  }).from(keyResults).where(and(eq(keyResults.orgId, org.id), eq(keyResults.cycleId, cycle.id), eq(keyResults.status, 'active')));
  for (const kr of krs) {
    statusCounts[trackStatus({ progress: krProgress(kr).progress, expected, confidence: kr.confidence, hasCheckIn: !!kr.lastCheckInAt })]++;
  }
  return {
    orgName: org.name, cycleName: cycle.name, week,
    alignmentRate: alignmentRate(aligned, total),
    checkInRate: checkInRate(checkedIn, headcount),
    adjustmentRatePer100: adjustmentRatePer100(requests, headcount),
    people: headcount, objectives: total, statusCounts, pendingAdjustments: pending,
  };
}
