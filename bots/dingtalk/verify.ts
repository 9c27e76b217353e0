// Pure checks of DingTalk's request signatures: the robot's HTTP-mode `sign` header and the
// HTTP event subscription's SHA-1 signature. Inputs only (secret, headers/query, body, now).
import { timingSafeEqual } from '../common/bytes';
import { callbackSignature } from '../common/callback-crypto';
import { CALLBACK_MAX_SKEW_MS, checkMillisTimestamp, type VerifyResult } from '../common/verify';
import { hmacSha256Base64 } from './crypto';

/**
 * DingTalk's window for the robot's `timestamp` header: "timestamp 与系统当前时间戳如果相差1小时以上，
 * 则认为是非法的请求" (https://open.dingtalk.com/document/orgapp/receive-message). The sign
 * covers only the timestamp, so inside this window each (timestamp, sign) is accepted once
 * (WebhookContext.firstUse in the adapter).
 */
export const MAX_ROBOT_SKEW_MS = 60 * 60 * 1000;

// https://open.dingtalk.com/document/orgapp/receive-message
/** base64(HMAC-SHA256(key = appSecret, timestamp + "\n" + appSecret)) */
export function robotSign(appSecret: string, timestamp: string): Promise<string> {
  return hmacSha256Base64(appSecret, `${timestamp}\n${appSecret}`);
}

export async function verifyRobotRequest(input: {
  appSecret: string;
  timestamp: string | null;
  sign: string | null;
  now: Date;
  maxSkewMs?: number;
}): Promise<VerifyResult> {
  const { timestamp, sign } = input;
  if (!timestamp || !sign) return { ok: false, reason: 'missing timestamp or sign header' };
  if (!/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: 'malformed timestamp' };
  if (Math.abs(input.now.getTime() - Number(timestamp)) > (input.maxSkewMs ?? MAX_ROBOT_SKEW_MS)) {
    return { ok: false, reason: 'timestamp more than 1 hour off' };
  }
  const expected = await robotSign(input.appSecret, timestamp);
  return timingSafeEqual(expected, sign) ? { ok: true } : { ok: false, reason: 'sign mismatch' };
}

// https://open.dingtalk.com/document/orgapp/configure-event-subcription
/** sha1(sorted([token, timestamp, nonce, encrypt]).join("")), lowercase hex: WeCom's msg_signature. */
export const eventSignature = callbackSignature;

/** How far an event-subscription timestamp (milliseconds) may be from our clock (why: CALLBACK_MAX_SKEW_MS). */
export const MAX_EVENT_SKEW_MS = CALLBACK_MAX_SKEW_MS;

export async function verifyEventSignature(input: {
  token: string;
  signature: string | null;
  timestamp: string | null;
  nonce: string | null;
  encrypt: string;
  now: Date;
  maxSkewMs?: number;
}): Promise<VerifyResult> {
  const { signature, timestamp, nonce } = input;
  if (!signature || !timestamp || !nonce) return { ok: false, reason: 'missing signature, timestamp or nonce' };
  const fresh = checkMillisTimestamp(timestamp, input.now, input.maxSkewMs ?? MAX_EVENT_SKEW_MS);
  if (!fresh.ok) return fresh;
  const expected = await eventSignature(input.token, timestamp, nonce, input.encrypt);
  return timingSafeEqual(expected, signature.toLowerCase())
    ? { ok: true }
    : { ok: false, reason: 'signature mismatch' };
}
