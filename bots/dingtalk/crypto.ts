// DingTalk crypto primitives, through the runtime's CryptoProvider (Node and Workers).
// - robot HTTP-mode signature: base64(HMAC-SHA256(appSecret, timestamp + "\n" + appSecret))
// - HTTP event subscription: the WeCom envelope (signature and AES layout), owner key = the app key;
//   it lives in ../common/callback-crypto.ts and serves both adapters.
// https://open.dingtalk.com/document/orgapp/configure-event-subcription
// https://github.com/open-dingtalk/DingTalk-Callback-Crypto
import { bytesToBase64, utf8 } from '../common/bytes';
import { cryptoProvider } from '../common/crypto-provider';

export async function hmacSha256Base64(key: string, message: string): Promise<string> {
  return bytesToBase64(await cryptoProvider().hmacSha256(utf8(key), utf8(message)));
}

export function randomNonce(length = 8): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
