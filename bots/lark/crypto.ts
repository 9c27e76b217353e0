// Lark event encryption, with WebCrypto only so it runs on Node and Workers.
// https://open.feishu.cn/document/server-docs/event-subscription-guide/event-subscription-configure-/encrypt-key-encryption-configuration-case
// key = sha256(utf8(encryptKey)); payload = base64(iv16 ‖ AES-256-CBC/PKCS#7 ciphertext).
import { base64ToBytes, bytesToBase64, concatBytes, fromUtf8, sha256, utf8 } from '../common/bytes';

// Deriving and importing the key costs about as much as the decryption itself: keep one per
// (Encrypt Key, usage). An app has one Encrypt Key, so this stays tiny.
const keys = new Map<string, Promise<CryptoKey>>();

function aesKey(encryptKey: string, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  const id = `${usage}:${encryptKey}`;
  let key = keys.get(id);
  if (!key) {
    key = sha256(encryptKey).then((raw) => crypto.subtle.importKey('raw', raw, { name: 'AES-CBC' }, false, [usage]));
    if (keys.size > 16) keys.clear();
    keys.set(id, key);
  }
  return key;
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
  return fromUtf8(new Uint8Array(plain));
}

/** What Lark does before pushing: used by the emulator and tests. */
export async function encryptLarkPayload(
  encryptKey: string,
  plaintext: string,
  iv?: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const vector = iv ?? crypto.getRandomValues(new Uint8Array(16));
  const cipher = await crypto.subtle.encrypt(
    { name: 'AES-CBC', iv: vector },
    await aesKey(encryptKey, 'encrypt'),
    utf8(plaintext),
  );
  return bytesToBase64(concatBytes(vector, new Uint8Array(cipher)));
}
