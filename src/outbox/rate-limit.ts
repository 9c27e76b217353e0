// Per-platform sending limits as sliding windows: app-wide (Lark: 50 per second
// and 1000 per minute) and per recipient (WeCom: 30 per minute and 1000 per hour
// per member). Sliding windows never allow more than `count` in ANY span of
// `windowMs`, whichever way the platform aligns its own windows; a small margin
// absorbs network jitter between our clock and the platform's. Per-second
// windows are also paced in small bursts: at most count/5 sends in any fifth of
// the window (Lark: 10 every 230 ms), never the whole second's count at once.
//
// The windows live in the database (`send_log`), not in memory: a slot is taken
// by one conditional INSERT that counts the recent rows and inserts only if the
// new send fits every window. SQLite (and D1) run a write statement under the
// database's write lock, so two processes or isolates cannot both take the last
// slot, and a restarted process sees every send made before it started.
// A platform's "rate limited" answer pauses the whole platform (`send_pauses`),
// again for every process, for the platform's reset time or longer when the
// answers keep coming.
//
// `reserve` never waits; it tells the caller when to try again, so one slow
// recipient does not hold up the rest.
import { sql, type SQL } from 'drizzle-orm';
import type { Platform, RateWindow, SendLimits } from '../../bots/types';
import { allRows, type Store } from '../../storage/db';
import { preparedSql, type PreparedSql } from '../../storage/prepared';

// Sends leave at our pace but reach the platform after varying network and event-loop delays;
// a window counts arrivals. Short windows get a wider margin because the same delay is a larger
// share of them (measured: 5% let 4 of 1,000 digests over Lark's per-second count under load).
const margin = (windowMs: number) => (windowMs <= 1000 ? 0.15 : 0.05);
const span = (w: RateWindow) => Math.round(w.windowMs * (1 + margin(w.windowMs)));

/**
 * A per-second window is paced in this many bursts. One send at a time (every 23 ms at Lark's
 * 50/s) woke the process once per send, and on the bench machine a send after such a wake cost
 * about three times the CPU of one in a burst (node:http POSTs to a local server: 0.9 ms each one
 * every 20 ms, 0.3 ms each ten every 200 ms). Five bursts keep the second evenly filled.
 */
const BURSTS_PER_WINDOW = 5;

/** A sliding limit as the database counts it: at most `count` (cost) in any `spanMs`. */
interface Limit {
  count: number;
  spanMs: number;
}

/** A window's own limit (with its margin) and, for a per-second window, its burst pace. */
function limitsOf(w: RateWindow): Limit[] {
  const whole = { count: w.count, spanMs: span(w) };
  if (w.windowMs > 1000) return [whole];
  const burst = Math.max(1, Math.ceil(w.count / BURSTS_PER_WINDOW));
  return [whole, { count: burst, spanMs: Math.floor((whole.spanMs * burst) / w.count) }];
}

/** Longest pause after repeated rate-limit answers. */
export const MAX_PAUSE_MS = 60_000;
/** A rate-limit answer within this long after the last pause ended counts as "still limited". */
const STRIKE_MEMORY_MS = 60_000;
/** Prune the send log at most this often. */
const PRUNE_EVERY_MS = 30_000;

/** A send in the log: when (epoch ms) and how many platform messages. */
interface Sent {
  at: number;
  cost: number;
}

/**
 * Ms until `cost` more sends fit `limit`, which holds `used` now; `oldest` are its oldest sends,
 * oldest first: at least `used + cost - count` of them (each costs at least 1).
 */
function limitWait(limit: Limit, used: number, oldest: Sent[], nowMs: number, cost: number): number {
  // A cost above a window's capacity goes once that window is empty.
  if (used === 0 || used + cost <= limit.count) return 0;
  // Enough of the oldest sends must leave the window to make room for `cost` more.
  let freed = 0;
  for (const x of oldest) {
    freed += x.cost;
    if (used - freed === 0 || used - freed + cost <= limit.count) return Math.max(0, x.at + limit.spanMs - nowMs);
  }
  return 0;
}

export interface Capacity {
  /** Ms until the platform may send again (0: now). */
  wait: number;
  /** Sends the app-wide windows have room for right now. */
  capacity: number;
}

export class SendLimiter {
  private readonly appLimits: Limit[];
  /** The shortest app-wide limits (the burst pace): the ones this process's own sends can fill. */
  private readonly burstLimits: Limit[];
  /** The other app-wide limits (a minute's, an hour's). */
  private readonly longerLimits: Limit[];
  private readonly recipientLimits: Limit[];
  private readonly longestMs: number;
  private prunedAt = 0;
  /**
   * Before this moment (epoch ms) the app-wide windows cannot take a send: learnt from this
   * process's own recent sends (a full burst) and from the last refusal. Sends already logged never
   * leave a window early and pauses only grow, so the answer stays true whatever other processes
   * do; it only spares the database the question while concurrent senders wait for the same slot.
   */
  private appBlockedUntil = Number.NEGATIVE_INFINITY;
  /** This process's own sends within the shortest app-wide limit (a burst), oldest first. */
  private ownRecent: Sent[] = [];
  /** The statements every send and drain runs, prepared for `db` (see prepared()). */
  private statements?: {
    db: Store['db'];
    reserve: PreparedSql<{ id: number }>;
    capacity: PreparedSql<Record<string, number | null>>;
    paused: PreparedSql<{ until: number }>;
  };

