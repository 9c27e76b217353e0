import { createCipheriv } from 'node:crypto';
import { decrypt as sdkDecrypt, encrypt as sdkEncrypt, getSignature } from '@wecom/crypto';
import { describe, expect, it } from 'vitest';
import { decryptWecom, encryptWecom, pkcs7Unpad, WecomCryptoError } from './crypto';
import { wecomSignature } from './verify';

// Official vectors: https://developer.work.weixin.qq.com/document/path/90968 (and /work/shared/platforms.md).
const TOKEN = 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo';
const AES_KEY = '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt';
const CORP = 'ww1436e0e65a779aee';
const ECHOSTR = 'fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==';
const MSG_ENCRYPT =
  'Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+';
const MSG_XML =
  '<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>';

/** Encrypts raw plaintext bytes with no padding added, to forge malformed payloads. */
function rawEncrypt(plain: Buffer): string {
  const key = Buffer.from(`${AES_KEY}=`, 'base64');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function layout(message: string, id: string): Buffer {
  const msg = Buffer.from(message);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length);
  return Buffer.concat([Buffer.alloc(16, 7), len, msg, Buffer.from(id)]);
}

describe('WeCom crypto: official vectors', () => {
  it('VerifyURL: signature and echostr', async () => {
    expect(await wecomSignature(TOKEN, '1476416373', '47744683', ECHOSTR)).toBe(
      '012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb',
    );
    expect(await decryptWecom(AES_KEY, ECHOSTR, CORP)).toEqual({ message: '1288432023552776189', receiveId: CORP });
  });

  it('DecryptMsg: signature and the XML with 你好', async () => {
    expect(await wecomSignature(TOKEN, '1476422779', '1597212914', MSG_ENCRYPT)).toBe(
      '0c3914025cb4b4d68103f6bfc8db550f79dcf48e',
    );
    expect((await decryptWecom(AES_KEY, MSG_ENCRYPT, CORP)).message).toBe(MSG_XML);
  });
});

describe('WeCom crypto: cross-check with @wecom/crypto', () => {
  const samples = ['', 'a', '你好', 'x'.repeat(11), 'y'.repeat(12), 'z'.repeat(44), '😀'.repeat(100), MSG_XML];

  it('our ciphertext decrypts with @wecom/crypto, and theirs with ours', async () => {
    for (const message of samples) {
      const ours = await encryptWecom(AES_KEY, message, CORP);
      expect(sdkDecrypt(AES_KEY, ours)).toMatchObject({ message, id: CORP });
      const theirs = sdkEncrypt(AES_KEY, message, CORP);
      expect(await decryptWecom(AES_KEY, theirs, CORP)).toEqual({ message, receiveId: CORP });
    }
  });

  it('produces byte-identical ciphertext for the same random prefix', async () => {
    const random = Buffer.alloc(16, 0x42);
    for (const message of samples) {
      expect(await encryptWecom(AES_KEY, message, CORP, new Uint8Array(random))).toBe(
        sdkEncrypt(AES_KEY, message, CORP, random),
      );
    }
  });

  it('agrees with getSignature', async () => {
    expect(await wecomSignature('t', '1', 'n', 'abc+/=')).toBe(getSignature('t', '1', 'n', 'abc+/='));
  });
});

describe('WeCom crypto: rejects what @wecom/crypto lets through', () => {
  it('rejects another corp id in the plaintext', async () => {
    const other = sdkEncrypt(AES_KEY, 'hello', 'ww_someone_else');
    expect(sdkDecrypt(AES_KEY, other).message).toBe('hello');
    await expect(decryptWecom(AES_KEY, other, CORP)).rejects.toThrow(/receiveid/);
  });

  it('rejects a bad pad byte and inconsistent padding', async () => {
    const body = layout('hello', CORP); // 16+4+5+18 = 43 bytes
    const padded = (n: number, fill: number[]) =>
      Buffer.concat([body, Buffer.from(fill)]).subarray(0, Math.ceil((body.length + n) / 16) * 16);
    const zeroPad = rawEncrypt(padded(21, Array(21).fill(0)));
    await expect(decryptWecom(AES_KEY, zeroPad, CORP)).rejects.toThrow(/padding/);
    const mixed = rawEncrypt(padded(21, [...Array(20).fill(3), 21]));
    await expect(decryptWecom(AES_KEY, mixed, CORP)).rejects.toThrow(/padding/);
    // 16-byte PKCS#7 (what a generic AES library would produce) is valid only if it happens to fit; a pad of 33+ never is.
    const tooLong = rawEncrypt(Buffer.concat([body, Buffer.alloc(5, 0x30)]));
    await expect(decryptWecom(AES_KEY, tooLong, CORP)).rejects.toThrow(WecomCryptoError);
  });

  it('rejects truncated ciphertext and partial blocks', async () => {
    const good = Buffer.from(sdkEncrypt(AES_KEY, 'hello world, a longer message', CORP), 'base64');
    await expect(decryptWecom(AES_KEY, good.subarray(0, good.length - 16).toString('base64'), CORP)).rejects.toThrow(
      WecomCryptoError,
    );
    await expect(decryptWecom(AES_KEY, good.subarray(0, good.length - 5).toString('base64'), CORP)).rejects.toThrow(
      /whole blocks/,
    );
    await expect(decryptWecom(AES_KEY, good.subarray(0, 16).toString('base64'), CORP)).rejects.toThrow(/truncated/);
    await expect(decryptWecom(AES_KEY, 'not base64!', CORP)).rejects.toThrow(/base64/);
  });

  it('rejects a length field that points past the plaintext', async () => {
    const plain = layout('hi', CORP);
    plain.writeUInt32BE(1000, 16);
    const n = 32 - (plain.length % 32);
    await expect(decryptWecom(AES_KEY, rawEncrypt(Buffer.concat([plain, Buffer.alloc(n, n)])), CORP)).rejects.toThrow(
      /length/,
    );
  });

  it('unpads 32-byte PKCS#7 exactly', () => {
    expect([...pkcs7Unpad(new Uint8Array([1, 2, ...Array(30).fill(30)]))]).toEqual([1, 2]);
    expect(() => pkcs7Unpad(new Uint8Array(32).fill(33))).toThrow(/padding/);
  });
});
