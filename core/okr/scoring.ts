// End-of-cycle grading, classic OKR style: a 0.0–1.0 score in steps of 0.1.

/** Progress (0..1, clamped) rounded half-up to one decimal: 0.649 → 0.6, 0.65 → 0.7. */
export function cycleScore(progress: number): number {
  const p = Number.isFinite(progress) ? Math.min(1, Math.max(0, progress)) : 0;
  // The epsilon keeps binary fractions such as 0.35 (0.34999…) rounding up as people expect.
  return Math.round(p * 10 + 1e-9) / 10;
}

export type ScoreBucket = 'low' | 'mid' | 'high';

/** low: 0.0–0.3 (missed), mid: 0.4–0.6 (progress, not success), high: 0.7–1.0 (delivered). */
export function scoreBucket(score: number): ScoreBucket {
  if (score < 0.35) return 'low';
  if (score < 0.65) return 'mid';
  return 'high';
}

export interface ScoreDistribution {
  low: number;
  mid: number;
  high: number;
  /** Mean of the scores, rounded to 2 decimals; 0 when there is none. */
  average: number;
}

export function scoreDistribution(progresses: Iterable<number>): ScoreDistribution {
  const out: ScoreDistribution = { low: 0, mid: 0, high: 0, average: 0 };
  let sum = 0;
  let n = 0;
  for (const p of progresses) {
    const s = cycleScore(p);
    out[scoreBucket(s)] += 1;
    sum += s;
    n += 1;
  }
  out.average = n ? Math.round((sum / n) * 100) / 100 : 0;
  return out;
}
