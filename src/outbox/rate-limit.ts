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

  /** Returns 0 and takes a slot when a message may go now, else ms to wait. */
  reserve(recipient: string, nowMs: number): number {
    this.refill(nowMs);
    const windowWait = this.recipientWait(recipient, nowMs);
    if (windowWait > 0) return windowWait;
    if (this.tokens < 1) return Math.ceil(((1 - this.tokens) / this.limits.perSecond) * 1000);
    this.tokens -= 1;
    if (this.limits.perRecipient) {
      const list = this.sentTo.get(recipient) ?? [];
      list.push(nowMs);
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

  private recipientWait(recipient: string, nowMs: number): number {
    const limit = this.limits.perRecipient;
    if (!limit) return 0;
    const recent = (this.sentTo.get(recipient) ?? []).filter((t) => t > nowMs - limit.windowMs);
    if (recent.length) this.sentTo.set(recipient, recent);
    else this.sentTo.delete(recipient);
    if (recent.length < limit.count) return 0;
    return recent[0] + limit.windowMs - nowMs + 1;
  }
}
