import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
  it('counts every platform message of a multi-part send against the per-recipient window', () => {
    const limiter = new RateLimiter({ perSecond: 100, perRecipient: { count: 5, windowMs: 60_000 } });
    expect(limiter.reserve('u', 1_000, 2)).toBe(0);
    expect(limiter.reserve('u', 1_000, 2)).toBe(0);
    // 4 of 5 used: another 2-part message must wait until the first pair leaves the window.
    expect(limiter.reserve('u', 2_000, 2)).toBe(1_000 + 60_000 - 2_000 + 1);
    expect(limiter.reserve('u', 2_000, 1)).toBe(0);
    expect(limiter.reserve('other', 2_000, 2)).toBe(0);
    expect(limiter.reserve('u', 61_001, 2)).toBe(0);
  });

  it('lets a send larger than the whole window through once the window is empty', () => {
    const limiter = new RateLimiter({ perSecond: 100, perRecipient: { count: 2, windowMs: 60_000 } });
    expect(limiter.reserve('u', 1_000, 3)).toBe(0);
    expect(limiter.reserve('u', 1_000, 1)).toBeGreaterThan(0);
  });
});
