// H5 micro-app single sign-on for DingTalk (统一登录 / 免登): the authorize URL on
// login.dingtalk.com, and authCode → user token → unionId (/v1.0/contact/users/me)
// → staff userid (oapi topapi/user/getbyunionid, with the app's access token, which
// DingTalk documents as valid for both the new and the old API). Verified against the
// docs and the emulator, not a live tenant.
import { LoginCodeError } from '../types';
import type { DingtalkClient } from './client';

const PUBLIC_API = 'https://api.dingtalk.com';

/**
 * Hosts next to an API base. DingTalk itself splits login (login.dingtalk.com), the new
 * API (api.dingtalk.com) and the old one (oapi.dingtalk.com); any other DINGTALK_API_BASE
 * (the emulator, a proxy) is taken to serve all three paths itself.
 */
export function dingtalkHosts(apiBase: string): { login: string; oapi: string } {
  const base = apiBase.replace(/\/$/, '');
  return base === PUBLIC_API
    ? { login: 'https://login.dingtalk.com', oapi: 'https://oapi.dingtalk.com' }
    : { login: base, oapi: base };
}

export function dingtalkLoginUrl(
  config: { clientId: string; apiBase: string },
  redirectUri: string,
  state: string,
): string {
  // https://open.dingtalk.com/document/orgapp/tutorial-obtaining-user-personal-information
  const url = new URL(`${dingtalkHosts(config.apiBase).login}/oauth2/auth`);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('scope', 'openid');
  url.searchParams.set('state', state);
  url.searchParams.set('prompt', 'consent');
  return url.toString();
}

async function readJson(response: Response, what: string): Promise<Record<string, unknown>> {
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') throw new Error(`DingTalk ${what}: HTTP ${response.status}, no JSON body`);
  return body;
}

export async function exchangeDingtalkLoginCode(
  client: DingtalkClient,
  config: { clientId: string; clientSecret: string; apiBase: string; corpId?: string },
  code: string,
  fetchFn: typeof fetch = (i, init) => fetch(i, init),
) {
  // https://open.dingtalk.com/document/orgapp/obtain-user-token
  const tokenResponse = await fetchFn(`${config.apiBase}/v1.0/oauth2/userAccessToken`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      code,
      grantType: 'authorization_code',
    }),
  });
  const token = await readJson(tokenResponse, 'userAccessToken');
  if (typeof token.accessToken !== 'string') {
    const text =
      `DingTalk userAccessToken: ${String(token.code ?? tokenResponse.status)} ${String(token.message ?? '')}`.trim();
    // A 4xx about the code is the person's problem; bad app credentials or a 5xx are ours.
    throw tokenResponse.status < 500 && token.code !== 'invalidClientIdOrSecret'
      ? new LoginCodeError(text, String(token.code ?? ''))
      : new Error(text);
  }
  // https://open.dingtalk.com/document/orgapp/dingtalk-retrieve-user-information
  const meResponse = await fetchFn(`${config.apiBase}/v1.0/contact/users/me`, {
    headers: { 'x-acs-dingtalk-access-token': token.accessToken },
  });
  const me = await readJson(meResponse, 'users/me');
  if (typeof me.unionId !== 'string' || !me.unionId)
    throw new Error(`DingTalk users/me: ${String(me.message ?? 'no unionId')}`);
  const name = typeof me.nick === 'string' && me.nick ? me.nick : undefined;
  // https://open.dingtalk.com/document/orgapp/query-a-user-by-the-union-id
  const appToken = await client.accessToken();
  const lookup = await readJson(
    await fetchFn(
      `${dingtalkHosts(config.apiBase).oapi}/topapi/user/getbyunionid?access_token=${encodeURIComponent(appToken)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ unionid: me.unionId }),
      },
    ),
    'getbyunionid',
  );
  const userid = (lookup.result as { userid?: unknown } | undefined)?.userid;
  // getbyunionid answers with the app's own corp token: the staff id is one of that corp's.
  const tenantKey = config.corpId ?? (typeof token.corpId === 'string' && token.corpId ? token.corpId : undefined);
  if (lookup.errcode === 0 && typeof userid === 'string' && userid) return { platformUserId: userid, name, tenantKey };
  // 60121: no such user in this org (e.g. signed in with a personal account).
  const text = `DingTalk getbyunionid: errcode ${String(lookup.errcode)} ${String(lookup.errmsg ?? '')}`.trim();
  throw lookup.errcode === 60121 ? new LoginCodeError(text, 60121) : new Error(text);
}
