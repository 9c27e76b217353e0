// The company digest's figures: the org figures of GET /api/v1/stats
// (storage/repos/stats.ts, defined in docs/okr-math.md — one implementation of
// alignment, check-in and adjustment rates and the KR status distribution),
// plus the adjustment requests still waiting for a decision.
import { and, count, eq } from 'drizzle-orm';
import type { CompanyDigest } from '../cards/company-digest';
import type { Store } from '../storage/db';
import type { Cycle, Organization } from '../storage/repos/types';
import { loadStats } from '../storage/repos/stats';
import { adjustments } from '../storage/schema';

export async function companyFigures(
  store: Store,
  org: Organization,
  cycle: Cycle,
  now: Date,
  timeZone: string,
  week: string,
): Promise<CompanyDigest> {
  const stats = await loadStats(store, { orgId: org.id, cycle, now, timeZone });
  const [{ pending }] = await store.db
    .select({ pending: count() })
    .from(adjustments)
    .where(and(eq(adjustments.orgId, org.id), eq(adjustments.status, 'pending')));
  return {
    orgName: org.name,
    cycleName: cycle.name,
    week,
    alignmentRate: stats.alignmentRate,
    checkInRate: stats.checkInRate,
    adjustmentRatePer100: stats.adjustmentRatePer100,
    people: stats.people,
    objectives: stats.objectives,
    statusCounts: stats.byStatus.keyResults,
    pendingAdjustments: pending,
  };
}
