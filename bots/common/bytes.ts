// Byte helpers the platform adapters share: text and base64/hex encodings, hashing and a
// constant-time compare. Web standards only (TextEncoder, atob/btoa), so they run on Node and
// Workers alike; digests go through the runtime's CryptoProvider (crypto-provider.ts).
import { cryptoProvider } from './crypto-provider';

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/**
 * How many bytes `utf8(text)` has, without encoding it: a size check on a rendered card encoded
 * the whole card only to count it. A lone surrogate counts 3, as TextEncoder writes U+FFFD for it.
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a pair: 4 bytes for 2 code units
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** Decodes UTF-8; throws on invalid sequences instead of inventing U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string {
  return strictDecoder.decode(bytes);
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  // In chunks: spreading a large array into fromCharCode would overflow the call stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Standard alphabet with its `=` padding, nothing else (no whitespace, no missing padding). */
export function isStrictBase64(text: string): boolean {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text);
}

/** Decodes as `atob` does (forgiving about whitespace and padding); throws on anything else. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}

export async function sha256(data: Uint8Array<ArrayBuffer> | string): Promise<Uint8Array<ArrayBuffer>> {
  return cryptoProvider().digest('SHA-256', typeof data === 'string' ? utf8(data) : data);
}

export async function sha256Hex(data: Uint8Array<ArrayBuffer> | string): Promise<string> {
  return bytesToHex(await sha256(data));
}

export async function sha1Hex(text: string): Promise<string> {
  return bytesToHex(await cryptoProvider().digest('SHA-1', utf8(text)));
}

/** Compares two secrets without an early exit on the first difference (their length is not secret). */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = utf8(a);
  const y = utf8(b);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * A request's or response's body as text when it holds at most `max` bytes, by its declared
 * Content-Length and while streaming (a stream that runs over is cancelled at once); undefined
 * when it is larger. Nothing beyond `max` bytes is ever buffered.
 */
export async function readTextWithin(message: Request | Response, max: number): Promise<string | undefined> {
  const declared = Number(message.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > max) return undefined;
  if (!message.body) return '';
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(all);
}
