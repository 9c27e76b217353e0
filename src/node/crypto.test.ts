// Both CryptoProviders must give identical answers: the platforms' official vectors through
// each (docs in /work/shared/platforms.md, re-computed there with Node's crypto), random inputs
// compared between them, and the same refusals of bad input.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type CryptoProvider, useCryptoProvider, webCryptoProvider } from '../../bots/common/crypto-provider';
import { decryptLarkPayload, encryptLarkPayload } from '../../bots/lark/crypto';
import { larkSignature } from '../../bots/lark/verify';
import { decryptCallback, encryptCallback } from '../../bots/common/callback-crypto';
import { hmacSha256Base64 } from '../../bots/dingtalk/crypto';
import { jobMessageKey } from '../../jobs/outbox-rows';
import { nodeCryptoProvider } from './crypto';

afterEach(() => {
  useCryptoProvider(webCryptoProvider);
});

const providers: CryptoProvider[] = [webCryptoProvider, nodeCryptoProvider];

describe.each(providers)('CryptoProvider $name', (provider) => {
  it('gives a job message the same outbox key on every runtime (a re-run after a restart must not send twice)', async () => {
    useCryptoProvider(provider);
    // The first 22 bytes, in hex, of the SHA-256 of the NUL-separated job, org, period and recipient.
    const key = await jobMessageKey('weekly-digest', 'org_1', '2026-W49', 'lark:chat:oc_1|team:t1');
    expect(key).toBe(
      `j_${createHash('sha256').update('weekly-digest\u0000org_1\u00002026-W49\u0000lark:chat:oc_1|team:t1').digest('hex').slice(0, 44)}`,
    );
    expect(key).toHaveLength(46);
  });

  it('decrypts and signs the official Lark vectors', async () => {
    useCryptoProvider(provider);
    expect(await decryptLarkPayload('test key', 'P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=')).toBe('hello world');
    const text = JSON.stringify({ text: '更新 KR1 45％' });
    expect(await decryptLarkPayload('k', await encryptLarkPayload('k', text))).toBe(text);
    expect(
      await larkSignature(
        '1700000000',
        'nonce123',
        'test key',
        '{"encrypt":"P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="}',
      ),
    ).toBe('669e3ed5328644f71370e3249f96af0fd17e5ed4d7b178c44f11f7997339e344');
  });

  it('refuses a wrong key, a truncated payload and bad padding', async () => {
    useCryptoProvider(provider);
    const encrypted = await encryptLarkPayload('k1', 'hello world');
    await expect(decryptLarkPayload('k2', encrypted)).rejects.toThrow();
    await expect(decryptLarkPayload('test key', 'P37w+VZImNgPEO1RBhJ6Rg==')).rejects.toThrow();
    await expect(
      provider.aesCbc('decrypt', new Uint8Array(32), new Uint8Array(16), new Uint8Array(15), 'none'),
    ).rejects.toThrow();
  });

  it('computes the DingTalk robot signature vector', async () => {
    useCryptoProvider(provider);
    // platforms.md: secret `testsecret`, timestamp `1700000000000`.
    expect(await hmacSha256Base64('testsecret', '1700000000000\ntestsecret')).toBe(
      'd043yCasNZ+KC1N0lrVg+Aan0gEIKPvRfzRqMlUUwzk=',
    );
  });

  it('decrypts the official WeCom vector and round-trips the envelope with its 32-byte padding', async () => {
    useCryptoProvider(provider);
    const official = await decryptCallback(
      '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt',
      'fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==',
    );
    expect(official).toEqual({ message: '1288432023552776189', ownerKey: 'ww1436e0e65a779aee' });
    const key = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
    for (const message of ['', 'a', 'x'.repeat(15), 'x'.repeat(16), '企业微信'.repeat(40)]) {
      const encrypted = await encryptCallback(key, message, 'wx5823bf96d3bd56c7');
      expect(await decryptCallback(key, encrypted)).toEqual({ message, ownerKey: 'wx5823bf96d3bd56c7' });
    }
  });
});

describe('node:crypto and WebCrypto agree', () => {
  it('on random keys, IVs and inputs of every length', async () => {
    for (let n = 0; n < 80; n++) {
      const key = crypto.getRandomValues(new Uint8Array(32));
      const iv = crypto.getRandomValues(new Uint8Array(16));
      const data = crypto.getRandomValues(new Uint8Array(n));
      const whole = crypto.getRandomValues(new Uint8Array(16 * (n % 5)));
      const both = async (f: (p: CryptoProvider) => Promise<Uint8Array>) =>
        Promise.all(providers.map(f)).then(([a, b]) =>
          expect(Buffer.from(b).toString('hex')).toBe(Buffer.from(a).toString('hex')),
        );
      await both((p) => p.digest('SHA-256', data));
      await both((p) => p.digest('SHA-1', data));
      await both((p) => p.hmacSha256(key, data));
      await both((p) => p.aesCbc('encrypt', key, iv, data, 'pkcs7'));
      await both((p) => p.aesCbc('encrypt', key, iv, whole, 'none'));
      await both((p) => p.aesCbc('decrypt', key, iv, whole, 'none'));
      const sealed = await webCryptoProvider.aesCbc('encrypt', key, iv, data, 'pkcs7');
      await both((p) => p.aesCbc('decrypt', key, iv, sealed, 'pkcs7'));
    }
  });
});
