import { describe, expect, it } from 'vitest';
import { directionMismatch, krProgress, objectiveProgress } from './progress';
import type { KrValues } from './types';

const kr = (v: Partial<KrValues>): KrValues => ({
  kind: 'number',
  startValue: 0,
  targetValue: 100,
  currentValue: 0,
  direction: 'up',
  ...v,
});

describe('krProgress', () => {
  it('measures numeric KRs from start to target', () => {
    expect(krProgress(kr({ currentValue: 45 }))).toEqual({ progress: 0.45, raw: 0.45, overshoot: false });
    expect(krProgress(kr({ kind: 'percent', startValue: 20, targetValue: 60, currentValue: 30 })).progress).toBeCloseTo(
      0.25,
    );
    expect(krProgress(kr({ kind: 'currency', targetValue: 1_000_000, currentValue: 250_000 })).progress).toBe(0.25);
  });
  it('handles decreasing KRs (target below start)', () => {
    expect(krProgress(kr({ startValue: 50, targetValue: 10, currentValue: 30, direction: 'down' })).progress).toBe(0.5);
    expect(krProgress(kr({ startValue: 50, targetValue: 10, currentValue: 60, direction: 'down' }))).toEqual({
      progress: 0,
      raw: -0.25,
      overshoot: false,
    });
  });
  it('reports overshoot but clamps progress', () => {
    expect(krProgress(kr({ currentValue: 120 }))).toEqual({ progress: 1, raw: 1.2, overshoot: true });
    expect(krProgress(kr({ startValue: 50, targetValue: 10, currentValue: 2, direction: 'down' })).raw).toBeCloseTo(
      1.2,
    );
  });
  it('follows start→target when direction disagrees, and flags it', () => {
    const v = kr({ startValue: 0, targetValue: 100, currentValue: 40, direction: 'down' });
    expect(krProgress(v).progress).toBe(0.4);
    expect(directionMismatch(v)).toBe(true);
    expect(directionMismatch(kr({ startValue: 50, targetValue: 10, direction: 'down' }))).toBe(false);
  });
  it('zero-width range: reached in the KR direction → 1, else 0', () => {
    expect(krProgress(kr({ startValue: 20, targetValue: 20, currentValue: 20 })).progress).toBe(1);
    expect(krProgress(kr({ startValue: 20, targetValue: 20, currentValue: 25 })).progress).toBe(1);
    expect(krProgress(kr({ startValue: 20, targetValue: 20, currentValue: 19 })).progress).toBe(0);
    expect(krProgress(kr({ startValue: 5, targetValue: 5, currentValue: 3, direction: 'down' })).progress).toBe(1);
    expect(krProgress(kr({ startValue: 5, targetValue: 5, currentValue: 6, direction: 'down' })).progress).toBe(0);
  });
  it('boolean and milestone KRs', () => {
    expect(krProgress(kr({ kind: 'boolean', targetValue: 1, currentValue: 1 })).progress).toBe(1);
    expect(krProgress(kr({ kind: 'boolean', targetValue: 1, currentValue: 0.9 })).progress).toBe(0);
    expect(krProgress(kr({ kind: 'milestone', targetValue: 4, currentValue: 2.7 })).progress).toBe(0.5);
    expect(krProgress(kr({ kind: 'milestone', targetValue: 4, currentValue: 5 }))).toEqual({
      progress: 1,
      raw: 1.25,
      overshoot: true,
    });
    expect(krProgress(kr({ kind: 'milestone', targetValue: 0, currentValue: 3 })).progress).toBe(0);
    expect(krProgress(kr({ kind: 'milestone', targetValue: 4, currentValue: -2 })).progress).toBe(0);
  });
  it('never returns NaN', () => {
    expect(krProgress(kr({ currentValue: Number.NaN })).progress).toBe(0);
    expect(krProgress(kr({ currentValue: Infinity })).raw).toBe(0);
  });
});

describe('objectiveProgress', () => {
  it('weighted mean, ignoring weights <= 0', () => {
    expect(
      objectiveProgress([
        { progress: 1, weight: 3 },
        { progress: 0, weight: 1 },
      ]),
    ).toBe(0.75);
    expect(
      objectiveProgress([
        { progress: 1, weight: 1 },
        { progress: 0, weight: 0 },
        { progress: 0, weight: -2 },
      ]),
    ).toBe(1);
  });
  it('all-zero weights → plain mean; no KRs → 0', () => {
    expect(
      objectiveProgress([
        { progress: 1, weight: 0 },
        { progress: 0, weight: 0 },
      ]),
    ).toBe(0.5);
    expect(objectiveProgress([])).toBe(0);
  });
});
