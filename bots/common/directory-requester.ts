// The HTTP side of a directory read, shared by the WeCom and DingTalk fetchers:
// requests are paced to the platform's documented rate (one call every
// `minIntervalMs`), and an answer the platform classifies as a rate limit, a
// transient fault or a 5xx is retried with backoff (the platform's announced
// wait, else `baseBackoffMs` doubling up to 30 s), then the caller goes on from
// the same page. Time is virtual as far as the pacer is concerned: it adds what
// it slept to the clock it reads, so an injected `sleep` that returns at once
// (tests) still yields a paced, correctly spaced sequence.
import { DirectoryFetchError, type DirectoryProgress } from '../../core/directory';

/** What every platform's directory fetcher takes besides its credentials (all injectable for tests). */
export interface DirectoryFetchOptions {
  fetch?: typeof fetch;
  /** Waits between calls and retries (tests pass one that returns at once). */
  sleep?: (ms: number) => Promise<void>;
  /** The pacer's clock (tests advance it in `sleep`). */
  now?: () => number;
  onProgress?: (p: DirectoryProgress) => void;
  maxRetries?: number;
  /** Gap between calls; each platform defaults to its documented rate limit. */
  minIntervalMs?: number;
}

export interface DirectoryRequesterOptions {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Smallest gap between two calls (the documented rate limit, as an interval). */
  minIntervalMs: number;
  maxRetries?: number;
  baseBackoffMs?: number;
}

/** What the platform-specific judge makes of one answer. */
export type Verdict<T> =
  | { ok: T }
  | { retry: string; waitMs?: number }
  | { fail: DirectoryFetchError }
  /** The access token was refused: fetch a new one and repeat the call once. */
  | { renewToken: true };

export interface RequesterStats {
  /** HTTP requests made, retries included. */
  apiCalls: number;
  retries: number;
  /** Milliseconds spent waiting for the pace (not for retries). */
  pacedMs: number;
  /** Milliseconds spent waiting before retries. */
  backoffMs: number;
}

export function createDirectoryRequester(options: DirectoryRequesterOptions) {
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  const realSleep = options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const clock = options.now ?? (() => Date.now());
  const maxRetries = options.maxRetries ?? 6;
  const base = options.baseBackoffMs ?? 500;
  const stats: RequesterStats = { apiCalls: 0, retries: 0, pacedMs: 0, backoffMs: 0 };
  let slept = 0;
  let lastStart = Number.NEGATIVE_INFINITY;
  let virtualNow = Number.NEGATIVE_INFINITY;
  const now = () => Math.max(clock(), virtualNow);
  async function sleep(ms: number) {
    if (ms <= 0) return;
    virtualNow = now() + ms;
    slept += ms;
    await realSleep(ms);
  }

  async function pace() {
    const wait = lastStart + options.minIntervalMs - now();
    if (wait > 0) {
      stats.pacedMs += wait;
      await sleep(wait);
    }
    lastStart = now();
  }

  /**
   * One logical call: paced, retried, judged. `build` makes the request with the
   * current token (called again after a token renewal).
   */
  async function request<T>(
    build: () => Promise<{ url: string; init: RequestInit }>,
    judge: (res: Response | undefined, body: unknown) => Verdict<T>,
    renewToken?: () => void,
  ): Promise<T> {
    let renewed = false;
    for (let attempt = 0; ; ) {
      await pace();
      stats.apiCalls++;
      const { url, init } = await build();
      let res: Response | undefined;
      let body: unknown;
      try {
        res = await send(url, init);
        body = await res.json().catch(() => undefined);
      } catch {
        res = undefined; // network error: judged as transient below
      }
      const verdict: Verdict<T> =
        !res || res.status >= 500 ? { retry: res ? `HTTP ${res.status}` : 'network error' } : judge(res, body);
      if ('ok' in verdict) return verdict.ok;
      if ('fail' in verdict) throw verdict.fail;
      if ('renewToken' in verdict) {
        if (renewed || !renewToken) throw new DirectoryFetchError('the platform refused a fresh access token', 'token');
        renewed = true;
        renewToken();
        continue;
      }
      if (attempt >= maxRetries)
        throw new DirectoryFetchError(`gave up after ${attempt + 1} attempts: ${verdict.retry}`, 'retries_exhausted');
      stats.retries++;
      const wait = verdict.waitMs ?? Math.min(30_000, base * 2 ** attempt);
      stats.backoffMs += wait;
      await sleep(wait);
      attempt++;
    }
  }

  return { request, stats, sleptMs: () => slept };
}
