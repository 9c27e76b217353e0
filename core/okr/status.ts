// Track status from progress, pace and confidence. Thresholds are in
// docs/okr-math.md; storage/repos/progress-sql.ts mirrors them in SQL.
import type { StatusSignals, TrackStatus } from './types';

export const STATUS_THRESHOLDS = {
  /** Behind pace by more than this (progress points, 0..1) → at risk. */
  atRiskGap: 0.1,
  /** Behind pace by more than this → off track. */
  offTrackGap: 0.25,
  /** Confidence at or below this (0..10) → at risk. */
  atRiskConfidence: 6,
  /** Confidence at or below this → off track. */
  offTrackConfidence: 3,
} as const;

/**
 * - done: progress ≥ 1.
 * - not_started: no check-in yet, progress 0, and not yet more than 10 points behind pace
 *   (an untouched KR late in the cycle is off track or at risk, not "not started").
 * - off_track: behind pace by > 25 points, or confidence ≤ 3.
 * - at_risk: behind pace by > 10 points, or confidence ≤ 6.
 * - on_track otherwise.
 */
export function trackStatus({ progress, expected, confidence, hasCheckIn }: StatusSignals): TrackStatus {
  const t = STATUS_THRESHOLDS;
  if (progress >= 1) return 'done';
  const gap = expected - progress;
  if (!hasCheckIn && progress <= 0 && gap <= t.atRiskGap) return 'not_started';
  const conf = confidence ?? Infinity;
  if (gap > t.offTrackGap || conf <= t.offTrackConfidence) return 'off_track';
  if (gap > t.atRiskGap || conf <= t.atRiskConfidence) return 'at_risk';
  return 'on_track';
}

export const TRACK_STATUSES: readonly TrackStatus[] = ['done', 'on_track', 'at_risk', 'off_track', 'not_started'];

export type StatusCounts = Record<TrackStatus, number>;

export const emptyStatusCounts = (): StatusCounts => ({
  done: 0,
  on_track: 0,
  at_risk: 0,
  off_track: 0,
  not_started: 0,
});
