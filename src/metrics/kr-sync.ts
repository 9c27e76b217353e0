// Metric-bound KRs: a KR with progress_mode "metric" and a metric key takes its
// current value from the points of that metric for its owner (a person's
// external id, a team's id or name, or "org" for company KRs; "org" is also the
// fallback), aggregated over the cycle (last, sum or avg), and records a
// check-in with source "metric" whenever the value changes.
import { and, eq, gte, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Statement, Store } from '../../storage/db';
import { checkInStatements } from '../../storage/repos/okrs';
import { processDirty } from '../../storage/repos/rollup-store';
import type { KeyResult } from '../../storage/repos/types';
import {
  cycles,
  keyResults,
  metricPoints,
  objectives,
  people,
  teams,
  type MetricAggregation,
} from '../../storage/schema';
import { localMidnight } from '../../core/time';
import { ORG_SUBJECT } from './subjects';

const DAY_MS = 86_400_000;

export interface KrSyncResult {
  checked: number;
  updated: { krId: string; previous: number; value: number }[];
}

/** Candidate subjects for a KR's points, most specific first. */
async function subjectsFor(
  store: Store,
  orgId: string,
  objective: { ownerType: string; ownerPersonId: string | null; ownerTeamId: string | null },
): Promise<string[]> {
  if (objective.ownerType === 'person' && objective.ownerPersonId) {
    const [p] = await store.db
      .select({ externalId: people.externalId })
      .from(people)
      .where(and(eq(people.orgId, orgId), eq(people.id, objective.ownerPersonId)))
      .limit(1);
    return p ? [p.externalId, ORG_SUBJECT] : [ORG_SUBJECT];
  }
  if (objective.ownerType === 'team' && objective.ownerTeamId) {
    const [t] = await store.db
      .select({ id: teams.id, name: teams.name })
      .from(teams)
      .where(and(eq(teams.orgId, orgId), eq(teams.id, objective.ownerTeamId)))
      .limit(1);
    return t ? [t.id, t.name, ORG_SUBJECT] : [ORG_SUBJECT];
  }
  return [ORG_SUBJECT];
}

/** The metric's value for one subject over [from, to): last, sum or avg; undefined without points. */
async function aggregateOver(
  store: Store,
  orgId: string,
  metric: string,
  subject: string,
  from: string,
  to: string,
  aggregation: MetricAggregation,
): Promise<number | undefined> {
  const where = and(
    eq(metricPoints.orgId, orgId),
    eq(metricPoints.metric, metric),
    eq(metricPoints.subject, subject),
    gte(metricPoints.at, from),
    lt(metricPoints.at, to),
  );
  if (aggregation === 'last') {
    const [row] = await store.db
      .select({ value: metricPoints.value })
      .from(metricPoints)
      .where(where)
      .orderBy(sql`${metricPoints.at} desc`)
      .limit(1);
    return row?.value;
  }
  const fn =
    aggregation === 'sum'
      ? sql<number | null>`sum(${metricPoints.value})`
      : sql<number | null>`avg(${metricPoints.value})`;
  const [row] = await store.db.select({ value: fn, n: sql<number>`count(*)` }).from(metricPoints).where(where);
  return row && row.n > 0 && row.value != null ? Number(row.value) : undefined;
}

/**
 * Brings every active metric KR bound to one of `metrics` (all metric KRs when
 * omitted) up to date, in open cycles. Derived state: safe to run again at any
 * time (a failed run is repaired by the next ingest or evaluation pass).
 */
export async function syncMetricKrs(
  store: Store,
  input: { orgId: string; timeZone: string; now: Date; metrics?: string[] },
): Promise<KrSyncResult> {
  const { orgId, timeZone, now } = input;
  const conditions = [
    eq(keyResults.orgId, orgId),
    eq(keyResults.progressMode, 'metric'),
    eq(keyResults.status, 'active'),
    ne(cycles.status, 'closed'),
  ];
  if (input.metrics) {
    if (!input.metrics.length) return { checked: 0, updated: [] };
    const keys = [...new Set(input.metrics)];
    // Past D1's parameter limit it is simpler (and still cheap) to look at every metric KR.
    if (keys.length <= 90) conditions.push(inArray(keyResults.metricKey, keys));
  }
  const rows = await store.db
    .select({
      kr: keyResults,
      cycle: cycles,
      objective: {
        ownerType: objectives.ownerType,
        ownerPersonId: objectives.ownerPersonId,
        ownerTeamId: objectives.ownerTeamId,
        status: objectives.status,
      },
    })
    .from(keyResults)
    .innerJoin(cycles, eq(cycles.id, keyResults.cycleId))
    .innerJoin(objectives, eq(objectives.id, keyResults.objectiveId))
    .where(and(...conditions));
  const statements: Statement[] = [];
  const updated: KrSyncResult['updated'] = [];
  for (const { kr, cycle, objective } of rows) {
    if (!kr.metricKey || objective.status === 'archived') continue;
    const from = localMidnight(cycle.startsOn, timeZone).toISOString();
    const to = new Date(localMidnight(cycle.endsOn, timeZone).getTime() + DAY_MS).toISOString();
    let value: number | undefined;
    for (const subject of await subjectsFor(store, orgId, objective)) {
      value = await aggregateOver(store, orgId, kr.metricKey, subject, from, to, kr.metricAggregation ?? 'last');
      if (value !== undefined) break;
    }
    if (value === undefined) continue;
    value = Math.round(value * 1e6) / 1e6;
    if (value === kr.currentValue && kr.lastCheckInAt) continue;
    statements.push(
      ...checkInStatements(store, { orgId, kr: kr as KeyResult, authorId: null, value, source: 'metric', now })
        .statements,
    );
    updated.push({ krId: kr.id, previous: kr.currentValue, value });
  }
  if (statements.length) {
    await store.atomic(statements);
    // The stored roll-ups above the synced KRs; if this fails, the next read catches up.
    await processDirty(store, now, orgId).catch(() => undefined);
  }
  return { checked: rows.length, updated };
}
