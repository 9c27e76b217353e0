// Stored roll-ups (docs/okr-math.md "Stored roll-ups"): the value of one objective from its own KRs
// and the stored values of the objectives feeding its 'children' KRs, and what it adds to its
// cycle's totals. Storage keeps these per objective and recomputes only the chain above a change;
// the full recompute applies the very same functions bottom-up, so both give identical numbers.
import { addToSums, emptySums, objectiveProgressFromSums } from './progress';
import { cycleScore } from './scoring';
import { TRACK_STATUSES, emptyStatusCounts, trackStatus, type StatusCounts } from './status';
import type { TrackStatus } from './types';

export interface NodeKr {
  id: string;
  /** 'children' KRs take the plain mean of the objectives feeding them. */
  rolls: boolean;
  weight: number;
  /** Progress from the KR's own values (clamped). */
  progress: number;
  confidence: number | null;
  hasCheckIn: boolean;
}

/** An objective feeding a 'children' KR: its stored progress and check-in flag. */
export interface Feeder {
  id: string;
  progress: number;
  hasCheckIn: boolean;
}

export interface NodeValues {
  progress: number;
  minConfidence: number | null;
  hasCheckIn: boolean;
  /** 'children' KR id → [progress, has check-in 0/1, feeders]. */
  rolled: Record<string, [number, number, number]>;
  /** Active KRs counted by status at the given pace. */
  krStatus: number[];
}

const byId = (a: Feeder, b: Feeder) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * `krs`: the objective's active KRs in display order. `feedersOf(krId)`: the objectives feeding
 * a 'children' KR, in any order (summed in id order, so the result never depends on it).
 */
export function nodeValues(
  krs: readonly NodeKr[],
  feedersOf: (krId: string) => Feeder[],
  expected: number,
): NodeValues {
  const sums = emptySums();
  let conf: number | null = null;
  let checked = false;
  const rolled: Record<string, [number, number, number]> = {};
  const krStatus = [0, 0, 0, 0, 0];
  const count = (s: TrackStatus) => {
    krStatus[TRACK_STATUSES.indexOf(s)]++;
  };
  // Own-valued KRs first, then the rolled ones: the order core/okr/rollup.ts adds them in.
  for (const kr of krs) {
    if (kr.rolls) continue;
    addToSums(sums, kr.progress, kr.weight);
    if (kr.confidence !== null) conf = conf === null ? kr.confidence : Math.min(conf, kr.confidence);
    checked ||= kr.hasCheckIn;
    count(trackStatus({ progress: kr.progress, expected, confidence: kr.confidence, hasCheckIn: kr.hasCheckIn }));
  }
  for (const kr of krs) {
    if (!kr.rolls) continue;
    const feeders = feedersOf(kr.id).slice().sort(byId);
    let total = 0;
    let childChecked = false;
    for (const f of feeders) {
      total += f.progress;
      if (f.hasCheckIn) childChecked = true;
    }
    const progress = feeders.length ? total / feeders.length : kr.progress;
    const hasCheckIn = kr.hasCheckIn || childChecked;
    rolled[kr.id] = [progress, hasCheckIn ? 1 : 0, feeders.length];
    addToSums(sums, progress, kr.weight);
    if (kr.confidence !== null) conf = conf === null ? kr.confidence : Math.min(conf, kr.confidence);
    checked ||= hasCheckIn;
    count(trackStatus({ progress, expected, confidence: kr.confidence, hasCheckIn }));
  }
  return { progress: objectiveProgressFromSums(sums), minConfidence: conf, hasCheckIn: checked, rolled, krStatus };
}

/** What one active objective adds to its cycle's totals. */
export interface Contribution {
  eligible: 0 | 1;
  aligned: 0 | 1;
  status: TrackStatus;
  score10: number;
  krStatus: number[];
}

export function contribution(
  v: Pick<NodeValues, 'progress' | 'minConfidence' | 'hasCheckIn' | 'krStatus'>,
  input: { ownerType: string; parentKrExists: boolean; expected: number },
): Contribution {
  const eligible = input.ownerType !== 'company';
  return {
    eligible: eligible ? 1 : 0,
    aligned: eligible && input.parentKrExists ? 1 : 0,
    status: trackStatus({
      progress: v.progress,
      expected: input.expected,
      confidence: v.minConfidence,
      hasCheckIn: v.hasCheckIn,
    }),
    score10: Math.round(cycleScore(v.progress) * 10),
    krStatus: v.krStatus,
  };
}

/** A cycle's figures as GET /stats reports them. */
export interface RollupTotals {
  objectives: number;
  eligible: number;
  aligned: number;
  objectiveStatus: StatusCounts;
  scoreTenths: number[];
  keyResults: number;
  krStatus: StatusCounts;
}

export const emptyTotals = (): RollupTotals => ({
  objectives: 0,
  eligible: 0,
  aligned: 0,
  objectiveStatus: emptyStatusCounts(),
  scoreTenths: new Array<number>(11).fill(0),
  keyResults: 0,
  krStatus: emptyStatusCounts(),
});

/** Adds (sign 1) or removes (sign −1) one objective's contribution. */
export function applyContribution(t: RollupTotals, c: Contribution, sign: 1 | -1): RollupTotals {
  t.objectives += sign;
  t.eligible += sign * c.eligible;
  t.aligned += sign * c.aligned;
  t.objectiveStatus[c.status] += sign;
  t.scoreTenths[c.score10] += sign;
  c.krStatus.forEach((n, i) => {
    t.keyResults += sign * n;
    t.krStatus[TRACK_STATUSES[i]] += sign * n;
  });
  return t;
}

/**
 * Which alignment edges roll up, given each objective's candidate parent (the objective owning
 * the active 'children' KR it aligns to, in the same cycle). An edge that closes a cycle is cut
 * at the cycle's smallest objective id, whatever order the data arrived in, so a full recompute
 * and the incremental path cut the same edge. Returns the ids whose edge is cut.
 */
export function cutEdges(ids: Iterable<string>, parentOf: (id: string) => string | undefined): Set<string> {
  const cut = new Set<string>();
  const state = new Map<string, number>(); // 1 on the current walk, 2 settled
  for (const start of ids) {
    if (state.has(start)) continue;
    const walk: string[] = [];
    let at: string | undefined = start;
    while (at !== undefined && !state.has(at)) {
      state.set(at, 1);
      walk.push(at);
      at = parentOf(at);
    }
    if (at !== undefined && state.get(at) === 1) {
      // `at` is on the walk: the walk from `at` onwards is a cycle.
      const members = walk.slice(walk.indexOf(at));
      let min = members[0];
      for (const m of members) if (m < min) min = m;
      cut.add(min);
    }
    for (const w of walk) state.set(w, 2);
  }
  return cut;
}
