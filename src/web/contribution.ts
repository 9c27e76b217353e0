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
