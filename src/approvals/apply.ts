// What an approved request changes, as statements for the decision's atomic
// batch (together with the status change, the decision claim and the audit
// entry). Each kind of change touches exactly one row.
import { and, eq } from 'drizzle-orm';
import type { Statement, Store } from '../../storage/db';
import { newId } from '../../storage/ids';
import type { Adjustment, KeyResult } from '../../storage/repos/types';
import { keyResults, objectives } from '../../storage/schema';
import type { KrLine } from '../chat/kr-line';

export function applyStatements(
  store: Store,
  a: Adjustment,
  now: Date,
  context: { objectiveCycleId?: string; nextPosition?: number; kr?: KeyResult } = {},
): Statement[] {
  const at = now.toISOString();
  const krWhere = a.keyResultId ? and(eq(keyResults.orgId, a.orgId), eq(keyResults.id, a.keyResultId)) : undefined;
  const p = a.proposed;
  const krUpdate = (set: Partial<KeyResult>): Statement[] =>
    krWhere
      ? [
          store.db
            .update(keyResults)
            .set({ ...set, updatedAt: at })
            .where(krWhere),
        ]
      : [];
  switch (a.kind) {
    case 'target': {
      // A title that states the target ("课程满意度 ≥ 4.8") says the new one after the change.
      const title = context.kr ? retitle(context.kr.title, context.kr.targetValue, Number(p.target)) : undefined;
      return krUpdate({ targetValue: Number(p.target), ...(title ? { title } : {}) });
    }
    case 'start':
      return krUpdate({ startValue: Number(p.start) });
    case 'weight':
      return krUpdate({ weight: Number(p.weight) });
    case 'title':
      if (!krWhere && a.objectiveId) {
        return [
          store.db
            .update(objectives)
            .set({ title: String(p.title), updatedAt: at })
            .where(and(eq(objectives.orgId, a.orgId), eq(objectives.id, a.objectiveId))),
        ];
      }
      return krUpdate({ title: String(p.title) });
    case 'drop':
      return krUpdate({ status: 'dropped' });
    case 'add': {
      const line = p.kr as KrLine | undefined;
      if (!line || !a.objectiveId) return [];
      return [
        store.db
          .insert(keyResults)
          .values(
            krRow(
              a.orgId,
              a.objectiveId,
              context.objectiveCycleId ?? a.cycleId ?? '',
              line,
              context.nextPosition ?? 0,
              at,
            ),
          ),
      ];
    }
    case 'new_objective':
      if (!a.objectiveId) return [];
      return [
        store.db
          .update(objectives)
          .set({ status: 'active', updatedAt: at })
          .where(
            and(
              eq(objectives.orgId, a.orgId),
              eq(objectives.id, a.objectiveId),
              eq(objectives.status, 'pending_approval'),
            ),
          ),
      ];
  }
}

/** A KR row from a chat line (used by "add a KR" and by the new-objective flow). */
export function krRow(
  orgId: string,
  objectiveId: string,
  cycleId: string,
  line: KrLine,
  position: number,
  at: string,
): typeof keyResults.$inferInsert {
  return {
    id: newId('kr'),
    orgId,
    objectiveId,
    cycleId,
    title: line.title,
    kind: line.kind,
    startValue: line.start,
    targetValue: line.target,
    currentValue: line.start,
    unit: line.unit ?? null,
    direction: line.direction,
    position,
    createdAt: at,
    updatedAt: at,
  };
}

/** What a rejected or expired request leaves behind: a new objective that was waiting is archived. */
export function discardStatements(store: Store, a: Adjustment, now: Date): Statement[] {
  if (a.kind !== 'new_objective' || !a.objectiveId) return [];
  return [
    store.db
      .update(objectives)
      .set({ status: 'archived', updatedAt: now.toISOString() })
      .where(
        and(eq(objectives.orgId, a.orgId), eq(objectives.id, a.objectiveId), eq(objectives.status, 'pending_approval')),
      ),
  ];
}

/** Plain spellings of a number as people write it in a title: `4.8`, `1000`, `1,000`. */
function spellings(n: number): string[] {
  const plain = String(Math.round(n * 1e6) / 1e6);
  const grouped = plain.replace(/^(-?\d+)/, (int) => int.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
  return [...new Set([plain, grouped])];
}

/**
 * The title with its old target replaced by the new one, when the old target appears in it
 * exactly once as a whole number (not inside a longer one: 4.8 is not in 14.85); else undefined.
 */
export function retitle(title: string, oldTarget: number, newTarget: number): string | undefined {
  if (oldTarget === newTarget) return undefined;
  for (const spelled of spellings(oldTarget)) {
    const escaped = spelled.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`(?<![\\d.,])${escaped}(?![\\d]|[.,]\\d)`, 'g');
    const hits = title.match(pattern);
    if (hits?.length === 1) return title.replace(pattern, String(Math.round(newTarget * 1e6) / 1e6));
  }
  return undefined;
}
