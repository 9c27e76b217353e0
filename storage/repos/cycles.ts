// Which cycle a request means: `?cycle=` may be a cycle id, a cycle name, or
// absent (= the cycle covering today, preferring an active one, else the most recent).
import { and, desc, eq, gte, lte, or, sql } from 'drizzle-orm';
import type { Store } from '../db';
import { preparedQuery } from '../prepared';
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
/** The cycles covering a day: every chat check-in and `我的OKR` asks (prepared once, storage/prepared.ts). */
const coveringCycles = preparedQuery((db) =>
  db
    .select()
    .from(cycles)
    .where(
      and(
        eq(cycles.orgId, sql.placeholder('orgId')),
        lte(cycles.startsOn, sql.placeholder('today')),
        gte(cycles.endsOn, sql.placeholder('today')),
      ),
    )
    .orderBy(desc(cycles.startsOn), cycles.id)
    .prepare(),
);

export async function chatCycles(store: Store, orgId: string, today: string): Promise<Cycle[]> {
  const covering = await coveringCycles(store.db).all({ orgId, today });
  // resolveCycle's choice among the covering cycles, without asking the database again.
  const primary =
    covering.find((c) => c.status === 'active') ??
    covering.find((c) => c.status !== 'closed') ??
    covering[0] ??
    (await resolveCycle(store, orgId, undefined, today));
  if (!primary) return [];
  return [primary, ...covering.filter((c) => c.id !== primary.id && c.status !== 'closed')];
}