  constructor(
    private readonly store: Store,
    readonly platform: Platform,
    limits: SendLimits,
  ) {
    const appWindows = [{ count: Math.max(1, limits.perSecond), windowMs: 1000 }, ...(limits.appWindows ?? [])];
    this.appLimits = appWindows.flatMap(limitsOf);
    const shortest = Math.min(...this.appLimits.map((l) => l.spanMs));
    this.burstLimits = this.appLimits.filter((l) => l.spanMs === shortest);
    this.longerLimits = this.appLimits.filter((l) => l.spanMs !== shortest);
    this.recipientLimits = (limits.perRecipient ? [limits.perRecipient].flat() : []).flatMap(limitsOf);
    this.longestMs = Math.max(...[...this.appLimits, ...this.recipientLimits].map((l) => l.spanMs));
  }

  /** Returns 0 and takes `cost` slots (platform messages) when a message may go now, else ms to wait. */
  async reserve(recipient: string, nowMs: number, cost = 1): Promise<number> {
    const n = Math.max(1, Math.ceil(cost));
    const p = this.platform;
    // (A wait longer than any window or pause means the clock went back: ask the database.)
    const known = this.appBlockedUntil - nowMs;
    if (known > 0 && known <= Math.max(this.longestMs, MAX_PAUSE_MS)) return Math.ceil(known);
    const taken = await this.prepared().reserve.all({ platform: p, recipient, now: nowMs, n });
    await this.prune(nowMs);
    if (taken.length) {
      this.appBlockedUntil = nowMs + this.ownWait(nowMs, n);
      return 0;
    }
    // Refused: work out how long for, with aggregates and the few oldest sends that must leave a
    // window (never the window's rows). Another process may take slots meanwhile; the answer is
    // when to ask again, never a promise.
    const pause = await this.pausedFor(nowMs);
    const appWait = await this.waitOn(this.appLimits, sql``, nowMs, n);
    this.appBlockedUntil = nowMs + Math.max(pause, appWait);
    const recipientWait = this.recipientLimits.length
      ? await this.waitOn(this.recipientLimits, sql` AND recipient = ${recipient}`, nowMs, n)
      : 0;
    return Math.max(1, pause, appWait, recipientWait);
  }

  /**
   * After this process's send of `cost` at `nowMs`: how long until a next send of 1 fits the
   * app-wide limits, counting only its own sends within the shortest of them (the burst pace).
   * Other processes' sends can only make the true wait longer.
   */
  private ownWait(nowMs: number, cost: number): number {
    const spanMs = this.burstLimits[0].spanMs;
    this.ownRecent = this.ownRecent.filter((x) => x.at > nowMs - spanMs && x.at <= nowMs);
    this.ownRecent.push({ at: nowMs, cost });
    const used = this.ownRecent.reduce((sum, x) => sum + x.cost, 0);
    return Math.max(0, ...this.burstLimits.map((limit) => limitWait(limit, used, this.ownRecent, nowMs, 1)));
  }

  /**
   * The slot-taking INSERT and the two questions every drain asks, built once per limiter (its
   * windows are fixed) and prepared once per database: the INSERT runs for every send, and Drizzle
   * building its dozen subqueries cost more than SQLite running them.
   */
  private prepared() {
    const db = this.store.db;
    if (this.statements?.db === db) return this.statements;
    const p = sql.placeholder('platform');
    const now = sql.placeholder('now');
    const n = sql.placeholder('n');
    const num = (x: number) => sql.raw(String(x));
    const conditions: SQL[] = [sql`NOT EXISTS (SELECT 1 FROM send_pauses WHERE platform = ${p} AND until > ${now})`];
    // A send larger than a limit's count goes once that limit is empty (sum = 0).
    const fits = (l: Limit, scope: SQL) =>
      sql`(SELECT coalesce(sum(cost), 0) = 0 OR coalesce(sum(cost), 0) + ${n} <= ${num(l.count)} FROM send_log WHERE platform = ${p}${scope} AND at > ${now} - ${num(l.spanMs)}) = 1`;
    const mine = sql` AND recipient = ${sql.placeholder('recipient')}`;
    for (const l of this.appLimits) conditions.push(fits(l, sql``));
    for (const l of this.recipientLimits) conditions.push(fits(l, mine));
    const reserve = preparedSql<{ id: number }>(
      db,
      sql`INSERT INTO send_log (platform, recipient, at, cost) SELECT ${p}, ${sql.placeholder('recipient')}, ${now}, ${n} WHERE ${sql.join(conditions, sql` AND `)} RETURNING id`,
    );
    // Per app-wide limit its use (w<i>), and for a burst limit its newest send (n<i>): how long a
    // full burst window takes to empty.
    const capacity = preparedSql<Record<string, number | null>>(
      db,
      sql`SELECT ${sql.join(
        this.appLimits.flatMap((l, i) => {
          const window = sql`FROM send_log WHERE platform = ${p} AND at > ${now} - ${num(l.spanMs)}`;
          const used = sql`(SELECT coalesce(sum(cost), 0) ${window}) AS ${sql.raw(`w${i}`)}`;
          return this.burstLimits.includes(l) ? [used, sql`(SELECT max(at) ${window}) AS ${sql.raw(`n${i}`)}`] : [used];
        }),
        sql`, `,
      )}`,
    );
    const paused = preparedSql<{ until: number }>(
      db,
      sql`SELECT until FROM send_pauses WHERE platform = ${p} AND until > ${now}`,
    );
    this.statements = { db, reserve, capacity, paused };
    return this.statements;
  }

