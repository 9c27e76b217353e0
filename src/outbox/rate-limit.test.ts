import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
  it('counts every platform message of a multi-part send against the per-recipient window', () => {
    const limiter = new RateLimiter({ perSecond: 10_000, perRecipient: { count: 5, windowMs: 60_000 } });
    expect(limiter.reserve('u', 1_000, 2)).toBe(0);
    expect(limiter.reserve('u', 1_000, 2)).toBe(0);
    // 4 of 5 used: another 2-part message must wait until the first pair leaves the window.
    // (windows carry a 5% margin for network jitter)
    expect(limiter.reserve('u', 2_000, 2)).toBe(1_000 + 63_000 - 2_000 + 1);
    expect(limiter.reserve('u', 2_000, 1)).toBe(0);
    expect(limiter.reserve('other', 2_000, 2)).toBe(0);
    expect(limiter.reserve('u', 64_001, 2)).toBe(0);
  });

  it('lets a send larger than the whole window through once the window is empty', () => {
    const limiter = new RateLimiter({ perSecond: 10_000, perRecipient: { count: 2, windowMs: 60_000 } });
    expect(limiter.reserve('u', 1_000, 3)).toBe(0);
    expect(limiter.reserve('u', 1_000, 1)).toBeGreaterThan(0);
  });
});

describe('RateLimiter windows', () => {
  it('paces a per-second limit evenly instead of sending it as one burst', () => {
    const limiter = new RateLimiter({ perSecond: 50 });
    expect(limiter.reserve('a', 0)).toBe(0);
    expect(limiter.reserve('b', 0)).toBe(23);
    expect(limiter.reserve('b', 23)).toBe(0);
  });

  it('never allows more than the per-second limit in any one-second span', () => {
    const limiter = new RateLimiter({ perSecond: 50 });
    const sent: number[] = [];
    for (let now = 0; now < 5000; now += 7) {
      while (limiter.reserve(`u${now}`, now) === 0) sent.push(now);
    }
    for (const start of sent) expect(sent.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(50);
    expect(sent.length).toBeGreaterThan(170);
  });

  it('holds an app-wide minute window (Lark: 1000 per minute)', () => {
    const limiter = new RateLimiter({ perSecond: 50, appWindows: [{ count: 100, windowMs: 60_000 }] });
    let sent = 0;
    for (let now = 0; now < 30_000; now += 10) if (limiter.reserve(`u${now}`, now) === 0) sent++;
    expect(sent).toBe(100);
    expect(limiter.reserve('x', 30_000)).toBeGreaterThan(30_000);
  });

  it('applies every per-recipient window (WeCom: per minute and per hour)', () => {
    const limiter = new RateLimiter({
      perSecond: 10_000,
      perRecipient: [
        { count: 3, windowMs: 60_000 },
        { count: 4, windowMs: 3_600_000 },
      ],
    });
    expect([0, 1, 2].map((i) => limiter.reserve('u', i))).toEqual([0, 0, 0]);
    expect(limiter.reserve('u', 10)).toBeGreaterThan(59_000);
    expect(limiter.reserve('u', 70_000)).toBe(0);
    expect(limiter.reserve('u', 140_000)).toBeGreaterThan(3_000_000);
  });
});
