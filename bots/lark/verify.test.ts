import { describe, expect, it } from 'vitest';
import { larkSignature, verifyLarkSignature, verifyLarkToken } from './verify';

const body = '{"encrypt":"P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="}';
const headers = {
  timestamp: '1700000000',
  nonce: 'nonce123',
  signature: '669e3ed5328644f71370e3249f96af0fd17e5ed4d7b178c44f11f7997339e344',
};
const now = new Date(1700000000 * 1000 + 30_000);

describe('Lark signature', () => {
  it('matches the official vector over the raw body', async () => {
    expect(await larkSignature('1700000000', 'nonce123', 'test key', body)).toBe(headers.signature);
    expect(await larkSignature('1700000000', 'nonce123', 'test key', new TextEncoder().encode(body))).toBe(
      headers.signature,
    );
  });

  it('accepts a good signature', async () => {
    expect(await verifyLarkSignature({ encryptKey: 'test key', headers, rawBody: body, now })).toEqual({ ok: true });
  });

  it('rejects a bad signature, a tampered body, a wrong key and missing headers', async () => {
    const bad = { ...headers, signature: headers.signature.replace(/^6/, '7') };
    expect((await verifyLarkSignature({ encryptKey: 'test key', headers: bad, rawBody: body, now })).ok).toBe(false);
    // Re-serialised JSON (what the SDK hashes) differs from the raw bytes.
    const tampered = JSON.stringify(JSON.parse(body), null, 1);
    expect((await verifyLarkSignature({ encryptKey: 'test key', headers, rawBody: tampered, now })).ok).toBe(false);
    expect((await verifyLarkSignature({ encryptKey: 'other key', headers, rawBody: body, now })).ok).toBe(false);
    expect(
      await verifyLarkSignature({ encryptKey: 'test key', headers: { ...headers, nonce: null }, rawBody: body, now }),
    ).toEqual({ ok: false, reason: 'missing signature headers' });
  });

  it("accepts Lark's last re-push carrying the first push's timestamp, and nothing older than 7.5 h", async () => {
    // Re-pushes come 5 s, 5 min, 1 h and 6 h apart; a re-push may carry the original timestamp.
    const lastRetry = new Date(1700000000 * 1000 + (5 + 5 * 60 + 3600 + 6 * 3600) * 1000 + 4 * 3000);
    expect(await verifyLarkSignature({ encryptKey: 'test key', headers, rawBody: body, now: lastRetry })).toEqual({
      ok: true,
    });
    const late = new Date(1700000000 * 1000 + 7.5 * 3600_000 + 1000);
    const early = new Date(1700000000 * 1000 - 7.5 * 3600_000 - 1000);
    expect(await verifyLarkSignature({ encryptKey: 'test key', headers, rawBody: body, now: late })).toEqual({
      ok: false,
      reason: 'timestamp outside the allowed window',
    });
    expect((await verifyLarkSignature({ encryptKey: 'test key', headers, rawBody: body, now: early })).ok).toBe(false);
    expect(
      (
        await verifyLarkSignature({
          encryptKey: 'test key',
          headers: { ...headers, timestamp: '17e8' },
          rawBody: body,
          now,
        })
      ).ok,
    ).toBe(false);
  });
});

describe('Lark verification token', () => {
  it('checks the token when one is configured', () => {
    expect(verifyLarkToken('tok', 'tok')).toEqual({ ok: true });
    expect(verifyLarkToken('tok', 'tok2').ok).toBe(false);
    expect(verifyLarkToken('tok', undefined).ok).toBe(false);
    // No configured token fails closed (issue 21: Lark used to accept anything without one).
    expect(verifyLarkToken(undefined, 'anything').ok).toBe(false);
  });
});