  /** Ms until `cost` more sends fit every one of `limits` (in `scope`). */
  private async waitOn(limits: Limit[], scope: SQL, nowMs: number, cost: number): Promise<number> {
    const p = this.platform;
    let wait = 0;
    for (const limit of limits) {
      const since = nowMs - limit.spanMs;
      const [{ used }] = await allRows<{ used: number }>(
        this.store,
        sql`SELECT coalesce(sum(cost), 0) AS used FROM send_log WHERE platform = ${p}${scope} AND at > ${since}`,
      );
      if (used === 0 || used + cost <= limit.count) continue;
      const oldest = await allRows<Sent>(
        this.store,
        sql`SELECT at, cost FROM send_log WHERE platform = ${p}${scope} AND at > ${since} ORDER BY at LIMIT ${used + cost - limit.count}`,
      );
      wait = Math.max(wait, limitWait(limit, used, oldest, nowMs, cost));
    }
    return Math.max(0, wait);
  }

  /** How many sends the app-wide limits (bursts included) have room for now, or how long until they have some. */
  async capacity(nowMs: number): Promise<Capacity> {
    const pause = await this.pausedFor(nowMs);
    if (pause > 0) return { wait: pause, capacity: 0 };
    // One aggregate per limit (a covering index range), not the window's rows.
    const [row] = await this.prepared().capacity.all({ platform: this.platform, now: nowMs });
    let capacity = Number.POSITIVE_INFINITY;
    // Full: a burst window is waited out whole (until its newest send has left), the others until
    // one more send fits. Waiting for a burst's oldest send to leave freed one slot per wake once the
    // windows had filled, so the outbox woke once per send (397–571 drains for 600 replies at Lark's
    // pace, in a probe), each wake costing about what a burst of sends does. A burst's sends leave
    // within a few ms of each other: waiting for all of them costs a lone message that much.
    let burstWait = 0;
    this.appLimits.forEach((l, i) => {
      const used = row[`w${i}`] ?? 0;
      capacity = Math.min(capacity, used === 0 ? l.count : l.count - used);
      const newest = row[`n${i}`]; // burst limits only
      if (newest != null) burstWait = Math.max(burstWait, newest + l.spanMs - nowMs);
    });
    if (capacity > 0) return { wait: 0, capacity };
    const wait = Math.max(burstWait, await this.waitOn(this.longerLimits, sql``, nowMs, 1));
    return { wait: Math.max(1, wait), capacity: 0 };
  }

  /**
   * The platform answered "rate limited": pause it for everyone, for at least `retryAfterMs`,
   * and longer (doubling, up to a minute) while such answers keep coming. Returns the pause in ms.
   */
  async pause(nowMs: number, retryAfterMs: number | undefined, reason: string): Promise<number> {
    const p = this.platform;
    const [last] = await allRows<{ until: number; strikes: number }>(
      this.store,
      sql`SELECT until, strikes FROM send_pauses WHERE platform = ${p}`,
    );
    const strikes = last && last.until > nowMs - STRIKE_MEMORY_MS ? last.strikes + 1 : 1;
    const pauseMs = Math.max(retryAfterMs ?? 1000, Math.min(MAX_PAUSE_MS, 1000 * 2 ** (strikes - 1)));
    const until = Math.max(last?.until ?? 0, nowMs + pauseMs);
    await this.store.db.run(
      sql`INSERT INTO send_pauses (platform, until, strikes, reason) VALUES (${p}, ${until}, ${strikes}, ${reason.slice(0, 500)})
          ON CONFLICT (platform) DO UPDATE SET until = max(send_pauses.until, excluded.until), strikes = excluded.strikes, reason = excluded.reason`,
    );
    return until - nowMs;
  }

  private async pausedFor(nowMs: number): Promise<number> {
    const [row] = await this.prepared().paused.all({ platform: this.platform, now: nowMs });
    return row ? row.until - nowMs : 0;
  }

  private async prune(nowMs: number) {
    if (nowMs - this.prunedAt < PRUNE_EVERY_MS && nowMs >= this.prunedAt) return;
    this.prunedAt = nowMs;
    await this.store.db.run(
      sql`DELETE FROM send_log WHERE platform = ${this.platform} AND at < ${nowMs - this.longestMs - 60_000}`,
    );
  }
}
