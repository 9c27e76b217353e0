// Throttling of wrong credentials: after FAILURE_LIMIT wrong admin/ingest tokens (API bearer,
// dashboard bearer, dashboard login form) from one client address within FAILURE_WINDOW_MS,
// that address gets 429 with Retry-After until the oldest failure leaves the window (a sliding
// window on the injected clock). A right token does not reset the count: a guesser who is
// blocked stays blocked. State is per process (per isolate on Workers), like the send rate
// limits; memory is bounded by evicting the stalest addresses.
import type { Context } from 'hono';
import type { Clock } from '../core/clock';

export const FAILURE_LIMIT = 10;
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;
const MAX_TRACKED = 10_000;

export class AuthThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    readonly limit = FAILURE_LIMIT,
    readonly windowMs = FAILURE_WINDOW_MS,
  ) {}

  private recent(key: string, now: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length) this.failures.set(key, times);
    else this.failures.delete(key);
    return times;
  }

  /** Seconds until `key` may try again, or 0 when it may now. */
  retryAfterSeconds(key: string): number {
    const now = this.clock.now().getTime();
    const times = this.recent(key, now);
    if (times.length < this.limit) return 0;
    return Math.max(1, Math.ceil((times[times.length - this.limit] + this.windowMs - now) / 1000));
  }

  /** Records one wrong credential from `key`. */
  fail(key: string): void {
    const now = this.clock.now().getTime();
    const times = this.recent(key, now);
    times.push(now);
    // Re-inserted last, so the first key in the map is the stalest one.
    this.failures.delete(key);
    this.failures.set(key, times.slice(-this.limit));
    if (this.failures.size > MAX_TRACKED) this.failures.delete(this.failures.keys().next().value as string);
  }
}

/** Who is asking: the peer's address, or what a trusted proxy says (X-Forwarded-For) when the peer is one. */
export type PeerAddress = (c: Context) => string | undefined;

function normalise(address: string | undefined): string | undefined {
  const a = address?.trim();
  if (!a) return undefined;
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/**
 * The client address used as the throttle key. X-Forwarded-For is believed only when the peer
 * is one of `trustedProxies` (TRUSTED_PROXIES): then the right-most entry that is not itself a
 * trusted proxy is the client (entries further left were written by the client and prove nothing).
 */
export function clientAddress(c: Context, peer: PeerAddress, trustedProxies: readonly string[] = []): string {
  const direct = normalise(peer(c));
  const trusted = new Set(trustedProxies.map(normalise));
  if (direct && trusted.has(direct)) {
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((h) => normalise(h))
      .filter((h): h is string => Boolean(h));
    for (let i = hops.length - 1; i >= 0; i--) if (!trusted.has(hops[i])) return hops[i];
  }
  return direct ?? 'unknown';
}

/** Node (@hono/node-server passes the socket in c.env.incoming); Workers get CF-Connecting-IP from Cloudflare. */
export const defaultPeerAddress: PeerAddress = (c) => {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? c.req.header('cf-connecting-ip') ?? undefined;
};
