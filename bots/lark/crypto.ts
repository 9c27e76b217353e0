// Lark event encryption through the runtime's CryptoProvider (WebCrypto on Workers, node:crypto on Node).
// https://open.feishu.cn/document/server-docs/event-subscription-guide/event-subscription-configure-/encrypt-key-encryption-configuration-case
// key = sha256(utf8(encryptKey)); payload = base64(iv16 ‖ AES-256-CBC/PKCS#7 ciphertext).
import { base64ToBytes, bytesToBase64, concatBytes, fromUtf8, sha256, utf8 } from '../common/bytes';
import { cryptoProvider } from '../common/crypto-provider';

// Deriving the key is a digest per push otherwise: keep one per Encrypt Key. An app has one
// Encrypt Key, so this stays tiny.
const keys = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

function aesKey(encryptKey: string): Promise<Uint8Array<ArrayBuffer>> {
  let key = keys.get(encryptKey);
  if (!key) {
    key = sha256(encryptKey);
    if (keys.size > 16) keys.clear();
    keys.set(encryptKey, key);
  }
  return key;
}

/** Decrypts Lark's `encrypt` field. Throws on bad base64, short input or bad padding. */
export async function decryptLarkPayload(encryptKey: string, encrypted: string): Promise<string> {
  const bytes = base64ToBytes(encrypted);
  // At least the IV and one cipher block, and whole blocks only.
  if (bytes.length < 32 || bytes.length % 16 !== 0) throw new Error('encrypted payload has an invalid length');
  const plain = await cryptoProvider().aesCbc(
    'decrypt',
    await aesKey(encryptKey),
    bytes.slice(0, 16),
    bytes.slice(16),
    'pkcs7',
  );
  return fromUtf8(plain);
}

/** What Lark does before pushing: used by the emulator and tests. */
export async function encryptLarkPayload(
  encryptKey: string,
  plaintext: string,
  iv?: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const vector = iv ?? crypto.getRandomValues(new Uint8Array(16));
  const cipher = await cryptoProvider().aesCbc('encrypt', await aesKey(encryptKey), vector, utf8(plaintext), 'pkcs7');
  return bytesToBase64(concatBytes(vector, cipher));
}
