// Per-platform sending limits, in memory: a token bucket for the app-wide rate
// and a sliding window per recipient. `reserve` never waits; it tells the
// caller when to try again, so one slow recipient does not hold up the rest.
import type { SendLimits } from '../../bots/types';

export class RateLimiter {
  private tokens: number;
  private refilledAt: number;
  private readonly sentTo = new Map<string, number[]>();

  constructor(private readonly limits: SendLimits) {
    this.tokens = Math.max(1, limits.perSecond);
    this.refilledAt = 0;
  }

  /**
   * Returns 0 and takes `cost` slots (platform messages) when a message may go now, else ms to wait.
   * A cost above a limit's capacity goes once nothing else is in that window, so it never waits forever.
   */
  reserve(recipient: string, nowMs: number, cost = 1): number {
    const n = Math.max(1, Math.ceil(cost));
    this.refill(nowMs);
    const windowWait = this.recipientWait(recipient, nowMs, n);
    if (windowWait > 0) return windowWait;
    const need = Math.min(n, this.limits.perSecond);
    if (this.tokens < need) return Math.ceil(((need - this.tokens) / this.limits.perSecond) * 1000);
    this.tokens -= need;
    if (this.limits.perRecipient) {
      const list = this.sentTo.get(recipient) ?? [];
      for (let i = 0; i < n; i++) list.push(nowMs);
      this.sentTo.set(recipient, list);
    }
    return 0;
  }

  private refill(nowMs: number) {
    if (this.refilledAt === 0) this.refilledAt = nowMs;
    const elapsed = Math.max(0, nowMs - this.refilledAt) / 1000;
    // Capacity is one second's worth: bursts never exceed the per-second limit.
    this.tokens = Math.min(this.limits.perSecond, this.tokens + elapsed * this.limits.perSecond);
    this.refilledAt = nowMs;
  }

  private recipientWait(recipient: string, nowMs: number, cost: number): number {
    const limit = this.limits.perRecipient;
    if (!limit) return 0;
    const recent = (this.sentTo.get(recipient) ?? []).filter((t) => t > nowMs - limit.windowMs);
    if (recent.length) this.sentTo.set(recipient, recent);
    else this.sentTo.delete(recipient);
    if (recent.length + cost <= limit.count || recent.length === 0) return 0;
    // Wait until enough of the oldest sends leave the window to make room for `cost` more.
    const mustExpire = Math.min(recent.length, recent.length + cost - limit.count);
    return recent[mustExpire - 1] + limit.windowMs - nowMs + 1;
  }
}
