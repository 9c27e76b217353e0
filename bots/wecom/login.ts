// H5 single sign-on for a WeCom self-built app (网页授权登录): the authorize URL on
// open.weixin.qq.com (the page must open inside WeCom; the redirect domain must be the
// app's 可信域名), and the code → userid exchange. Verified against the docs and the
// emulator, not a live corp.
import { LoginCodeError } from '../types';
import type { WecomClient } from './client';

/** WeCom's public API host; its OAuth pages live on open.weixin.qq.com. */
const PUBLIC_API = 'https://qyapi.weixin.qq.com';
const PUBLIC_OAUTH = 'https://open.weixin.qq.com';
/** Codes that mean "this code is no good": 40029 invalid oauth code, 50001 redirect domain not trusted. */
const BAD_CODE = new Set([40029, 50001]);

/**
 * The OAuth host for an API base: open.weixin.qq.com for WeCom itself; the same base
 * for anything else (the emulator serves /connect/oauth2/authorize; a private
 * deployment that differs would need its own setting).
 */
export function wecomOAuthBase(apiBase: string): string {
  return apiBase.replace(/\/$/, '') === PUBLIC_API ? PUBLIC_OAUTH : apiBase;
}

export function wecomLoginUrl(
  config: { corpId: string; agentId: string; apiBase: string },
  redirectUri: string,
  state: string,
): string {
  // https://developer.work.weixin.qq.com/document/path/91022 (构造网页授权链接)
  const url = new URL(`${wecomOAuthBase(config.apiBase)}/connect/oauth2/authorize`);
  url.searchParams.set('appid', config.corpId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'snsapi_base');
  url.searchParams.set('state', state);
  url.searchParams.set('agentid', config.agentId);
  return `${url.toString()}#wechat_redirect`;
}

export async function exchangeWecomLoginCode(
  client: WecomClient,
  apiBase: string,
  code: string,
  fetchFn: typeof fetch = (i, init) => fetch(i, init),
) {
  for (let attempt = 0; ; attempt++) {
    const token = await client.accessToken();
    // https://developer.work.weixin.qq.com/document/path/91023 (获取访问用户身份)
    const response = await fetchFn(
      `${apiBase}/cgi-bin/auth/getuserinfo?access_token=${encodeURIComponent(token)}&code=${encodeURIComponent(code)}`,
    );
    const body = (await response.json().catch(() => undefined)) as
      | { errcode?: number; errmsg?: string; userid?: unknown; openid?: unknown }
      | undefined;
    if (!body) throw new Error(`WeCom getuserinfo: HTTP ${response.status}, no JSON body`);
    const errcode = body.errcode ?? 0;
    if ((errcode === 40014 || errcode === 42001) && attempt === 0) {
      client.token.invalidate(token);
      continue;
    }
    if (errcode !== 0) {
      const text = `WeCom getuserinfo: errcode ${errcode} ${body.errmsg ?? ''}`.trim();
      throw BAD_CODE.has(errcode) ? new LoginCodeError(text, errcode) : new Error(text);
    }
    if (typeof body.userid === 'string' && body.userid) return { platformUserId: body.userid };
    // An openid instead of a userid: the visitor is not a member of this corp.
    throw new LoginCodeError('WeCom getuserinfo: not a member of this corp (openid only)', 'not_member');
  }
}
