// Pure checks of WeCom's callback signature.
// https://developer.work.weixin.qq.com/document/path/90930 (回调配置: msg_signature)
import { timingSafeEqual } from '../common/bytes';
import { callbackSignature } from '../common/callback-crypto';
import { CALLBACK_MAX_SKEW_MS, checkSecondsTimestamp, type VerifyResult } from '../common/verify';

/** How far a callback timestamp may be from our clock: 5 minutes (why: CALLBACK_MAX_SKEW_MS). */
export const MAX_TIMESTAMP_SKEW_MS = CALLBACK_MAX_SKEW_MS;

export interface SignedQuery {
  msgSignature: string | null;
  timestamp: string | null;
  nonce: string | null;
}

/** sha1(sorted([token, timestamp, nonce, encrypt]).join("")), lowercase hex. */
export const wecomSignature = callbackSignature;

export async function verifyWecomSignature(input: {
  token: string;
  query: SignedQuery;
  encrypt: string;
  now: Date;
  maxSkewMs?: number;
}): Promise<VerifyResult> {
  const { msgSignature, timestamp, nonce } = input.query;
  if (!msgSignature || !timestamp || !nonce) return { ok: false, reason: 'missing msg_signature, timestamp or nonce' };
  const fresh = checkSecondsTimestamp(timestamp, input.now, input.maxSkewMs ?? MAX_TIMESTAMP_SKEW_MS);
  if (!fresh.ok) return fresh;
  const expected = await wecomSignature(input.token, timestamp, nonce, input.encrypt);
  return timingSafeEqual(expected, msgSignature.toLowerCase())
    ? { ok: true }
    : { ok: false, reason: 'msg_signature mismatch' };
}
