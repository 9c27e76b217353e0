// DingTalk crypto primitives, WebCrypto only (Node and Workers).
// - robot HTTP-mode signature: base64(HMAC-SHA256(appSecret, timestamp + "\n" + appSecret))
// - HTTP event subscription: the WeCom layout. key = base64(aesKey + "="), IV = key[0..16],
//   AES-256-CBC with PKCS#7 padding to a 32-byte block,
//   plaintext = random16 ‖ uint32BE(len) ‖ msg ‖ ownerKey (the app key).
// https://open.dingtalk.com/document/orgapp/configure-event-subcription
// https://github.com/open-dingtalk/DingTalk-Callback-Crypto

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Throws on anything that is not base64. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) { out.set(p, offset); offset += p.length; }
  return out;
}

/** Compares two strings without an early exit on the first differing character. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = utf8(a);
  const y = utf8(b);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

export async function hmacSha256Base64(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey('raw', utf8(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return bytesToBase64(new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, utf8(message))));
}

export async function sha1Hex(text: string): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-1', utf8(text))));
}

export async function sha256Hex(text: string): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text))));
}

const BLOCK = 32; // the PKCS#7 block size these callbacks use (not AES's 16)

export class CallbackCryptoError extends Error {}

/** The 43-character EncodingAESKey → 32-byte AES key; IV is its first 16 bytes. */
export function callbackAesKey(encodingAesKey: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) throw new CallbackCryptoError('callback AES key must be 43 base64 characters');
  return base64ToBytes(`${encodingAesKey}=`);
}

async function importAes(key: Uint8Array<ArrayBuffer>, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', key, { name: 'AES-CBC' }, false, [usage]);
}

/**
 * Raw AES-CBC decryption (no padding removal). WebCrypto insists on PKCS#7 to 16 bytes,
 * so we append one block that decrypts to a full 16-byte pad: E(pad16 XOR lastCipherBlock).
 */
async function decryptCbcRaw(key: Uint8Array<ArrayBuffer>, iv: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const last = data.subarray(data.length - 16);
  const block = new Uint8Array(16);
  for (let i = 0; i < 16; i++) block[i] = 0x10 ^ last[i];
  const encKey = await importAes(key, 'encrypt');
  const extra = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, encKey, block)).subarray(0, 16);
  const decKey = await importAes(key, 'decrypt');
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv }, decKey, concatBytes(data, extra)));
}

/** Decrypts `encrypt` and returns the message and the owner key it was addressed to. */
export async function decryptCallback(encodingAesKey: string, encrypt: string): Promise<{ message: string; ownerKey: string }> {
  const key = callbackAesKey(encodingAesKey);
  let data: Uint8Array<ArrayBuffer>;
  try { data = base64ToBytes(encrypt); } catch { throw new CallbackCryptoError('encrypt is not base64'); }
  if (data.length === 0 || data.length % 16 !== 0) throw new CallbackCryptoError('ciphertext length is not a multiple of the AES block');
  const plain = await decryptCbcRaw(key, key.slice(0, 16), data);
  const pad = plain[plain.length - 1];
  if (pad < 1 || pad > BLOCK || pad > plain.length) throw new CallbackCryptoError('bad padding');
  for (let i = plain.length - pad; i < plain.length; i++) if (plain[i] !== pad) throw new CallbackCryptoError('bad padding');
  const body = plain.subarray(0, plain.length - pad);
  if (body.length < 20) throw new CallbackCryptoError('plaintext too short');
  const length = new DataView(body.buffer, body.byteOffset + 16, 4).getUint32(0);
  if (20 + length > body.length) throw new CallbackCryptoError('message length out of range');
  try {
    return { message: fromUtf8(body.subarray(20, 20 + length)), ownerKey: fromUtf8(body.subarray(20 + length)) };
  } catch {
    throw new CallbackCryptoError('plaintext is not UTF-8');
  }
}

/** The inverse of decryptCallback: base64(AES-CBC(random16 ‖ len ‖ msg ‖ ownerKey, PKCS#7/32)). */
export async function encryptCallback(encodingAesKey: string, message: string, ownerKey: string, random16?: Uint8Array): Promise<string> {
  const key = callbackAesKey(encodingAesKey);
  const msg = utf8(message);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, msg.length);
  const random = random16 ?? crypto.getRandomValues(new Uint8Array(16));
  const body = concatBytes(random, len, msg, utf8(ownerKey));
  const pad = BLOCK - (body.length % BLOCK);
  const padded = concatBytes(body, new Uint8Array(pad).fill(pad));
  const encKey = await importAes(key, 'encrypt');
  // The input is a multiple of 16, so WebCrypto's own PKCS#7 adds exactly one block: drop it.
  const cipher = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: key.slice(0, 16) }, encKey, padded));
  return bytesToBase64(cipher.subarray(0, padded.length));
}

export function randomNonce(length = 8): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
