// Which cycle a request means: `?cycle=` may be a cycle id, a cycle name, or
// absent (= the cycle covering today, preferring an active one, else the most recent).
import { and, desc, eq, gte, lte, or } from 'drizzle-orm';
import type { Store } from '../db';
import { cycles } from '../schema';

export type Cycle = typeof cycles.$inferSelect;

/** `today` is the org's local date, YYYY-MM-DD. Undefined when nothing matches. */
export async function resolveCycle(
  store: Store,
  orgId: string,
  ref: string | undefined,
  today: string,
): Promise<Cycle | undefined> {
  const wanted = ref?.trim();
  if (wanted) {
    const rows = await store.db
      .select()
      .from(cycles)
      .where(and(eq(cycles.orgId, orgId), or(eq(cycles.id, wanted), eq(cycles.name, wanted))))
      .limit(2);
    // An id wins over a name that happens to equal another cycle's id.
    return rows.find((r) => r.id === wanted) ?? rows[0];
  }
  const covering = await store.db
    .select()
    .from(cycles)
    .where(and(eq(cycles.orgId, orgId), lte(cycles.startsOn, today), gte(cycles.endsOn, today)))
    .orderBy(desc(cycles.startsOn));
  const current =
    covering.find((c) => c.status === 'active') ?? covering.find((c) => c.status !== 'closed') ?? covering[0];
  if (current) return current;
  const [latest] = await store.db
    .select()
    .from(cycles)
    .where(and(eq(cycles.orgId, orgId), lte(cycles.startsOn, today)))
    .orderBy(desc(cycles.startsOn))
    .limit(1);
  if (latest) return latest;
  // Only future cycles: the nearest one.
  const [next] = await store.db.select().from(cycles).where(eq(cycles.orgId, orgId)).orderBy(cycles.startsOn).limit(1);
  return next;
}

/**
 * The cycles chat works on today, in the order their KRs are numbered: the one resolveCycle
 * picks (`我的OKR`, `KR1 45`), then every other open cycle covering today, latest start first
 * (an annual cycle beside Q4). So an annual KR has a number too, after the quarter's KRs, and
 * alerts, reminders and chat all agree on it (issue 20).
 */
export async function chatCycles(store: Store, orgId: string, today: string): Promise<Cycle[]> {
  const primary = await resolveCycle(store, orgId, undefined, today);
  if (!primary) return [];
  const covering = await store.db
    .select()
    .from(cycles)
    .where(and(eq(cycles.orgId, orgId), lte(cycles.startsOn, today), gte(cycles.endsOn, today)))
    .orderBy(desc(cycles.startsOn), cycles.id);
  return [primary, ...covering.filter((c) => c.id !== primary.id && c.status !== 'closed')];
}
