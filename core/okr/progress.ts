// KR and objective progress: the formulas in docs/okr-math.md. Pure functions;
// storage/repos/progress-sql.ts holds the same KR formula as a SQL expression
// (a test keeps the two in agreement).
import type { KrProgress, KrValues, ProgressSums } from './types';

const clamp01 = (x: number) => (x <= 0 ? 0 : Math.min(x, 1)); // `<=` also turns -0 into 0
const finite = (x: number) => (Number.isFinite(x) ? x + 0 : 0); // `+ 0` turns -0 into 0

/**
 * Progress of one KR from its values.
 * - number / percent / currency: (current − start) / (target − start). The start→target
 *   order decides the direction, so a decreasing KR (target < start) needs nothing special;
 *   `direction` is only consulted when target == start, where the ratio is undefined:
 *   then 1 when current is at or past the target in that direction, else 0.
 *   When `direction` contradicts start→target (e.g. 'down' with target > start) we follow the
 *   numbers the owner committed to; `directionMismatch()` lets a form warn about it.
 * - boolean: 1 when current ≥ 1, else 0.
 * - milestone: completed milestones (whole part of current) / total (target), stepwise;
 *   a total ≤ 0 gives 0.
 */
export function krProgress(kr: KrValues): KrProgress {
  const raw = finite(rawProgress(kr));
  return { progress: clamp01(raw), raw, overshoot: raw > 1 };
}

function rawProgress({
  kind,
  startValue: start,
  targetValue: target,
  currentValue: current,
  direction,
}: KrValues): number {
  switch (kind) {
    case 'boolean':
      return current >= 1 ? 1 : 0;
    case 'milestone':
      return target > 0 ? Math.trunc(Math.max(current, 0)) / target : 0;
    default:
      if (target === start) return (direction === 'down' ? current <= target : current >= target) ? 1 : 0;
      return (current - start) / (target - start);
  }
}

/** True when `direction` says the opposite of what start→target says (worth a warning, not an error). */
export function directionMismatch(kr: Pick<KrValues, 'startValue' | 'targetValue' | 'direction'>): boolean {
  if (kr.targetValue === kr.startValue) return false;
  return kr.targetValue > kr.startValue !== (kr.direction !== 'down');
}

export const emptySums = (): ProgressSums => ({ weightedSum: 0, weightSum: 0, plainSum: 0, count: 0 });

/** Adds one KR to running sums (mutates and returns `sums`). */
export function addToSums(sums: ProgressSums, progress: number, weight: number): ProgressSums {
  if (weight > 0) {
    sums.weightedSum += weight * progress;
    sums.weightSum += weight;
  }
  sums.plainSum += progress;
  sums.count += 1;
  return sums;
}

/** Weighted mean over KRs with weight > 0; all weights ≤ 0 → plain mean; no KRs → 0. */
export function objectiveProgressFromSums(s: ProgressSums): number {
  if (s.weightSum > 0) return clamp01(s.weightedSum / s.weightSum);
  if (s.count > 0) return clamp01(s.plainSum / s.count);
  return 0;
}

export function objectiveProgress(krs: readonly { progress: number; weight: number }[]): number {
  const sums = emptySums();
  for (const kr of krs) addToSums(sums, kr.progress, kr.weight);
  return objectiveProgressFromSums(sums);
}
