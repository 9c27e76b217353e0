import { describe, expect, it } from 'vitest';
import { verifyWecomSignature, wecomSignature } from './verify';

const query = async (over: Partial<{ msgSignature: string | null; timestamp: string; nonce: string }> = {}) => ({
  msgSignature: await wecomSignature('tok', '1700000000', 'n1', 'ENC'),
  timestamp: '1700000000',
  nonce: 'n1',
  ...over,
});
const now = new Date(1_700_000_000_000);

describe('verifyWecomSignature', () => {
  it('accepts a correct signature, in either case', async () => {
    expect(await verifyWecomSignature({ token: 'tok', query: await query(), encrypt: 'ENC', now })).toEqual({
      ok: true,
    });
    const q = await query();
    expect(
      (
        await verifyWecomSignature({
          token: 'tok',
          query: { ...q, msgSignature: q.msgSignature!.toUpperCase() },
          encrypt: 'ENC',
          now,
        })
      ).ok,
    ).toBe(true);
  });

  it('rejects a wrong token, payload, nonce or missing fields', async () => {
    expect((await verifyWecomSignature({ token: 'other', query: await query(), encrypt: 'ENC', now })).ok).toBe(false);
    expect((await verifyWecomSignature({ token: 'tok', query: await query(), encrypt: 'ENC2', now })).ok).toBe(false);
    expect(
      (await verifyWecomSignature({ token: 'tok', query: await query({ nonce: 'n2' }), encrypt: 'ENC', now })).ok,
    ).toBe(false);
    expect(
      await verifyWecomSignature({ token: 'tok', query: await query({ msgSignature: null }), encrypt: 'ENC', now }),
    ).toMatchObject({ ok: false, reason: /missing/ });
  });

  it('rejects timestamps outside the window', async () => {
    const late = new Date(now.getTime() + 2 * 3600_000);
    expect(await verifyWecomSignature({ token: 'tok', query: await query(), encrypt: 'ENC', now: late })).toMatchObject(
      { ok: false, reason: /window/ },
    );
    expect(
      await verifyWecomSignature({ token: 'tok', query: await query({ timestamp: '17e8' }), encrypt: 'ENC', now }),
    ).toMatchObject({ ok: false, reason: /malformed/ });
  });
});
