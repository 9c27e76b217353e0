// The few cryptographic primitives the adapters need, behind one interface so each runtime
// uses its fastest implementation: WebCrypto (the default, and the only one on Workers) and
// node:crypto, which src/node.ts installs at start (src/node/crypto.ts). On Node, WebCrypto
// costs several times the CPU of node:crypto per call (a promise and a thread-pool hop per
// digest, a key import per new key); on the webhook path that is a signature digest and an
// AES decryption per push. Both implementations must give identical results
// (src/node/crypto.test.ts runs the platforms' official vectors through each).

export type Digest = 'SHA-1' | 'SHA-256';
/** 'pkcs7': PKCS#7 to the 16-byte AES block is added and checked; 'none': whole blocks in and out. */
export type Padding = 'pkcs7' | 'none';

export interface CryptoProvider {
  readonly name: string;
  digest(algorithm: Digest, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>>;
  hmacSha256(key: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>>;
  /** AES-CBC with a 16/24/32-byte key. Decryption throws on a wrong length or bad padding. */
  aesCbc(
    op: 'encrypt' | 'decrypt',
    key: Uint8Array<ArrayBuffer>,
    iv: Uint8Array<ArrayBuffer>,
    data: Uint8Array<ArrayBuffer>,
    padding: Padding,
  ): Promise<Uint8Array<ArrayBuffer>>;
}

const BLOCK = 16;

// Importing a key costs about as much as the operation itself: keep the few keys an app has.
const keys = new Map<string, Promise<CryptoKey>>();
function importKey(raw: Uint8Array<ArrayBuffer>, kind: 'AES-CBC' | 'HMAC'): Promise<CryptoKey> {
  let id = kind;
  for (const b of raw) id += b.toString(16).padStart(2, '0');
  let key = keys.get(id);
  if (!key) {
    key =
      kind === 'HMAC'
        ? crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
        : crypto.subtle.importKey('raw', raw, { name: 'AES-CBC' }, false, ['encrypt', 'decrypt']);
    if (keys.size >= 32) keys.clear();
    keys.set(id, key);
    key.catch(() => keys.delete(id));
  }
  return key;
}

/** WebCrypto: Workers, browsers and Node alike. */
export const webCryptoProvider: CryptoProvider = {
  name: 'webcrypto',
  async digest(algorithm, data) {
    return new Uint8Array(await crypto.subtle.digest(algorithm, data));
  },
  async hmacSha256(key, data) {
    return new Uint8Array(await crypto.subtle.sign('HMAC', await importKey(key, 'HMAC'), data));
  },
  async aesCbc(op, key, iv, data, padding) {
    const k = await importKey(key, 'AES-CBC');
    if (padding === 'pkcs7') {
      const out =
        op === 'encrypt' ? crypto.subtle.encrypt(...args(iv, k, data)) : crypto.subtle.decrypt(...args(iv, k, data));
      return new Uint8Array(await out);
    }
    if (data.length % BLOCK !== 0) throw new Error('AES-CBC input is not a whole number of blocks');
    if (op === 'encrypt')
      return new Uint8Array(await crypto.subtle.encrypt(...args(iv, k, data))).slice(0, data.length);
    if (!data.length) return new Uint8Array(0);
    // WebCrypto always checks PKCS#7: append one forged block that decrypts to a full padding
    // block (16 × 0x10) after the real last block, so every real byte comes back as it is.
    const last = data.slice(data.length - BLOCK);
    const forged = new Uint8Array(
      await crypto.subtle.encrypt(...args(last, k, new Uint8Array(BLOCK).fill(BLOCK))),
    ).slice(0, BLOCK);
    const joined = new Uint8Array(data.length + BLOCK);
    joined.set(data);
    joined.set(forged, data.length);
    return new Uint8Array(await crypto.subtle.decrypt(...args(iv, k, joined)));
  },
};

function args(iv: Uint8Array<ArrayBuffer>, key: CryptoKey, data: Uint8Array<ArrayBuffer>) {
  return [{ name: 'AES-CBC', iv }, key, data] as const;
}

let current: CryptoProvider = webCryptoProvider;

/** The provider the adapters use now. */
export function cryptoProvider(): CryptoProvider {
  return current;
}

/** Installs a runtime's faster provider (src/node.ts: node:crypto). Returns the one it replaced. */
export function useCryptoProvider(provider: CryptoProvider): CryptoProvider {
  const previous = current;
  current = provider;
  return previous;
}
