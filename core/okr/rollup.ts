// Roll-up along the alignment graph: a KR in 'children' mode takes its progress
// from the mean progress of the active objectives aligned to it
// (objective.parentKrId = that KR), recursively. The walk is iterative (a 100k-deep
// chain cannot overflow the stack) and cycle-safe: an alignment that would close a
// cycle is ignored (counted in `cyclesBroken`), so bad data never hangs or crashes.
import { addToSums, emptySums, objectiveProgressFromSums } from './progress';
import type { ProgressMode, ProgressSums } from './types';

export interface RollupObjectiveInput {
  id: string;
  parentKrId: string | null;
  /** Sums over the objective's KRs that are not in 'children' mode (their progress is known). */
  fixed: ProgressSums;
  /** Lowest latest confidence among those KRs, or null. */
  minConfidence: number | null;
  /** Whether any of those KRs has a check-in. */
  hasCheckIn: boolean;
}

export interface RollupKrInput {
  /** A KR in 'children' mode. */
  id: string;
  objectiveId: string;
  weight: number;
  /** Progress from its own values: used when no active objective is aligned to it. */
  ownProgress: number;
  confidence: number | null;
  hasCheckIn: boolean;
}

/** Objectives that roll nothing up themselves, summed per KR they align to (computed in SQL at scale). */
export interface LeafGroup {
  count: number;
  progressSum: number;
  hasCheckIn: boolean;
}

export interface RolledKr {
  progress: number;
  confidence: number | null;
  /** Own check-in, or any aligned objective has one. */
  hasCheckIn: boolean;
}

export interface Rollup {
  /** Objective id → position in the input array (and in the typed arrays below). */
  index: Map<string, number>;
  progress: Float64Array;
  hasCheckIn: Uint8Array;
  confidence: (number | null)[];
  /** 'children'-mode KRs, rolled up. */
  krs: Map<string, RolledKr>;
  /** Any KR id → positions of the input objectives aligned to it. */
  childrenOfKr: Map<string, number[]>;
  cyclesBroken: number;
}

const minConf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

/**
 * `objectives` must hold every objective that has a 'children' KR; objectives without one
 * may be passed individually or pre-summed in `leafGroups` (by the KR they align to), or both
 * as long as none is counted twice.
 */
export function rollup(
  objectives: readonly RollupObjectiveInput[],
  childKrs: readonly RollupKrInput[],
  leafGroups: ReadonlyMap<string, LeafGroup> = new Map(),
): Rollup {
  const n = objectives.length;
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) index.set(objectives[i].id, i);

  const childrenOfKr = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const parent = objectives[i].parentKrId;
    if (!parent) continue;
    const list = childrenOfKr.get(parent);
    if (list) list.push(i);
    else childrenOfKr.set(parent, [i]);
  }

  const rolledKrsOf = new Map<number, RollupKrInput[]>();
  for (const kr of childKrs) {
    const i = index.get(kr.objectiveId);
    if (i === undefined) continue; // its objective is not active in this cycle
    const list = rolledKrsOf.get(i);
    if (list) list.push(kr);
    else rolledKrsOf.set(i, [kr]);
  }

  const progress = new Float64Array(n);
  const hasCheckIn = new Uint8Array(n);
  const confidence: (number | null)[] = new Array(n);
  const krs = new Map<string, RolledKr>();
  const state = new Uint8Array(n); // 0 unseen, 1 on the stack, 2 done
  let cyclesBroken = 0;

  const finish = (i: number) => {
    const o = objectives[i];
    const own = rolledKrsOf.get(i);
    let conf = o.minConfidence;
    let checked = o.hasCheckIn;
    let sums = o.fixed;
    if (own) {
      sums = { ...o.fixed };
      for (const kr of own) {
        const leaves = leafGroups.get(kr.id);
        let total = leaves ? leaves.progressSum : 0;
        let count = leaves ? leaves.count : 0;
        let childChecked = leaves ? leaves.hasCheckIn : false;
        for (const c of childrenOfKr.get(kr.id) ?? []) {
          if (state[c] !== 2) {
            cyclesBroken++;
            continue;
          } // an ancestor: this edge closes a cycle
          total += progress[c];
          count++;
          if (hasCheckIn[c]) childChecked = true;
        }
        const rolled: RolledKr = {
          progress: count ? total / count : kr.ownProgress,
          confidence: kr.confidence,
          hasCheckIn: kr.hasCheckIn || childChecked,
        };
        krs.set(kr.id, rolled);
        addToSums(sums, rolled.progress, kr.weight);
        conf = minConf(conf, kr.confidence);
        checked ||= rolled.hasCheckIn;
      }
    }
    progress[i] = objectiveProgressFromSums(sums);
    confidence[i] = conf;
    hasCheckIn[i] = checked ? 1 : 0;
    state[i] = 2;
  };

  const childrenOf = (i: number): number[] => {
    const out: number[] = [];
    for (const kr of rolledKrsOf.get(i) ?? []) for (const c of childrenOfKr.get(kr.id) ?? []) out.push(c);
    return out;
  };

  for (let root = 0; root < n; root++) {
    if (state[root]) continue;
    if (!rolledKrsOf.has(root)) {
      finish(root);
      continue;
    } // the common, leaf case
    const stack: { i: number; kids: number[]; pos: number }[] = [{ i: root, kids: childrenOf(root), pos: 0 }];
    state[root] = 1;
    while (stack.length) {
      const frame = stack[stack.length - 1];
      let pushed = false;
      while (frame.pos < frame.kids.length) {
        const c = frame.kids[frame.pos++];
        if (state[c] !== 0) continue;
        state[c] = 1;
        stack.push({ i: c, kids: rolledKrsOf.has(c) ? childrenOf(c) : [], pos: 0 });
        pushed = true;
        break;
      }
      if (!pushed) {
        finish(frame.i);
        stack.pop();
      }
    }
  }
  return { index, progress, hasCheckIn, confidence, krs, childrenOfKr, cyclesBroken };
}

/** Convenience form for small, fully loaded data (chat cards, tests). */
export interface ObjectiveWithKrs {
  id: string;
  parentKrId: string | null;
  keyResults: readonly {
    id: string;
    progressMode: ProgressMode;
    weight: number;
    /** Progress from the KR's own values (krProgress().progress). */
    progress: number;
    confidence?: number | null;
    hasCheckIn?: boolean;
  }[];
}

export function rollupObjectives(objectives: readonly ObjectiveWithKrs[]): Rollup {
  const inputs: RollupObjectiveInput[] = [];
  const childKrs: RollupKrInput[] = [];
  for (const o of objectives) {
    const fixed = emptySums();
    let conf: number | null = null;
    let checked = false;
    for (const kr of o.keyResults) {
      if (kr.progressMode === 'children') {
        childKrs.push({
          id: kr.id,
          objectiveId: o.id,
          weight: kr.weight,
          ownProgress: kr.progress,
          confidence: kr.confidence ?? null,
          hasCheckIn: !!kr.hasCheckIn,
        });
        continue;
      }
      addToSums(fixed, kr.progress, kr.weight);
      conf = minConf(conf, kr.confidence ?? null);
      checked ||= !!kr.hasCheckIn;
    }
    inputs.push({ id: o.id, parentKrId: o.parentKrId, fixed, minConfidence: conf, hasCheckIn: checked });
  }
  return rollup(inputs, childKrs);
}
