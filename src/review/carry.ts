// Carrying unfinished KRs into the next cycle (docs/review.md#carrying-unfinished-krs): which KRs
// of a review may be carried (active, progress under 100%), under the numbers chat gives them,
// whether each was carried already, and the next cycle they go to. Reads only; the chat action
// that writes the copy is in ./chat.ts.
import { and, asc, eq, gt, inArray, ne } from 'drizzle-orm';
import { addDays } from '../../core/time';
import type { Store } from '../../storage/db';
import { chatKrNumbers } from '../../storage/repos/okrs';
import type { Cycle } from '../../storage/repos/types';
import { cycles, keyResults } from '../../storage/schema';

/** One KR on the self-assessment card's "carry into the next cycle" section. */
export interface CarryLine {
  id: string;
  objectiveId: string;
  /** The KR's number as chat numbers it in the reviewed cycle (`延续 KR2`). */
  number: number;
  title: string;
  progress: number;
  /** The next cycle's name when this KR has been carried there. */
  carriedTo: string | null;
}

/**
 * The cycle a KR of `cycle` is carried into: the earliest one that starts after `cycle` ends.
 * Undefined when HR has not created it yet (the answer then names the start date it needs).
 */
export async function nextCycleOf(store: Store, orgId: string, cycle: Pick<Cycle, 'id' | 'endsOn'>) {
  const [next] = await store.db
    .select()
    .from(cycles)
    .where(and(eq(cycles.orgId, orgId), gt(cycles.startsOn, cycle.endsOn), ne(cycles.id, cycle.id)))
    .orderBy(asc(cycles.startsOn), asc(cycles.createdAt))
    .limit(1);
  return next;
}

/** The day the next cycle should start on when it is missing: the day after `cycle` ends. */
export const nextCycleStart = (cycle: Pick<Cycle, 'endsOn'>) => addDays(cycle.endsOn, 1);

/**
 * Per person: the unfinished KRs of their reviewed objectives, in chat's numbering of the cycle.
 * `carried: false` skips looking up copies (a review that has just started has none: carrying
 * is only possible once it runs).
 */
export async function carryLines(
  store: Store,
  orgId: string,
  cycleId: string,
  reviewed: { personId: string; objectiveIds: string[] }[],
  options: { carried?: boolean } = {},
): Promise<Map<string, CarryLine[]>> {
  const out = new Map<string, CarryLine[]>();
  if (!reviewed.length) return out;
  const numbers = await chatKrNumbers(store, {
    orgId,
    personIds: reviewed.map((r) => r.personId),
    cycleIds: [cycleId],
  });
  const objectiveIds = reviewed.flatMap((r) => r.objectiveIds);
  const columns = {
    id: keyResults.id,
    objectiveId: keyResults.objectiveId,
    title: keyResults.title,
    progress: keyResults.progress,
  };
  const rows: { id: string; objectiveId: string; title: string; progress: number | null }[] = [];
  if (objectiveIds.length > 900) {
    // A whole review's start: one read of the cycle's active KRs beats a query per 90 objectives.
    const wanted = new Set(objectiveIds);
    const all = await store.db
      .select(columns)
      .from(keyResults)
      .where(and(eq(keyResults.cycleId, cycleId), eq(keyResults.status, 'active')));
    rows.push(...all.filter((r) => wanted.has(r.objectiveId)));
  } else
    for (let i = 0; i < objectiveIds.length; i += 90)
      rows.push(
        ...(await store.db
          .select(columns)
          .from(keyResults)
          .where(and(inArray(keyResults.objectiveId, objectiveIds.slice(i, i + 90)), eq(keyResults.status, 'active')))),
      );
  const unfinished = rows.filter((r) => (r.progress ?? 0) < 1);
  const carriedTo = new Map<string, string>();
  if (options.carried !== false)
    for (let i = 0; i < unfinished.length; i += 90) {
      const copies = await store.db
        .select({ from: keyResults.carriedFromId, cycle: cycles.name })
        .from(keyResults)
        .innerJoin(cycles, eq(cycles.id, keyResults.cycleId))
        .where(
          inArray(
            keyResults.carriedFromId,
            unfinished.slice(i, i + 90).map((r) => r.id),
          ),
        );
      for (const c of copies) if (c.from) carriedTo.set(c.from, c.cycle);
    }
  const byObjective = new Map<string, typeof unfinished>();
  for (const r of unfinished) byObjective.set(r.objectiveId, [...(byObjective.get(r.objectiveId) ?? []), r]);
  for (const { personId, objectiveIds: mine } of reviewed) {
    const numbered = numbers.get(personId) ?? new Map<string, number>();
    const lines: CarryLine[] = [];
    for (const objectiveId of mine)
      for (const r of byObjective.get(objectiveId) ?? []) {
        const number = numbered.get(r.id);
        if (number === undefined) continue;
        lines.push({
          id: r.id,
          objectiveId,
          number,
          title: r.title,
          progress: r.progress ?? 0,
          carriedTo: carriedTo.get(r.id) ?? null,
        });
      }
    out.set(
      personId,
      lines.sort((a, b) => a.number - b.number),
    );
  }
  return out;
}
