import { afterEach, describe, expect, it } from 'vitest';
import type { SendLimits } from '../../bots/types';
import { openSqlite, type SqliteStore } from '../../storage/sqlite';
import { tempDbPath } from '../../test/helpers/app';
import { SendLimiter } from './rate-limit';

const open: SqliteStore[] = [];
let cleanup: (() => void) | undefined;
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  cleanup?.();
  cleanup = undefined;
});

/** A limiter on a fresh SQLite file; `again()` opens another connection to the same file (another process). */
function limiterOn(limits: SendLimits) {
  const db = tempDbPath();
  cleanup = db.cleanup;
  const connect = () => {
    const store = openSqlite(db.path);
    open.push(store);
    return new SendLimiter(store, 'lark', limits);
  };
  return { limiter: connect(), again: connect };
}

describe('SendLimiter', () => {
  it('counts every platform message of a multi-part send against the per-recipient window', async () => {
    const { limiter } = limiterOn({ perSecond: 10_000, perRecipient: { count: 5, windowMs: 60_000 } });
    expect(await limiter.reserve('u', 1_000, 2)).toBe(0);
    expect(await limiter.reserve('u', 1_000, 2)).toBe(0);
    // 4 of 5 used: another 2-part message must wait until the first pair leaves the window.
    // (windows carry a 5% margin for network jitter)
    expect(await limiter.reserve('u', 2_000, 2)).toBe(1_000 + 63_000 - 2_000);
    expect(await limiter.reserve('u', 2_000, 1)).toBe(0);
    expect(await limiter.reserve('other', 2_000, 2)).toBe(0);
    expect(await limiter.reserve('u', 64_001, 2)).toBe(0);
  });

  it('lets a send larger than the whole window through once the window is empty', async () => {
    const { limiter } = limiterOn({ perSecond: 10_000, perRecipient: { count: 2, windowMs: 60_000 } });
    expect(await limiter.reserve('u', 1_000, 3)).toBe(0);
    expect(await limiter.reserve('u', 1_000, 1)).toBeGreaterThan(0);
  });

  it('paces a per-second limit evenly instead of sending it as one burst', async () => {
    const { limiter } = limiterOn({ perSecond: 50 });
    expect(await limiter.reserve('a', 0)).toBe(0);
    expect(await limiter.reserve('b', 0)).toBe(23);
    expect(await limiter.reserve('b', 23)).toBe(0);
  });

  it('never allows more than the per-second limit in any one-second span', async () => {
    const { limiter } = limiterOn({ perSecond: 50 });
    const sent: number[] = [];
    for (let now = 0; now < 5000; now += 7) {
      while ((await limiter.reserve(`u${now}`, now)) === 0) sent.push(now);
    }
    for (const start of sent) expect(sent.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(50);
    expect(sent.length).toBeGreaterThan(170);
  });

  it('holds an app-wide minute window (Lark: 1000 per minute)', async () => {
    const { limiter } = limiterOn({ perSecond: 50, appWindows: [{ count: 100, windowMs: 60_000 }] });
    let sent = 0;
    for (let now = 0; now < 30_000; now += 40) if ((await limiter.reserve(`u${now}`, now)) === 0) sent++;
    expect(sent).toBe(100);
    expect(await limiter.reserve('x', 30_000)).toBeGreaterThan(30_000);
    expect(await limiter.capacity(30_000)).toMatchObject({ capacity: 0 });
    expect((await limiter.capacity(30_000)).wait).toBeGreaterThan(30_000);
  });

  it('applies every per-recipient window (WeCom: per minute and per hour)', async () => {
    const { limiter } = limiterOn({
      perSecond: 10_000,
      perRecipient: [
        { count: 3, windowMs: 60_000 },
        { count: 4, windowMs: 3_600_000 },
      ],
    });
    expect(await Promise.all([0, 1, 2].map((i) => limiter.reserve('u', i)))).toEqual([0, 0, 0]);
    expect(await limiter.reserve('u', 10)).toBeGreaterThan(59_000);
    expect(await limiter.reserve('u', 70_000)).toBe(0);
    expect(await limiter.reserve('u', 140_000)).toBeGreaterThan(3_000_000);
  });

  it('keeps the windows across a restart and shares them between processes on one database', async () => {
    const limits = { perSecond: 1000, appWindows: [{ count: 10, windowMs: 60_000 }] };
    const { limiter, again } = limiterOn(limits);
    for (let i = 0; i < 6; i++) expect(await limiter.reserve(`u${i}`, i * 10)).toBe(0);
    // A restarted process (a new limiter on a new connection) sees the six sends.
    const restarted = again();
    const other = again();
    let sent = 0;
    for (let i = 0; i < 20; i++) {
      for (const l of [restarted, other]) if ((await l.reserve(`v${i}`, 100 + i * 10)) === 0) sent++;
    }
    expect(sent).toBe(4);
    expect((await restarted.capacity(500)).capacity).toBe(0);
  });

  it('pauses the whole platform after a rate-limit answer, longer while they keep coming', async () => {
    const { limiter, again } = limiterOn({ perSecond: 1000 });
    expect(await limiter.pause(0, 5_000, 'Lark error 99991400')).toBe(5_000);
    // Another process is paused too.
    const other = again();
    expect(await other.reserve('u', 1_000)).toBe(4_000);
    expect(await other.capacity(1_000)).toEqual({ wait: 4_000, capacity: 0 });
    expect(await other.reserve('u', 5_000)).toBe(0);
    // Short reset times that keep coming double the pause: 1 s, then 2 s, 4 s …
    expect(await limiter.pause(6_000, 1_000, 'again')).toBe(2_000);
    expect(await limiter.pause(8_000, 1_000, 'again')).toBe(4_000);
    // A minute after the last pause the count starts over.
    expect(await limiter.pause(200_000, 1_000, 'later')).toBe(1_000);
  });
});
