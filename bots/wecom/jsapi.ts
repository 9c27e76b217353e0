// The signature WeCom's JS-SDK needs before an H5 page may call its APIs (wx.config,
// which @wecom/jssdk's `register` asks for through getConfigSignature): sha1 over the
// corp's jsapi_ticket, a nonce, a timestamp and the page URL without its #fragment.
// https://developer.work.weixin.qq.com/document/path/90506 (JS-SDK使用权限签名算法)
import { bytesToHex, sha1Hex } from '../common/bytes';
import type { WecomClient } from './client';
import { wecomApiError } from './fixes';

const tickets = new WeakMap<WecomClient, { ticket: string; expiresAt: number }>();
const TICKET_MARGIN_MS = 5 * 60 * 1000;

export interface WecomJsapiConfig {
  corpId: string;
  agentId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
}

async function jsapiTicket(client: WecomClient, apiBase: string, now: Date, fetchFn: typeof fetch): Promise<string> {
  const cached = tickets.get(client);
  if (cached && cached.expiresAt > now.getTime()) return cached.ticket;
  // https://developer.work.weixin.qq.com/document/path/90506 (获取企业的jsapi_ticket)
  const response = await fetchFn(
    `${apiBase}/cgi-bin/get_jsapi_ticket?access_token=${encodeURIComponent(await client.accessToken())}`,
  );
  const body = (await response.json().catch(() => ({}))) as {
    errcode?: number;
    errmsg?: string;
    ticket?: unknown;
    expires_in?: unknown;
  };
  if ((body.errcode ?? 0) !== 0 || typeof body.ticket !== 'string')
    throw wecomApiError(
      `WeCom get_jsapi_ticket: errcode ${String(body.errcode)} ${body.errmsg ?? ''}`.trim(),
      body.errcode,
    );
  const ttl = typeof body.expires_in === 'number' ? body.expires_in * 1000 : 7_200_000;
  tickets.set(client, { ticket: body.ticket, expiresAt: now.getTime() + Math.max(60_000, ttl - TICKET_MARGIN_MS) });
  return body.ticket;
}

export async function wecomJsapiSignature(
  ticket: string,
  nonceStr: string,
  timestamp: number,
  url: string,
): Promise<string> {
  const plain = `jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${url.split('#')[0]}`;
  return sha1Hex(plain);
}

export async function wecomJsapiConfig(
  client: WecomClient,
  config: { corpId: string; agentId: string; apiBase: string },
  url: string,
  now: Date,
  fetchFn: typeof fetch = (i, init) => fetch(i, init),
): Promise<WecomJsapiConfig> {
  const ticket = await jsapiTicket(client, config.apiBase, now, fetchFn);
  const nonceStr = bytesToHex(crypto.getRandomValues(new Uint8Array(8)));
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    corpId: config.corpId,
    agentId: config.agentId,
    timestamp,
    nonceStr,
    signature: await wecomJsapiSignature(ticket, nonceStr, timestamp, url),
  };
}
