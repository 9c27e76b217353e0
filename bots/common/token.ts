// One access token per client, shared by every concurrent caller (single flight):
// a cold start with six sends in flight fetches the token once, not six times. The
// token is refreshed `marginMs` before the platform's stated expiry, and a caller whose
// call was refused with the platform's "token invalid" code drops exactly the token it
// used, so concurrent refusals of one stale token still cause one refresh.

export interface FetchedToken {
  value: string;
  /** Lifetime the platform stated, in seconds (Lark `expire`, WeCom `expires_in`, DingTalk `expireIn`). */
  expiresInSeconds: number;
}

export class SingleFlightToken {
  private current?: { value: string; refreshAt: number };
  private pending?: Promise<string>;
  /** How many times the platform was asked for a token (tests and the conformance suite read it). */
  fetches = 0;

  constructor(
    private readonly fetchToken: () => Promise<FetchedToken>,
    private readonly now: () => Date,
    private readonly marginMs: number,
  ) {}

  async get(): Promise<string> {
    if (this.current && this.current.refreshAt > this.now().getTime()) return this.current.value;
    this.pending ??= this.fetchNew().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** The platform refused `value` as invalid or expired: the next get() fetches a new one (once). */
  invalidate(value: string): void {
    if (this.current?.value === value) this.current = undefined;
  }

  private async fetchNew(): Promise<string> {
    this.fetches++;
    const token = await this.fetchToken();
    const lifetimeMs = Math.max(0, token.expiresInSeconds * 1000);
    // Never cache for less than a minute past the margin's cut: a platform answering with a
    // tiny expiry must not turn every call into a token fetch.
    const usableMs = Math.max(Math.min(lifetimeMs, 60_000), lifetimeMs - this.marginMs);
    this.current = { value: token.value, refreshAt: this.now().getTime() + usableMs };
    return token.value;
  }
}
