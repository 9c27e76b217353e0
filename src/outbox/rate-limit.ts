// Per-platform sending limits, in memory, as sliding windows: app-wide (Lark:
// 50 per second and 1000 per minute) and per recipient (WeCom: 30 per minute
// and 1000 per hour per member). Sliding windows never allow more than `count`
// in ANY span of `windowMs`, whichever way the platform aligns its own windows;
// a small margin absorbs network jitter between our clock and the platform's.
// Per-second windows are also paced (one send every 1/count of the window).
// `reserve` never waits; it tells the caller when to try again, so one slow
// recipient does not hold up the rest.
import type { RateWindow, SendLimits } from '../../bots/types';

// Sends leave at our pace but reach the platform after varying network and event-loop delays;
// a window counts arrivals. Short windows get a wider margin because the same delay is a larger
// share of them (measured: 5% let 4 of 1,000 digests over Lark's per-second count under load).
const margin = (windowMs: number) => (windowMs <= 1000 ? 0.15 : 0.05);

class SlidingLog {
  private times: number[] = [];

  constructor(private readonly windows: RateWindow[]) {}

  /** Ms until `cost` more sends fit every window (0: now). A cost above a window's capacity goes once that window is empty. */
  wait(nowMs: number, cost: number): number {
    const longest = Math.max(...this.windows.map((w) => w.windowMs * (1 + margin(w.windowMs))));
    this.times = this.times.filter((t) => t > nowMs - longest);
    let wait = 0;
    for (const w of this.windows) {
      const span = w.windowMs * (1 + margin(w.windowMs));
      const recent = this.times.filter((t) => t > nowMs - span);
      if (recent.length === 0 || recent.length + cost <= w.count) continue;
      // Enough of the oldest sends must leave the window to make room for `cost` more.
      const mustExpire = Math.min(recent.length, recent.length + cost - w.count);
      wait = Math.max(wait, Math.ceil(recent[mustExpire - 1] + span - nowMs) + 1);
    }
    // Short windows (per second) are also paced evenly: a burst of 50 sent at once reaches the
    // platform spread by network jitter, and some would land inside the next second's count.
    const last = this.times.at(-1);
    if (last !== undefined) {
      for (const w of this.windows) {
        if (w.windowMs <= 1000)
          wait = Math.max(wait, Math.floor(last + (w.windowMs * (1 + margin(w.windowMs))) / w.count - nowMs));
      }
    }
    return wait;
  }

  take(nowMs: number, cost: number) {
    for (let i = 0; i < cost; i++) this.times.push(nowMs);
  }

  get empty() {
    return this.times.length === 0;
  }
}

export class RateLimiter {
  private readonly app: SlidingLog;
  private readonly recipientWindows: RateWindow[];
  private readonly sentTo = new Map<string, SlidingLog>();

  constructor(limits: SendLimits) {
    this.app = new SlidingLog([{ count: Math.max(1, limits.perSecond), windowMs: 1000 }, ...(limits.appWindows ?? [])]);
    this.recipientWindows = limits.perRecipient ? [limits.perRecipient].flat() : [];
  }

  /** Returns 0 and takes `cost` slots (platform messages) when a message may go now, else ms to wait. */
  reserve(recipient: string, nowMs: number, cost = 1): number {
    const n = Math.max(1, Math.ceil(cost));
    let log = this.sentTo.get(recipient);
    const wait = Math.max(this.app.wait(nowMs, n), log ? log.wait(nowMs, n) : 0);
    if (log?.empty) this.sentTo.delete(recipient);
    if (wait > 0) return wait;
    this.app.take(nowMs, n);
    if (this.recipientWindows.length) {
      if (!log || log.empty) {
        log = new SlidingLog(this.recipientWindows);
        this.sentTo.set(recipient, log);
      }
      log.take(nowMs, n);
    }
    return 0;
  }
}
