// Performance review math (docs/review.md): the scales people score on, and the final
// score rule. Scores are stored as 0..1 whatever the org shows; the 0–100 scale is the
// same number times 100.
import type { ReviewScale } from '../types';

export interface ScaleSpec {
  min: number;
  max: number;
  step: number;
  /** The range as people read it: "0.0–1.0" or "0–100". */
  label: string;
  /** Buttons offered on a card, in the scale's own numbers. */
  choices: number[];
}

export const SCALES: Record<ReviewScale, ScaleSpec> = {
  '0-1': { min: 0, max: 1, step: 0.1, label: '0.0–1.0', choices: [0.3, 0.5, 0.7, 0.8, 0.9, 1] },
  '0-100': { min: 0, max: 100, step: 1, label: '0–100', choices: [30, 50, 70, 80, 90, 100] },
};

/**
 * A number typed or clicked on the org's scale → the stored 0..1 score, or undefined when it is
 * outside the range or between steps (0.75 on the 0.0–1.0 scale, 70.5 on 0–100).
 */
export function fromScale(value: number, scale: ReviewScale): number | undefined {
  const spec = SCALES[scale];
  if (!Number.isFinite(value) || value < spec.min || value > spec.max) return undefined;
  const steps = value / spec.step;
  if (Math.abs(steps - Math.round(steps)) > 1e-9) return undefined;
  return roundScore((Math.round(steps) * spec.step) / spec.max);
}

/** A stored 0..1 score on the org's scale: 0.7 → "0.7" or "70". */
export function toScale(score: number | null | undefined, scale: ReviewScale): string {
  if (score == null || !Number.isFinite(score)) return '—';
  if (scale === '0-100') return String(Math.round(score * 100));
  // One decimal on the scale's own steps; a final score (a mean) keeps its second decimal.
  return Math.abs(score * 10 - Math.round(score * 10)) < 1e-9 ? score.toFixed(1) : score.toFixed(2);
}

/** Two decimals, half up: final scores are means and keep one more digit than the scale. */
export function roundScore(n: number): number {
  return Math.round(n * 100 + 1e-9) / 100;
}

export interface ScoredObjective {
  weight: number;
  computedScore: number;
  selfScore: number | null;
}

/** The weighted mean of objective scores, each the self score where there is one, else the computed one. */
export function selfOrComputedMean(objectives: readonly ScoredObjective[]): number {
  let sum = 0;
  let weights = 0;
  for (const o of objectives) {
    const w = Math.max(o.weight, 0);
    sum += (o.selfScore ?? o.computedScore) * w;
    weights += w;
  }
  if (weights > 0) return roundScore(sum / weights);
  // Every weight zero: a plain mean, so the person still has a score.
  return objectives.length
    ? roundScore(objectives.reduce((s, o) => s + (o.selfScore ?? o.computedScore), 0) / objectives.length)
    : 0;
}

/**
 * The final score: the manager's calibrated score where there is one (unless an appeal against it
 * was granted), else the weighted mean of the objective self scores, else of the computed scores.
 */
export function finalScore(input: {
  objectives: readonly ScoredObjective[];
  calibratedScore: number | null;
  appealGranted: boolean;
}): number {
  if (input.calibratedScore != null && !input.appealGranted) return roundScore(input.calibratedScore);
  return selfOrComputedMean(input.objectives);
}
