// WeCom callback encryption with WebCrypto only, so it runs on Node and Workers.
// https://developer.work.weixin.qq.com/document/path/90968 (加解密方案说明)
// AESKey = base64(EncodingAESKey + "="), IV = AESKey[0..16], AES-256-CBC;
// plaintext = random16 ‖ uint32BE(len) ‖ msg ‖ receiveid, PKCS#7-padded to a 32-byte block.
//
// WebCrypto's AES-CBC always applies PKCS#7 to 16-byte blocks, which does not
// match WeCom's 32-byte padding, so we run it as "CBC without padding":
// - encrypt: we pad to 32 bytes ourselves (always a multiple of 16), WebCrypto
//   appends one extra all-0x10 block, and we drop those last 16 bytes. CBC output
//   for the earlier blocks does not depend on what follows, so the rest is exact.
// - decrypt: we append a forged block F = E_K(0x10×16 ⊕ C_last) (computed as the
//   first block of a WebCrypto CBC encryption of 0x10×16 with IV = C_last). The
//   forged block then decrypts to exactly 0x10×16, which WebCrypto strips as
//   valid padding, leaving the raw plaintext for us to unpad with WeCom's rules.

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export const BLOCK = 16;
/** WeCom pads to 32 bytes, not the AES block size. */
export const PAD_BLOCK = 32;

export class WecomCryptoError extends Error {}

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Strict base64 (standard alphabet, padded); throws on anything else. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) throw new WecomCryptoError('not base64');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) { out.set(p, offset); offset += p.length; }
  return out;
}

export async function sha1Hex(text: string): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-1', utf8(text))));
}

/** Compares two strings without an early exit on the first difference. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = utf8(a);
  const y = utf8(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

interface AesMaterial { key: CryptoKey; iv: Uint8Array<ArrayBuffer> }

const materialCache = new Map<string, Promise<AesMaterial>>();

/** The AES key and IV an EncodingAESKey (43 base64 characters) stands for. */
export function aesMaterial(encodingAesKey: string): Promise<AesMaterial> {
  let material = materialCache.get(encodingAesKey);
  if (!material) {
    material = (async () => {
      if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) throw new WecomCryptoError('EncodingAESKey must be 43 base64 characters');
      const raw = base64ToBytes(`${encodingAesKey}=`);
      const key = await crypto.subtle.importKey('raw', raw, { name: 'AES-CBC' }, false, ['encrypt', 'decrypt']);
      return { key, iv: raw.slice(0, BLOCK) };
    })();
    material.catch(() => materialCache.delete(encodingAesKey));
    materialCache.set(encodingAesKey, material);
  }
  return material;
}

/** AES-256-CBC over input whose length is a multiple of 16, with no padding added. */
async function cbcEncryptNoPadding(m: AesMaterial, iv: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv }, m.key, data));
  return out.slice(0, data.length);
}

/** AES-256-CBC decryption of whole blocks, returning the raw (still padded) plaintext. */
async function cbcDecryptNoPadding(m: AesMaterial, ciphertext: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const last = ciphertext.slice(ciphertext.length - BLOCK);
  const fullPadBlock = new Uint8Array(BLOCK).fill(BLOCK);
  const forged = (await cbcEncryptNoPadding(m, last, fullPadBlock)).slice(0, BLOCK);
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv: m.iv }, m.key, concat(ciphertext, forged)));
}

export function pkcs7Pad(data: Uint8Array, block = PAD_BLOCK): Uint8Array<ArrayBuffer> {
  const n = block - (data.length % block);
  return concat(data, new Uint8Array(n).fill(n));
}

/** Removes WeCom's PKCS#7 padding (1..32 bytes, all equal); throws when it is malformed. */
export function pkcs7Unpad(data: Uint8Array<ArrayBuffer>, block = PAD_BLOCK): Uint8Array<ArrayBuffer> {
  const n = data[data.length - 1] ?? 0;
  if (n < 1 || n > block || n > data.length) throw new WecomCryptoError('bad padding');
  let bad = 0;
  for (let i = data.length - n; i < data.length; i++) bad |= data[i] ^ n;
  if (bad !== 0) throw new WecomCryptoError('bad padding');
  return data.slice(0, data.length - n);
}

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** base64(AES-256-CBC(random16 ‖ uint32BE(len) ‖ msg ‖ receiveId, PKCS#7/32)). */
export async function encryptWecom(encodingAesKey: string, message: string, receiveId: string, random: Uint8Array = randomBytes(BLOCK)): Promise<string> {
  if (random.length !== BLOCK) throw new WecomCryptoError('random prefix must be 16 bytes');
  const m = await aesMaterial(encodingAesKey);
  const msg = utf8(message);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, msg.length, false);
  const plain = pkcs7Pad(concat(random, length, msg, utf8(receiveId)));
  return bytesToBase64(await cbcEncryptNoPadding(m, m.iv, plain));
}

export interface Decrypted { message: string; receiveId: string }

/**
 * Decrypts and checks everything @wecom/crypto does not: whole 16-byte blocks,
 * a valid 32-byte PKCS#7 pad, a length field inside the plaintext, UTF-8, and
 * (when `expectedReceiveId` is given) the receiveid, which must be our corpid.
 */
export async function decryptWecom(encodingAesKey: string, encrypted: string, expectedReceiveId?: string): Promise<Decrypted> {
  const m = await aesMaterial(encodingAesKey);
  const ciphertext = base64ToBytes(encrypted);
  if (ciphertext.length < PAD_BLOCK || ciphertext.length % BLOCK !== 0) throw new WecomCryptoError('ciphertext is truncated or not whole blocks');
  let plain: Uint8Array<ArrayBuffer>;
  try {
    plain = pkcs7Unpad(await cbcDecryptNoPadding(m, ciphertext));
  } catch (error) {
    throw error instanceof WecomCryptoError ? error : new WecomCryptoError('decryption failed');
  }
  if (plain.length < BLOCK + 4) throw new WecomCryptoError('plaintext too short');
  const length = new DataView(plain.buffer, plain.byteOffset + BLOCK, 4).getUint32(0, false);
  if (length > plain.length - BLOCK - 4) throw new WecomCryptoError('length field exceeds the plaintext');
  let message: string;
  let receiveId: string;
  try {
    message = strictDecoder.decode(plain.subarray(BLOCK + 4, BLOCK + 4 + length));
    receiveId = strictDecoder.decode(plain.subarray(BLOCK + 4 + length));
  } catch {
    throw new WecomCryptoError('plaintext is not UTF-8');
  }
  if (expectedReceiveId !== undefined && !timingSafeEqual(receiveId, expectedReceiveId)) throw new WecomCryptoError('receiveid does not match the corp id');
  return { message, receiveId };
}
