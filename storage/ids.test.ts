import { afterEach, describe, expect, it, vi } from 'vitest';
import { newId } from './ids';

afterEach(() => vi.restoreAllMocks());

describe('newId', () => {
  it('gives unique ids that sort in creation order', () => {
    const ids = Array.from({ length: 10_000 }, () => newId('x'));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^x_[0-9a-z]+[a-z2-7]{8}$/);
  });

  it('draws its random bytes in blocks, not one call per id', () => {
    const draw = vi.spyOn(crypto, 'getRandomValues');
    for (let i = 0; i < 1000; i++) newId('x');
    // 8 bytes an id from 4 KiB blocks: 1,000 ids take two blocks, and at most one more.
    expect(draw.mock.calls.length).toBeLessThanOrEqual(3);
  });
});
