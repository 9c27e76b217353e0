import { describe, expect, it } from 'vitest';
import { expectedPace, localDate } from './pace';
import { trackStatus } from './status';
import { cycleScore, scoreBucket, scoreDistribution } from './scoring';
import { rollup, rollupObjectives, type ObjectiveWithKrs } from './rollup';
import { ancestors, selectSubtree } from './tree';
import { adjustmentRatePer100, alignmentRate, checkInRate } from './stats';
import { emptySums, addToSums } from './progress';

describe('expectedPace', () => {
  const q4 = { startsOn: '2026-10-01', endsOn: '2026-12-31' }; // 92 days
  it('is the fraction of whole days elapsed', () => {
    expect(expectedPace(q4, new Date('2026-10-01T12:00:00Z'))).toBe(0);
    expect(expectedPace(q4, new Date('2026-11-16T12:00:00Z'))).toBeCloseTo(46 / 92);
    expect(expectedPace(q4, new Date('2027-01-05T00:00:00Z'))).toBe(1);
    expect(expectedPace(q4, new Date('2026-09-01T00:00:00Z'))).toBe(0);
  });
  it('uses the org time zone', () => {
    const now = new Date('2026-10-01T20:00:00Z'); // already Oct 2 in Shanghai
    expect(localDate(now, 'Asia/Shanghai')).toBe('2026-10-02');
    expect(expectedPace(q4, now, 'Asia/Shanghai')).toBeCloseTo(1 / 92);
    expect(expectedPace(q4, now, 'UTC')).toBe(0);
    expect(localDate(now, 'Not/AZone')).toBe('2026-10-01');
  });
  it('malformed cycles give 0', () => {
    expect(expectedPace({ startsOn: 'x', endsOn: '2026-12-31' }, new Date())).toBe(0);
  });
});

describe('trackStatus', () => {
  const s = (progress: number, expected: number, confidence: number | null = null, hasCheckIn = true) =>
    trackStatus({ progress, expected, confidence, hasCheckIn });
  it('thresholds', () => {
    expect(s(1, 0.5)).toBe('done');
    expect(s(0.5, 0.55)).toBe('on_track');
    expect(s(0.4, 0.55)).toBe('at_risk');
    expect(s(0.2, 0.55)).toBe('off_track');
    expect(s(0.6, 0.5, 6)).toBe('at_risk');
    expect(s(0.6, 0.5, 3)).toBe('off_track');
    expect(s(0.6, 0.5, 7)).toBe('on_track');
  });
  it('not started only while still early', () => {
    expect(s(0, 0.05, null, false)).toBe('not_started');
    expect(s(0, 0.5, null, false)).toBe('off_track');
    expect(s(0, 0.05, null, true)).toBe('on_track');
  });
});

describe('scoring', () => {
  it('rounds half up to one decimal', () => {
    expect(cycleScore(0.649)).toBe(0.6);
    expect(cycleScore(0.65)).toBe(0.7);
    expect(cycleScore(0.35)).toBe(0.4);
    expect(cycleScore(1.3)).toBe(1);
    expect(cycleScore(Number.NaN)).toBe(0);
  });
  it('buckets like classic OKR grading', () => {
    expect([0, 0.3, 0.4, 0.6, 0.7, 1].map(scoreBucket)).toEqual(['low', 'low', 'mid', 'mid', 'high', 'high']);
    expect(scoreDistribution([0.1, 0.5, 0.9, 0.72])).toEqual({ low: 1, mid: 1, high: 2, average: 0.55 });
    expect(scoreDistribution([])).toEqual({ low: 0, mid: 0, high: 0, average: 0 });
  });
});

