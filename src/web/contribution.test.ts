import { describe, expect, it } from 'vitest';
import { cumulativeShares, krWeightShare, linkShare } from './contribution';

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
