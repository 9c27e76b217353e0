// Outbound webhooks: the events an org can subscribe to and how a delivery is signed
// (docs/webhooks.md). Pure and runtime-free: WebCrypto is on Node and Workers alike, and a
// subscriber written in TypeScript can verify with `verifyWebhookSignature` as it is.

export const WEBHOOK_EVENTS = [
  'checkin.created',
  'adjustment.decided',
  'rule.fired',
  'escalation.claimed',
  'cycle.closed',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const isWebhookEvent = (value: string): value is WebhookEvent =>
  (WEBHOOK_EVENTS as readonly string[]).includes(value);

/** Headers of every delivery. */
export const WEBHOOK_HEADERS = {
  /** Unix seconds at the attempt; part of the signed text, so a replayed old body is refused. */
  timestamp: 'X-Polaris-Timestamp',
  /** `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>` */
  signature: 'X-Polaris-Signature',
  event: 'X-Polaris-Event',
  /** The same on every attempt of one delivery: receivers deduplicate on it. */
  delivery: 'X-Polaris-Delivery',
} as const;

/** A receiver should refuse timestamps further than this from its own clock. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(text)));
  let hex = '';
  for (const b of mac) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** The X-Polaris-Signature value for `body` sent at `timestamp` (unix seconds). */
export async function signWebhook(secret: string, timestamp: number, body: string): Promise<string> {
  return `sha256=${await hmacHex(secret, `${timestamp}.${body}`)}`;
}

/**
 * What a subscriber does with a delivery: recompute the signature over the raw body and
 * compare in constant time, and refuse a timestamp outside the tolerance.
 */
export async function verifyWebhookSignature(input: {
  secret: string;
  timestamp: string | null;
  signature: string | null;
  body: string;
  nowSeconds: number;
  toleranceSeconds?: number;
}): Promise<boolean> {
  const ts = Number(input.timestamp);
  if (!input.timestamp || !/^\d{1,12}$/.test(input.timestamp) || !input.signature) return false;
  if (Math.abs(input.nowSeconds - ts) > (input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) return false;
  const expected = await signWebhook(input.secret, ts, input.body);
  if (expected.length !== input.signature.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ input.signature.charCodeAt(i);
  return diff === 0;
}
