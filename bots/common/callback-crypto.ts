// The encrypted-callback envelope WeCom defined and DingTalk's HTTP event subscription reuses
// ("same signature and AES layout"), through the runtime's CryptoProvider (Node and Workers).
// https://developer.work.weixin.qq.com/document/path/90968 (加解密方案说明)
// https://open.dingtalk.com/document/orgapp/configure-event-subcription
// AESKey = base64(EncodingAESKey + "="), IV = AESKey[0..16], AES-256-CBC;
// plaintext = random16 ‖ uint32BE(len) ‖ msg ‖ ownerKey, PKCS#7-padded to a 32-byte block.
// The owner key is WeCom's receiveid (the corp id) or DingTalk's appKey/corpId/suiteKey.
//
// The 32-byte padding is not AES's 16-byte PKCS#7, so the cipher runs as "CBC without
// padding" (CryptoProvider padding 'none'; on WebCrypto, which always pads, through a
// forged last block, see crypto-provider.ts) and we pad and unpad with the 32-byte rules.
import {
  base64ToBytes,
  bytesToBase64,
  concatBytes,
  fromUtf8,
  isStrictBase64,
  randomBytes,
  sha1Hex,
  utf8,
} from './bytes';
import { cryptoProvider } from './crypto-provider';
import { ErrorCode, PolarisError } from '../../core/errors';

const BLOCK = 16;
/** The envelope pads to 32 bytes, not the AES block size. */
const PAD_BLOCK = 32;

/**
 * A callback that cannot be decrypted. With a well-formed request this means the AES key we
 * hold is not the one the platform encrypts with; the adapters say which setting to compare.
 */
export class CallbackCryptoError extends PolarisError {
  override readonly name = 'CallbackCryptoError';
  constructor(message: string) {
    super(ErrorCode.DecryptFailed, message);
  }
}

/** sha1(sorted([token, timestamp, nonce, encrypt]).join("")), lowercase hex: the callback's msg_signature. */
export function callbackSignature(token: string, timestamp: string, nonce: string, encrypt: string): Promise<string> {
  return sha1Hex([token, timestamp, nonce, encrypt].sort().join(''));
}

interface AesMaterial {
  key: Uint8Array<ArrayBuffer>;
  iv: Uint8Array<ArrayBuffer>;
}

const materialCache = new Map<string, AesMaterial>();

/** The AES key and IV an EncodingAESKey (43 base64 characters) stands for. */
async function aesMaterial(encodingAesKey: string): Promise<AesMaterial> {
  let material = materialCache.get(encodingAesKey);
  if (!material) {
    if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey))
      throw new CallbackCryptoError('EncodingAESKey must be 43 base64 characters');
    const raw = base64ToBytes(`${encodingAesKey}=`);
    material = { key: raw, iv: raw.slice(0, BLOCK) };
    if (materialCache.size > 16) materialCache.clear();
    materialCache.set(encodingAesKey, material);
  }
  return material;
}

/** AES-256-CBC over input whose length is a multiple of 16, with no padding added. */
function cbcEncryptNoPadding(
  m: AesMaterial,
  iv: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  return cryptoProvider().aesCbc('encrypt', m.key, iv, data, 'none');
}

/** AES-256-CBC decryption of whole blocks, returning the raw (still padded) plaintext. */
function cbcDecryptNoPadding(m: AesMaterial, ciphertext: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return cryptoProvider().aesCbc('decrypt', m.key, m.iv, ciphertext, 'none');
}

export function pkcs7Pad(data: Uint8Array, block = PAD_BLOCK): Uint8Array<ArrayBuffer> {
  const n = block - (data.length % block);
  return concatBytes(data, new Uint8Array(n).fill(n));
}

/** Removes PKCS#7 padding (1..32 bytes, all equal); throws when it is malformed. */
export function pkcs7Unpad(data: Uint8Array<ArrayBuffer>, block = PAD_BLOCK): Uint8Array<ArrayBuffer> {
  const n = data[data.length - 1] ?? 0;
  if (n < 1 || n > block || n > data.length) throw new CallbackCryptoError('bad padding');
  let bad = 0;
  for (let i = data.length - n; i < data.length; i++) bad |= data[i] ^ n;
  if (bad !== 0) throw new CallbackCryptoError('bad padding');
  return data.slice(0, data.length - n);
}

/** base64(AES-256-CBC(random16 ‖ uint32BE(len) ‖ msg ‖ ownerKey, PKCS#7/32)). */
export async function encryptCallback(
  encodingAesKey: string,
  message: string,
  ownerKey: string,
  random: Uint8Array = randomBytes(BLOCK),
): Promise<string> {
  if (random.length !== BLOCK) throw new CallbackCryptoError('random prefix must be 16 bytes');
  const m = await aesMaterial(encodingAesKey);
  const msg = utf8(message);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, msg.length, false);
  const plain = pkcs7Pad(concatBytes(random, length, msg, utf8(ownerKey)));
  return bytesToBase64(await cbcEncryptNoPadding(m, m.iv, plain));
}

/**
 * Decrypts `encrypt` and returns the message and the owner key it was addressed to; the caller
 * compares the owner key with its own. Checks what @wecom/crypto does not: strict base64, whole
 * 16-byte blocks, a valid 32-byte PKCS#7 pad, a length field inside the plaintext, and UTF-8.
 */
export async function decryptCallback(
  encodingAesKey: string,
  encrypted: string,
): Promise<{ message: string; ownerKey: string }> {
  const m = await aesMaterial(encodingAesKey);
  if (!isStrictBase64(encrypted)) throw new CallbackCryptoError('not base64');
  const ciphertext = base64ToBytes(encrypted);
  if (ciphertext.length < PAD_BLOCK || ciphertext.length % BLOCK !== 0)
    throw new CallbackCryptoError('ciphertext is truncated or not whole blocks');
  let plain: Uint8Array<ArrayBuffer>;
  try {
    plain = pkcs7Unpad(await cbcDecryptNoPadding(m, ciphertext));
  } catch (error) {
    throw error instanceof CallbackCryptoError ? error : new CallbackCryptoError('decryption failed');
  }
  if (plain.length < BLOCK + 4) throw new CallbackCryptoError('plaintext too short');
  const length = new DataView(plain.buffer, plain.byteOffset + BLOCK, 4).getUint32(0, false);
  if (length > plain.length - BLOCK - 4) throw new CallbackCryptoError('length field exceeds the plaintext');
  try {
    return {
      message: fromUtf8(plain.subarray(BLOCK + 4, BLOCK + 4 + length)),
      ownerKey: fromUtf8(plain.subarray(BLOCK + 4 + length)),
    };
  } catch {
    throw new CallbackCryptoError('plaintext is not UTF-8');
  }
}
