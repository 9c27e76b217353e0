// Node-only: the CryptoProvider (bots/common/crypto-provider.ts) on node:crypto, which
// src/node.ts installs at start. Synchronous OpenSSL calls, no thread-pool hop and no key
// import: a push's signature digest and AES decryption cost a fraction of WebCrypto's CPU.
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import type { CryptoProvider } from '../../bots/common/crypto-provider';

const view = (b: Buffer): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
};

function cipherName(key: Uint8Array): string {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32)
    throw new Error(`AES key must be 16, 24 or 32 bytes, not ${key.length}`);
  return `aes-${key.length * 8}-cbc`;
}

export const nodeCryptoProvider: CryptoProvider = {
  name: 'node:crypto',
  async digest(algorithm, data) {
    return view(
      createHash(algorithm === 'SHA-1' ? 'sha1' : 'sha256')
        .update(data)
        .digest(),
    );
  },
  async hmacSha256(key, data) {
    return view(createHmac('sha256', key).update(data).digest());
  },
  async aesCbc(op, key, iv, data, padding) {
    if (padding === 'none' && data.length % 16 !== 0) throw new Error('AES-CBC input is not a whole number of blocks');
    const cipher =
      op === 'encrypt' ? createCipheriv(cipherName(key), key, iv) : createDecipheriv(cipherName(key), key, iv);
    cipher.setAutoPadding(padding === 'pkcs7');
    return view(Buffer.concat([cipher.update(data), cipher.final()]));
  },
};
