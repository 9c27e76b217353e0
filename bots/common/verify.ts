// Request-check pieces the adapters share.

/** `mismatch`: the request was well-formed but signed or tokened with another secret than ours. */
export type VerifyResult = { ok: true } | { ok: false; reason: string; mismatch?: true };

/**
 * A Unix-seconds timestamp (Lark's X-Lark-Request-Timestamp, WeCom's `timestamp`) must be
 * well-formed and within `maxSkewMs` of our clock, which bounds how long a captured request
 * can be replayed.
 */
export function checkSecondsTimestamp(timestamp: string, now: Date, maxSkewMs: number): VerifyResult {
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed timestamp' };
  const skew = Math.abs(now.getTime() - Number(timestamp) * 1000);
  return skew > maxSkewMs ? { ok: false, reason: 'timestamp outside the allowed window' } : { ok: true };
}
