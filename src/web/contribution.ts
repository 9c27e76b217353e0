// "How much does this objective contribute?" along the alignment chain.
//
// Definition (shown on the dashboard as a footnote):
//   An objective O aligned to key result K of objective P contributes
//     share(O → P) = (1 / number of active objectives aligned to K) × (weight share of K in P)
//   where the weight share of K is max(weight of K, 0) / Σ max(weight, 0) over P's active KRs
//   (equal shares when no KR has a positive weight). This is exactly O's coefficient in P's
//   progress when K is a 'children' KR (the mean of its aligned objectives, then the weighted
//   mean of P's KRs). Along a chain the shares multiply: O's share of the north star's
//   objective is the product of the shares of every link.
//   When K is not a 'children' KR (manual or metric), O is aligned to K but does not move
//   its number: the link is flagged `rollsUp: false` and its nominal share is still shown.

export interface WeightedKr {
  id: string;
  weight: number;
}

/** K's share of its objective's progress. 0 when K is not among `krs`. */
export function krWeightShare(krs: readonly WeightedKr[], krId: string): number {
  if (!krs.some((k) => k.id === krId)) return 0;
  const total = krs.reduce((sum, k) => sum + Math.max(k.weight, 0), 0);
  if (total <= 0) return 1 / krs.length;
  const kr = krs.find((k) => k.id === krId)!;
  return Math.max(kr.weight, 0) / total;
}

/** One aligned objective's share of its parent objective's progress. */
export function linkShare(parentKrs: readonly WeightedKr[], viaKrId: string, alignedCount: number): number {
  if (alignedCount <= 0) return 0;
  return krWeightShare(parentKrs, viaKrId) / alignedCount;
}

/** Cumulative shares up a chain (nearest link first): [s1, s1·s2, s1·s2·s3, …]. */
export function cumulativeShares(linkShares: readonly number[]): number[] {
  const out: number[] = [];
  let product = 1;
  for (const s of linkShares) {
    product *= s;
    out.push(product);
  }
  return out;
}

/** One link of the chain as `krMoves` needs it, nearest first. */
export interface ChainStep {
  /** The objective below's share of the objective above (linkShare). */
  share: number;
  /** The KR it aligns to rolls its aligned objectives up ('children'). */
  rollsUp: boolean;
  /** Active objectives aligned to that KR. */
  alignedCount: number;
  startValue: number;
  targetValue: number;
}

/** How far one KR up the chain moves: in progress (0..1) and in the KR's own units. */
export interface KrMove {
  progress: number;
  value: number;
}

/**
 * What finishing an objective does to each KR up its chain (docs/okr-math.md, "Roll-up"): a 'children' KR is
 * the plain mean of its aligned objectives, so an objective going from `progress` to done moves it by
 * (1 − progress) / alignedCount of its range (target − start); the objective owning that KR moves by the same
 * amount times the KR's weight share, and so on up. A link whose KR does not roll up (manual or metric) stops
 * the chain: that KR and everything above it get `null`. When the objective is already done, the moves are
 * what it brought (from 0 to done).
 */
export function krMoves(progress: number, chain: readonly ChainStep[]): (KrMove | null)[] {
  const p = Number.isFinite(progress) ? Math.min(1, Math.max(0, progress)) : 0;
  let delta = p >= 1 ? 1 : 1 - p; // progress still to come (or, when done, what it brought)
  let moving = true;
  return chain.map((step) => {
    if (!moving || !step.rollsUp || step.alignedCount <= 0) {
      moving = false;
      return null;
    }
    const krProgress = delta / step.alignedCount;
    delta *= step.share;
    return { progress: krProgress, value: krProgress * (step.targetValue - step.startValue) };
  });
}
