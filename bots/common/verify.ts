// Request-check pieces the adapters share.

export type VerifyResult = { ok: true } | { ok: false; reason: string };

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

/** The same for a Unix-milliseconds timestamp (DingTalk's). */
export function checkMillisTimestamp(timestamp: string, now: Date, maxSkewMs: number): VerifyResult {
  if (!/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: 'malformed timestamp' };
  const skew = Math.abs(now.getTime() - Number(timestamp));
  return skew > maxSkewMs ? { ok: false, reason: 'timestamp outside the allowed window' } : { ok: true };
}

/**
 * How old (or early) a signed callback of WeCom or of DingTalk's HTTP event subscription may
 * be. Neither platform documents a window for these callbacks (DingTalk documents one hour for
 * robot messages only, https://open.dingtalk.com/document/orgapp/receive-message). Both push
 * in real time and retry within seconds: WeCom drops the connection after 5 s and retries three
 * times (https://developer.work.weixin.qq.com/document/path/90238, 接收消息与事件), DingTalk
 * wants the answer within 1.5 s (https://open.dingtalk.com/document/orgapp/configure-event-subcription).
 * So a genuine callback is seconds old; 5 minutes absorbs clock skew, as for Lark, and bounds
 * how long a captured request can be replayed (event ids are deduplicated besides).
 */
export const CALLBACK_MAX_SKEW_MS = 5 * 60 * 1000;
