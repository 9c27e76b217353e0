import { describe, expect, it } from 'vitest';
import { nextTurn, TurnBatch } from './loop';

describe('TurnBatch', () => {
  it('hands the items added in one turn of the event loop to one flush', async () => {
    const flushed: number[][] = [];
    const batch = new TurnBatch<number>(async (items) => {
      flushed.push(items);
    });
    await Promise.all([batch.add(1), batch.add(2), batch.add(3)]);
    await nextTurn();
    await batch.add(4);
    expect(flushed).toEqual([[1, 2, 3], [4]]);
  });

  it('flushes at most `max` items at a time, the rest right after', async () => {
    const flushed: number[][] = [];
    const batch = new TurnBatch<number>(async (items) => {
      flushed.push(items);
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => batch.add(n)));
    expect(flushed).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects every item of a flush that failed, and goes on with the next batch', async () => {
    let fail = true;
    const batch = new TurnBatch<number>(async () => {
      if (fail) throw new Error('disk full');
    });
    const results = await Promise.allSettled([batch.add(1), batch.add(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batch.add(3)).resolves.toBeUndefined();
  });
});
