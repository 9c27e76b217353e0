import { describe, expect, it } from 'vitest';
import { cumulativeShares, krMoves, krWeightShare, linkShare } from './contribution';

describe('contribution along the chain', () => {
  it('weights a KR by its positive weight share', () => {
    const krs = [
      { id: 'a', weight: 2 },
      { id: 'b', weight: 1 },
      { id: 'c', weight: -1 },
    ];
    expect(krWeightShare(krs, 'a')).toBeCloseTo(2 / 3);
    expect(krWeightShare(krs, 'c')).toBe(0);
    expect(krWeightShare(krs, 'zz')).toBe(0);
    expect(
      krWeightShare(
        [
          { id: 'a', weight: 0 },
          { id: 'b', weight: 0 },
        ],
        'a',
      ),
    ).toBe(0.5);
  });

  it('splits a KR evenly among the objectives aligned to it, and multiplies along the chain', () => {
    expect(
      linkShare(
        [
          { id: 'a', weight: 1 },
          { id: 'b', weight: 1 },
        ],
        'a',
        4,
      ),
    ).toBe(0.125);
    expect(linkShare([{ id: 'a', weight: 1 }], 'a', 0)).toBe(0);
    expect(cumulativeShares([0.5, 0.5, 0.2])).toEqual([0.5, 0.25, 0.05]);
  });
});

describe('what finishing an objective moves up the chain', () => {
  const step = (over: Partial<import('./contribution').ChainStep> = {}) => ({
    share: 0.5,
    rollsUp: true,
    alignedCount: 4,
    startValue: 4.2,
    targetValue: 4.8,
    ...over,
  });

  it("moves a rolled KR by the objective's remaining progress over the aligned count, in the KR's units", () => {
    // 41 teachers align to 课程满意度 4.2 → 4.8; one at 20% that finishes moves it by 0.8 / 41 × 0.6 ≈ +0.0117.
    const [first] = krMoves(0.2, [step({ alignedCount: 41 })]);
    expect(first!.progress).toBeCloseTo(0.8 / 41);
    expect(first!.value).toBeCloseTo((0.8 / 41) * 0.6);
  });

  it('multiplies by each link share further up, and counts a done objective as what it brought', () => {
    const moves = krMoves(1, [
      step({ share: 0.25, alignedCount: 4 }),
      step({ share: 1, alignedCount: 2, startValue: 52, targetValue: 68 }),
    ]);
    expect(moves[0]!.progress).toBeCloseTo(0.25);
    // The objective above moved by 1 × 0.25; its KR upstairs is the mean of 2 objectives: 0.125 of 52 → 68.
    expect(moves[1]!.progress).toBeCloseTo(0.125);
    expect(moves[1]!.value).toBeCloseTo(2);
  });

  it('stops at a KR that does not roll up (manual or metric), and above it', () => {
    expect(krMoves(0.5, [step({ rollsUp: false }), step()])).toEqual([null, null]);
    expect(krMoves(0.5, [step(), step({ rollsUp: false })])[1]).toBeNull();
    expect(krMoves(Number.NaN, [step()])[0]!.progress).toBeCloseTo(0.25);
  });
});
