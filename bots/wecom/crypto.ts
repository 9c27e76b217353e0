// WeCom callback encryption, WebCrypto only so it runs on Node and Workers.
// https://developer.work.weixin.qq.com/document/path/90968 (加解密方案说明)
// The envelope (AES-256-CBC, PKCS#7 to 32 bytes, random16 ‖ len ‖ msg ‖ receiveid) is shared
// with DingTalk's event subscription in ../common/callback-crypto.ts; here the owner key is
// the receiveid, which must be our corp id.
import { timingSafeEqual } from '../common/bytes';
import { CallbackCryptoError, decryptCallback, encryptCallback } from '../common/callback-crypto';

export { CallbackCryptoError as WecomCryptoError, pkcs7Pad, pkcs7Unpad } from '../common/callback-crypto';

/** base64(AES-256-CBC(random16 ‖ uint32BE(len) ‖ msg ‖ receiveId, PKCS#7/32)). */
export function encryptWecom(
  encodingAesKey: string,
  message: string,
  receiveId: string,
  random?: Uint8Array,
): Promise<string> {
  return encryptCallback(encodingAesKey, message, receiveId, random);
}

export interface Decrypted {
  message: string;
  receiveId: string;
}

/**
 * Decrypts with every check of decryptCallback and, when `expectedReceiveId` is given,
 * checks the receiveid too (@wecom/crypto does not).
 */
export async function decryptWecom(
  encodingAesKey: string,
  encrypted: string,
  expectedReceiveId?: string,
): Promise<Decrypted> {
  const { message, ownerKey: receiveId } = await decryptCallback(encodingAesKey, encrypted);
  if (expectedReceiveId !== undefined && !timingSafeEqual(receiveId, expectedReceiveId))
    throw new CallbackCryptoError('receiveid does not match the corp id');
  return { message, receiveId };
}
