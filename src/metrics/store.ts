// Writing metric points: an upsert on (org, metric, subject, at), so resending
// a batch changes nothing and a corrected value replaces the old one. All
// chunks go in one atomic batch: a request is stored entirely or not at all.
import { and, eq, sql } from 'drizzle-orm';
import type { Statement, Store } from '../../storage/db';
import { metricPoints } from '../../storage/schema';
import type { MetricPoint } from './points';

/** Rows per INSERT: D1 binds at most 100 parameters per statement; SQLite takes far more. */
export function rowsPerStatement(store: Store): number {
  return store.kind === 'd1' ? 16 : 500;
}

export function pointStatements(store: Store, orgId: string, points: MetricPoint[], now: Date): Statement[] {
  const receivedAt = now.toISOString();
  const size = rowsPerStatement(store);
  const statements: Statement[] = [];
  for (let i = 0; i < points.length; i += size) {
    const rows = points
      .slice(i, i + size)
      .map((p) => ({ orgId, metric: p.metric, subject: p.subject, at: p.at, value: p.value, receivedAt }));
    statements.push(
      store.db
        .insert(metricPoints)
        .values(rows)
        .onConflictDoUpdate({
          target: [metricPoints.orgId, metricPoints.metric, metricPoints.subject, metricPoints.at],
          set: { value: sql`excluded.value`, receivedAt: sql`excluded.received_at` },
        }),
    );
  }
  return statements;
}

export async function storePoints(store: Store, orgId: string, points: MetricPoint[], now: Date): Promise<void> {
  if (points.length) await store.atomic(pointStatements(store, orgId, points, now));
}

/** True when the org has at least one point of this metric (an index seek on the primary key). */
export async function metricHasPoints(store: Store, orgId: string, metric: string): Promise<boolean> {
  const rows = await store.db
    .select({ one: sql`1` })
    .from(metricPoints)
    .where(and(eq(metricPoints.orgId, orgId), eq(metricPoints.metric, metric)))
    .limit(1);
  return rows.length > 0;
}