describe('rollup', () => {
  const obj = (id: string, parentKrId: string | null, krs: ObjectiveWithKrs['keyResults']): ObjectiveWithKrs => ({
    id,
    parentKrId,
    keyResults: krs,
  });
  const manual = (id: string, progress: number, weight = 1) => ({
    id,
    progressMode: 'manual' as const,
    weight,
    progress,
  });
  const children = (id: string, own = 0, weight = 1) => ({
    id,
    progressMode: 'children' as const,
    weight,
    progress: own,
  });

  it('takes children KR progress from the mean of aligned objectives, recursively', () => {
    const r = rollupObjectives([
      obj('company', null, [children('c1'), manual('c2', 0.2)]),
      obj('team', 'c1', [children('t1')]),
      obj('p1', 't1', [manual('a', 1)]),
      obj('p2', 't1', [manual('b', 0)]),
      obj('p3', 'c1', [manual('c', 0.9)]),
    ]);
    const at = (id: string) => r.progress[r.index.get(id)!];
    expect(at('team')).toBe(0.5);
    expect(r.krs.get('c1')!.progress).toBeCloseTo(0.7);
    expect(at('company')).toBeCloseTo(0.45);
    expect(r.cyclesBroken).toBe(0);
  });
  it('falls back to the KR own values when nothing is aligned', () => {
    const r = rollupObjectives([obj('o', null, [children('k', 0.3)])]);
    expect(r.progress[0]).toBeCloseTo(0.3);
  });
  it('survives cycles in alignment data', () => {
    const r = rollupObjectives([
      obj('a', 'kb', [children('ka'), manual('x', 1)]),
      obj('b', 'ka', [children('kb'), manual('y', 0)]),
      obj('self', 'ks', [children('ks', 0.4)]),
    ]);
    expect(r.cyclesBroken).toBe(2);
    for (const p of r.progress) expect(Number.isFinite(p)).toBe(true);
    expect(r.progress[r.index.get('self')!]).toBeCloseTo(0.4);
  });
  it('handles a 50,000-deep chain without recursion', () => {
    const list: ObjectiveWithKrs[] = [];
    for (let i = 0; i < 50_000; i++) list.push(obj(`o${i}`, i ? `k${i - 1}` : null, [children(`k${i}`)]));
    list.push(obj('leaf', 'k49999', [manual('m', 0.8)]));
    expect(rollupObjectives(list).progress[0]).toBeCloseTo(0.8);
  });
  it('leaf groups summed elsewhere give the same result as individual leaves', () => {
    const rolling = [{ id: 't', parentKrId: null, fixed: emptySums(), minConfidence: null, hasCheckIn: false }];
    const krs = [{ id: 'tk', objectiveId: 't', weight: 1, ownProgress: 0, confidence: 5, hasCheckIn: false }];
    const grouped = rollup(rolling, krs, new Map([['tk', { count: 2, progressSum: 0.9, hasCheckIn: true }]]));
    const individual = rollup(
      [
        ...rolling,
        { id: 'l1', parentKrId: 'tk', fixed: addToSums(emptySums(), 0.4, 1), minConfidence: null, hasCheckIn: true },
        { id: 'l2', parentKrId: 'tk', fixed: addToSums(emptySums(), 0.5, 1), minConfidence: null, hasCheckIn: false },
      ],
      krs,
    );
    expect(grouped.progress[0]).toBeCloseTo(0.45);
    expect(individual.progress[0]).toBeCloseTo(grouped.progress[0]);
    expect(grouped.krs.get('tk')).toEqual({ progress: 0.45, confidence: 5, hasCheckIn: true });
    expect(grouped.confidence[0]).toBe(5);
  });
});

describe('tree walks', () => {
  const kids: Record<string, string[]> = { r: ['a', 'b'], a: ['c', 'd'], b: ['e'], c: ['r'] };
  const level = (ids: string[]) => new Map(ids.map((id) => [id, kids[id] ?? []]));
  it('selects breadth first with depth and node caps, cycle-safe', async () => {
    expect((await selectSubtree(['r'], level, { maxNodes: 100 })).ids).toEqual(['r', 'a', 'b', 'c', 'd', 'e']);
    const d1 = await selectSubtree(['r'], level, { depth: 1, maxNodes: 100 });
    expect(d1.ids).toEqual(['r', 'a', 'b']);
    expect(d1.children.get('a')).toEqual(['c', 'd']);
    expect(d1.truncated).toBe(false);
    const capped = await selectSubtree(['r'], level, { maxNodes: 4 });
    expect(capped.ids).toEqual(['r', 'a', 'b', 'c']);
    expect(capped.truncated).toBe(true);
    expect(capped.children.get('c')).toEqual(['r']);
  });
  it('lists ancestors nearest first and stops at cycles', () => {
    const parent: Record<string, string> = { c: 'a', a: 'r', x: 'y', y: 'x' };
    expect(ancestors('c', (id) => parent[id])).toEqual(['a', 'r']);
    expect(ancestors('x', (id) => parent[id])).toEqual(['y']);
  });
});

describe('org figures', () => {
  it('rates', () => {
    expect(alignmentRate(89, 100)).toBe(0.89);
    expect(alignmentRate(1, 0)).toBe(0);
    expect(checkInRate(2, 3)).toBe(0.6667);
    expect(adjustmentRatePer100(17, 100)).toBe(17);
    expect(adjustmentRatePer100(204, 1200)).toBe(17);
    expect(adjustmentRatePer100(3, 0)).toBe(0);
  });
});
