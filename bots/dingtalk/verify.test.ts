import { describe, expect, it } from 'vitest';
import { decryptCallback, encryptCallback } from '../common/callback-crypto';
import { eventSignature, robotSign, verifyEventSignature, verifyRobotRequest } from './verify';

// Vectors from /work/shared/platforms.md (official DingTalk samples, re-computed).
const EVENT = {
  token: 'mryue',
  aesKey: 'Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7',
  ownerKey: 'ding6ccabc44d2c8d38b',
  signature: '03044561471240d4a14bb09372dfcfd4fd0e40cb',
  timestamp: '1608001896814',
  nonce: 'WL4PK6yA',
  encrypt:
    '0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3',
};

describe('robot HTTP-mode sign', () => {
  it('matches the official vector', async () => {
    expect(await robotSign('testsecret', '1700000000000')).toBe('d043yCasNZ+KC1N0lrVg+Aan0gEIKPvRfzRqMlUUwzk=');
  });

  it('accepts a fresh signature and rejects a wrong or stale one', async () => {
    const now = new Date(1700000000000 + 30 * 60 * 1000);
    const sign = 'd043yCasNZ+KC1N0lrVg+Aan0gEIKPvRfzRqMlUUwzk=';
    expect(await verifyRobotRequest({ appSecret: 'testsecret', timestamp: '1700000000000', sign, now })).toEqual({
      ok: true,
    });
    expect((await verifyRobotRequest({ appSecret: 'othersecret', timestamp: '1700000000000', sign, now })).ok).toBe(
      false,
    );
    const late = new Date(1700000000000 + 61 * 60 * 1000);
    expect(await verifyRobotRequest({ appSecret: 'testsecret', timestamp: '1700000000000', sign, now: late })).toEqual({
      ok: false,
      reason: 'timestamp more than 1 hour off',
    });
    expect((await verifyRobotRequest({ appSecret: 'testsecret', timestamp: null, sign, now })).ok).toBe(false);
    expect((await verifyRobotRequest({ appSecret: 'testsecret', timestamp: '17e11', sign, now })).ok).toBe(false);
  });
});

describe('HTTP event subscription crypto', () => {
  it('computes the official signature and decrypts to check_url with the owner key', async () => {
    expect(await eventSignature(EVENT.token, EVENT.timestamp, EVENT.nonce, EVENT.encrypt)).toBe(EVENT.signature);
    expect(
      await verifyEventSignature({
        token: EVENT.token,
        signature: EVENT.signature,
        timestamp: EVENT.timestamp,
        nonce: EVENT.nonce,
        encrypt: EVENT.encrypt,
        now: new Date(Number(EVENT.timestamp)),
      }),
    ).toEqual({ ok: true });
    expect(
      (
        await verifyEventSignature({
          token: EVENT.token,
          signature: EVENT.signature,
          timestamp: EVENT.timestamp,
          nonce: 'other',
          encrypt: EVENT.encrypt,
          now: new Date(Number(EVENT.timestamp)),
        })
      ).ok,
    ).toBe(false);
    expect(await decryptCallback(EVENT.aesKey, EVENT.encrypt)).toEqual({
      message: '{"EventType":"check_url"}',
      ownerKey: EVENT.ownerKey,
    });
  });

  it('round-trips through encryptCallback, pads to 32 bytes and rejects tampering', async () => {
    const encrypt = await encryptCallback(
      EVENT.aesKey,
      '{"EventType":"check_url"}',
      EVENT.ownerKey,
      new Uint8Array(16),
    );
    expect(atob(encrypt).length % 32).toBe(0);
    expect(await decryptCallback(EVENT.aesKey, encrypt)).toEqual({
      message: '{"EventType":"check_url"}',
      ownerKey: EVENT.ownerKey,
    });
    const bytes = Uint8Array.from(atob(encrypt), (ch) => ch.charCodeAt(0));
    bytes[bytes.length - 1] ^= 0xff;
    await expect(decryptCallback(EVENT.aesKey, btoa(String.fromCharCode(...bytes)))).rejects.toThrow();
    await expect(decryptCallback(EVENT.aesKey, 'not base64!')).rejects.toThrow();
  });
});
