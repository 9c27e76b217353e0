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

/** Counts the statements a store runs through `db.all` (every limiter query) and the rows they return. */
function countQueries(store: SqliteStore) {
  const seen = { statements: 0, rows: 0 };
  const all = store.db.all.bind(store.db);
  (store.db as { all: unknown }).all = async (...args: Parameters<typeof all>) => {
    const rows = (await all(...args)) as unknown[];
    seen.statements++;
    seen.rows += rows.length;
    return rows;
  };
  return seen;
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

  it('paces a per-second limit in five bursts instead of one send at a time or the whole second at once', async () => {
    const { limiter } = limiterOn({ perSecond: 50 });
    // Ten (50 / 5) go together; the eleventh waits for the burst's span (1150 ms × 10 / 50).
    for (let i = 0; i < 10; i++) expect(await limiter.reserve(`a${i}`, 0)).toBe(0);
    expect(await limiter.reserve('b', 0)).toBe(230);
    expect(await limiter.reserve('b', 229)).toBe(1);
    for (let i = 0; i < 10; i++) expect(await limiter.reserve(`c${i}`, 230)).toBe(0);
    expect(await limiter.reserve('d', 230)).toBe(230);
    // A per-recipient per-second window is paced the same way (Lark: 5 per second, one every 230 ms).
    const perRecipient = limiterOn({ perSecond: 1000, perRecipient: { count: 5, windowMs: 1000 } }).limiter;
    expect(await perRecipient.reserve('u', 0)).toBe(0);
    expect(await perRecipient.reserve('u', 0)).toBe(230);
    expect(await perRecipient.reserve('v', 0)).toBe(0);
  });

  // Issue 16: once the windows were full, capacity() waited for the burst's oldest send to leave,
  // which freed one slot: the outbox then woke, drained and slept once per send (397–545 drains for
  // 600 replies at Lark's pace, 2.8 ms of CPU a reply; 121 drains and 1.9 ms with whole bursts).
  it('waits out a full burst whole, so the next sends go together instead of one per wake', async () => {
    const { limiter } = limiterOn({ perSecond: 50 });
    // A burst of ten, its sends a few ms apart as the outbox's senders take them.
    for (let i = 0; i < 10; i++) expect(await limiter.reserve(`a${i}`, i * 3)).toBe(0);
    // Until the newest of them (27 ms) has left the 230 ms burst window, not the oldest (0 ms).
    expect(await limiter.capacity(30)).toEqual({ wait: 27 + 230 - 30, capacity: 0 });
    expect(await limiter.capacity(27 + 230)).toEqual({ wait: 0, capacity: 10 });
    // A longer window that is full is waited for until one more send fits (Lark: 1000 a minute).
    const minute = limiterOn({ perSecond: 1000, appWindows: [{ count: 3, windowMs: 60_000 }] }).limiter;
    for (const at of [0, 100, 200]) expect(await minute.reserve(`m${at}`, at)).toBe(0);
    expect(await minute.capacity(1_000)).toEqual({ wait: 63_000 - 1_000, capacity: 0 });
  });

  it('never sends more than a burst in any fifth of the window, nor more than the count in any second', async () => {
    const { limiter } = limiterOn({ perSecond: 50 });
    const sent: number[] = [];
    for (let now = 0; now < 5000; now += 7) {
      while ((await limiter.reserve(`u${now}`, now)) === 0) sent.push(now);
    }
    for (const start of sent) {
      expect(sent.filter((t) => t >= start && t < start + 230).length).toBeLessThanOrEqual(10);
      expect(sent.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(50);
    }
    expect(sent.length).toBeGreaterThan(200);
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

  // Issue 16 / 22.3: 600 replies took 13.6 ms of CPU each, most of it here: every refused sender
  // re-read the whole minute window (up to 1000 rows) and eight senders waiting for the same paced
  // slot each asked the database again.
  it('answers a refusal from aggregates and the oldest sends, never the rows of a full window', async () => {
    const db = tempDbPath();
    cleanup = db.cleanup;
    const store = openSqlite(db.path);
    open.push(store);
    const limiter = new SendLimiter(store, 'lark', { perSecond: 1000, appWindows: [{ count: 500, windowMs: 60_000 }] });
    for (let i = 0; i < 500; i++) expect(await limiter.reserve(`u${i}`, i * 10)).toBe(0);
    const seen = countQueries(store);
    // A new limiter (another process) has no cached knowledge: it must ask the database.
    const fresh = new SendLimiter(store, 'lark', { perSecond: 1000, appWindows: [{ count: 500, windowMs: 60_000 }] });
    expect(await fresh.reserve('x', 5_000)).toBe(63_000 - 5_000);
    expect(await fresh.capacity(5_000)).toEqual({ wait: 63_000 - 5_000, capacity: 0 });
    expect(seen.rows).toBeLessThan(20);
  });

  it('lets concurrent senders waiting for one paced burst learn the wait without asking the database', async () => {
    const { limiter } = limiterOn({ perSecond: 50 });
    const store = open[0];
    const seen = countQueries(store);
    for (let i = 0; i < 10; i++) expect(await limiter.reserve(`a${i}`, 1_000)).toBe(0);
    const before = seen.statements;
    // Seven more senders wake at the same moment: the burst is full for 230 ms (1150 ms × 10 / 50).
    const waits = await Promise.all(Array.from({ length: 7 }, (_, i) => limiter.reserve(`b${i}`, 1_000)));
    expect(waits).toEqual(Array(7).fill(230));
    expect(seen.statements).toBe(before);
    // Another process's limiter still sees the sends in the database and keeps the pace.
    expect(await new SendLimiter(store, 'lark', { perSecond: 50 }).reserve('c', 1_100)).toBe(130);
    expect(await limiter.reserve('c', 1_230)).toBe(0);
  });

  it('sums every window on a covering index', () => {
    const db = tempDbPath();
    cleanup = db.cleanup;
    const store = openSqlite(db.path);
    open.push(store);
    const plan = (text: string) =>
      store.sqlite
        .prepare(`EXPLAIN QUERY PLAN ${text}`)
        .all()
        .map((r) => (r as { detail: string }).detail)
        .join('\n');
    expect(plan(`SELECT sum(cost) FROM send_log WHERE platform = 'lark' AND at > 5`)).toMatch(
      /USING COVERING INDEX send_log_app/,
    );
    expect(plan(`SELECT sum(cost) FROM send_log WHERE platform = 'lark' AND recipient = 'u' AND at > 5`)).toMatch(
      /USING COVERING INDEX send_log_recipient/,
    );
    // The newest send in a full burst window (how long to wait it out).
    expect(plan(`SELECT max(at) FROM send_log WHERE platform = 'lark' AND at > 5`)).toMatch(
      /USING COVERING INDEX send_log_app/,
    );
  });
});
