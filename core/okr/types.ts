// Plain data the pure OKR functions work on. They mirror storage/schema.ts
// columns but carry no storage types, so core/okr stays free of Drizzle.
import type { KrDirection, KrKind, ProgressMode, TrackStatus } from '../types';

export type { KrDirection, KrKind, ProgressMode };
export type { TrackStatus };

export interface KrValues {
  kind: KrKind;
  startValue: number;
  targetValue: number;
  currentValue: number;
  direction: KrDirection;
}

export interface CycleWindow {
  /** Inclusive ISO dates, YYYY-MM-DD. */
  startsOn: string;
  endsOn: string;
}

/** A KR's progress: `progress` is what bars and averages use, `raw` what a label may show (120%). */
export interface KrProgress {
  /** Clamped to 0..1. */
  progress: number;
  /** Unclamped: above 1 when the KR beat its target, below 0 when it went backwards. */
  raw: number;
  overshoot: boolean;
}

/** Running sums from which an objective's weighted mean is read (see objectiveProgressFromSums). */
export interface ProgressSums {
  /** Sum of weight × progress over KRs with weight > 0. */
  weightedSum: number;
  /** Sum of the weights > 0. */
  weightSum: number;
  /** Sum of progress over every KR (for the all-zero-weights fallback). */
  plainSum: number;
  count: number;
}

/** What status needs to know about a KR or an objective besides its progress. */
export interface StatusSignals {
  progress: number;
  /** Fraction of the cycle elapsed, 0..1 (expectedPace). */
  expected: number;
  /** Latest confidence 0..10, or null when nobody gave one. */
  confidence: number | null;
  hasCheckIn: boolean;
}
