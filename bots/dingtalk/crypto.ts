// DingTalk crypto primitives, WebCrypto only (Node and Workers).
// - robot HTTP-mode signature: base64(HMAC-SHA256(appSecret, timestamp + "\n" + appSecret))
// - HTTP event subscription: the WeCom envelope (signature and AES layout), owner key = the app key;
//   it lives in ../common/callback-crypto.ts and serves both adapters.
// https://open.dingtalk.com/document/orgapp/configure-event-subcription
// https://github.com/open-dingtalk/DingTalk-Callback-Crypto
import { bytesToBase64, utf8 } from '../common/bytes';

export async function hmacSha256Base64(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey('raw', utf8(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return bytesToBase64(new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, utf8(message))));
}

export function randomNonce(length = 8): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
