// Pure checks of Lark's request signature and Verification Token.
// https://open.feishu.cn/document/server-docs/event-subscription-guide/event-subscription-configure-/encrypt-key-encryption-configuration-case
import { concatBytes, sha256Hex, timingSafeEqual, utf8 } from '../common/bytes';
import { checkSecondsTimestamp, type VerifyResult } from '../common/verify';

/**
 * Lark re-pushes an event it could not deliver after 5 s, 5 min, 1 h and 6 h (at most 4
 * retries; 配置请求网址 / event subscription docs:
 * https://open.feishu.cn/document/server-docs/event-subscription-guide/event-subscription-configure-/request-url-configuration-case).
 * Whether a re-push carries a fresh X-Lark-Request-Timestamp is not documented, and the
 * official SDK (@larksuiteoapi/node-sdk EventDispatcher.checkIsEventValidated) applies no
 * time window at all. So the window must not reject the last retry if it carries the first
 * push's timestamp: 5 s + 5 min + 1 h + 6 h ≈ 7 h 5 min after the first push, plus four 3 s
 * answer timeouts and clock skew, rounded up to 7.5 h.
 *
 * Replays inside the window cannot do harm: the signature covers the body, so a captured
 * request can only replay its own event, and the core deduplicates on `event_id`
 * (`processed_events` rows are never pruned, so they outlive the window).
 */
export const MAX_TIMESTAMP_SKEW_MS = 7.5 * 60 * 60 * 1000;

export interface SignatureHeaders {
  timestamp: string | null;
  nonce: string | null;
  signature: string | null;
}

export function signatureHeaders(headers: Headers): SignatureHeaders {
  return {
    timestamp: headers.get('x-lark-request-timestamp'),
    nonce: headers.get('x-lark-request-nonce'),
    signature: headers.get('x-lark-signature'),
  };
}

/** hex(sha256(timestamp + nonce + encryptKey + rawBody)), over the raw body bytes. */
export async function larkSignature(
  timestamp: string,
  nonce: string,
  encryptKey: string,
  rawBody: Uint8Array | string,
): Promise<string> {
  const body = typeof rawBody === 'string' ? utf8(rawBody) : rawBody;
  return sha256Hex(concatBytes(utf8(timestamp + nonce + encryptKey), body));
}

export async function verifyLarkSignature(input: {
  encryptKey: string;
  headers: SignatureHeaders;
  rawBody: Uint8Array | string;
  now: Date;
  maxSkewMs?: number;
}): Promise<VerifyResult> {
  const { timestamp, nonce, signature } = input.headers;
  if (!timestamp || !nonce || !signature) return { ok: false, reason: 'missing signature headers' };
  const fresh = checkSecondsTimestamp(timestamp, input.now, input.maxSkewMs ?? MAX_TIMESTAMP_SKEW_MS);
  if (!fresh.ok) return fresh;
  const expected = await larkSignature(timestamp, nonce, input.encryptKey, input.rawBody);
  return timingSafeEqual(expected, signature.toLowerCase())
    ? { ok: true }
    : { ok: false, reason: 'signature mismatch' };
}

/** The Verification Token check. No configured token fails closed: nothing is accepted unauthenticated. */
export function verifyLarkToken(expected: string | undefined, received: unknown): VerifyResult {
  if (!expected) return { ok: false, reason: 'no Verification Token configured on this server' };
  if (typeof received !== 'string') return { ok: false, reason: 'missing verification token' };
  return timingSafeEqual(expected, received) ? { ok: true } : { ok: false, reason: 'verification token mismatch' };
}
