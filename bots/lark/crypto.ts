// Lark event encryption, with WebCrypto only so it runs on Node and Workers.
// https://open.feishu.cn/document/server-docs/event-subscription-guide/event-subscription-configure-/encrypt-key-encryption-configuration-case
// key = sha256(utf8(encryptKey)); payload = base64(iv16 ‖ AES-256-CBC/PKCS#7 ciphertext).

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
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

/** Throws on anything that is not strict base64. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) { out.set(p, offset); offset += p.length; }
  return out;
}

export async function sha256(data: Uint8Array<ArrayBuffer> | string): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = typeof data === 'string' ? utf8(data) : data;
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

export async function sha256Hex(data: Uint8Array<ArrayBuffer> | string): Promise<string> {
  return bytesToHex(await sha256(data));
}

async function aesKey(encryptKey: string, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', await sha256(encryptKey), { name: 'AES-CBC' }, false, [usage]);
}

/** Decrypts Lark's `encrypt` field. Throws on bad base64, short input or bad padding. */
export async function decryptLarkPayload(encryptKey: string, encrypted: string): Promise<string> {
  const bytes = base64ToBytes(encrypted);
  // At least the IV and one cipher block, and whole blocks only.
  if (bytes.length < 32 || bytes.length % 16 !== 0) throw new Error('encrypted payload has an invalid length');
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-CBC', iv: bytes.slice(0, 16) },
    await aesKey(encryptKey, 'decrypt'),
    bytes.slice(16),
  );
  return new TextDecoder('utf-8', { fatal: true }).decode(plain);
}

/** What Lark does before pushing: used by the emulator and tests. */
export async function encryptLarkPayload(encryptKey: string, plaintext: string, iv?: Uint8Array<ArrayBuffer>): Promise<string> {
  const vector = iv ?? crypto.getRandomValues(new Uint8Array(16));
  const cipher = await crypto.subtle.encrypt({ name: 'AES-CBC', iv: vector }, await aesKey(encryptKey, 'encrypt'), utf8(plaintext));
  return bytesToBase64(concatBytes(vector, new Uint8Array(cipher)));
}

/** Compares two secrets without leaking where they differ (length is not secret here). */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = utf8(a);
  const y = utf8(b);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i % (x.length || 1)] ?? 0) ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0;
}
