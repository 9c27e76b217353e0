// The one roll-up of 'children' KRs for code that reads a few people's or teams'
// OKRs (chat's "my OKRs", the weekly digest, KR alerts): load every level aligned
// below the given KRs, then roll up with core/okr/rollup.ts, the function the tree
// and stats use. A KR in 'children' mode takes the mean progress of the active
// objectives aligned to it, recursively, so the digest, the tree and chat agree
// however deep the alignment goes.
import { rollupObjectives } from '../../core/okr/rollup';
import type { Store } from '../db';
import { keyResultsOf, objectivesAlignedTo, type ObjectiveWithKrs } from './okrs';
import type { KeyResult } from './types';

/** Alignment levels worth walking (org charts are far shallower); the roll-up itself is cycle-safe. */
export const MAX_ROLLUP_DEPTH = 8;

/** Active objectives (with their active KRs) aligned below the given KRs, every level down. */
export async function alignedSubtree(
  store: Store,
  orgId: string,
  rootKrIds: string[],
  exclude: Iterable<string> = [],
): Promise<ObjectiveWithKrs[]> {
  const seen = new Set(exclude);
  const out: ObjectiveWithKrs[] = [];
  let frontier = [...new Set(rootKrIds)];
  for (let depth = 0; frontier.length && depth < MAX_ROLLUP_DEPTH; depth++) {
    const children = (await objectivesAlignedTo(store, orgId, frontier)).filter(
      (o) => o.status === 'active' && !seen.has(o.id),
    );
    const krs = await keyResultsOf(
      store,
      children.map((o) => o.id),
      { activeOnly: true },
    );
    for (const objective of children) {
      seen.add(objective.id);
      out.push({ objective, keyResults: krs.get(objective.id) ?? [] });
    }
    frontier = children
      .flatMap((o) => krs.get(o.id) ?? [])
      .filter((k) => k.progressMode === 'children')
      .map((k) => k.id);
  }
  return out;
}

/**
 * Rolled-up progress of every 'children' KR among `objectives` (which must include the
 * subtree below them), with each other KR's progress given by `progressOf`.
 */
export function rollUpChildren(
  objectives: readonly ObjectiveWithKrs[],
  progressOf: (kr: KeyResult) => number,
): Map<string, number> {
  const rolled = rollupObjectives(
    objectives.map(({ objective, keyResults: list }) => ({
      id: objective.id,
      parentKrId: objective.parentKrId,
      keyResults: list.map((kr) => ({
        id: kr.id,
        progressMode: kr.progressMode,
        weight: kr.weight,
        progress: progressOf(kr),
        confidence: kr.confidence,
        hasCheckIn: !!kr.lastCheckInAt,
      })),
    })),
  );
  return new Map([...rolled.krs].map(([id, kr]) => [id, kr.progress]));
}
