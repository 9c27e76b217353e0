// OAuth code → platform user id, for opening the dashboard from a workbench (H5 app).
// Plain fetch against each platform's configurable API base, so the playground's
// emulators answer the same calls. Platform specifics are kept to this one file; the
// rest of the dashboard only sees `{ platform, userId }`.
import type { Config } from '../config';
import type { Platform } from '../../storage/schema';

export class SsoError extends Error {}

export interface SsoUser {
  platform: Platform;
  /** Lark open_id, WeCom userid, DingTalk unionId (and userid when the platform gives it). */
  userIds: string[];
}

type FetchFn = typeof fetch;

async function json(res: Response, what: string): Promise<Record<string, unknown>> {
  const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!body) throw new SsoError(`${what}: HTTP ${res.status}, no JSON body`);
  return body;
}

async function lark(cfg: NonNullable<Config['lark']>, code: string, f: FetchFn): Promise<string[]> {
  // https://open.feishu.cn/document/server-docs/authentication-management/access-token/app_access_token_internal
  const app = await json(await f(`${cfg.domain}/open-apis/auth/v3/app_access_token/internal`, {
    method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ app_id: cfg.appId, app_secret: cfg.appSecret }),
  }), 'app_access_token');
  if (app.code !== 0 || typeof app.app_access_token !== 'string') throw new SsoError(`app_access_token: ${String(app.msg ?? app.code)}`);
  // https://open.feishu.cn/document/server-docs/authentication-management/access-token/create-2
  const tok = await json(await f(`${cfg.domain}/open-apis/authen/v1/oidc/access_token`, {
    method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${app.app_access_token}` },
    body: JSON.stringify({ grant_type: 'authorization_code', code }),
  }), 'oidc/access_token');
  const data = tok.data as Record<string, unknown> | undefined;
  if (tok.code !== 0 || typeof data?.access_token !== 'string') throw new SsoError(`oidc/access_token: ${String(tok.msg ?? tok.code)}`);
  if (typeof data.open_id === 'string') return [data.open_id];
  // https://open.feishu.cn/document/server-docs/authentication-management/login-state-management/get
  const info = await json(await f(`${cfg.domain}/open-apis/authen/v1/user_info`, { headers: { authorization: `Bearer ${data.access_token}` } }), 'user_info');
  const user = info.data as Record<string, unknown> | undefined;
  if (info.code !== 0 || typeof user?.open_id !== 'string') throw new SsoError(`user_info: ${String(info.msg ?? info.code)}`);
  return [user.open_id];
}

async function wecom(cfg: NonNullable<Config['wecom']>, code: string, f: FetchFn): Promise<string[]> {
  // https://developer.work.weixin.qq.com/document/path/91039
  const tok = await json(await f(`${cfg.apiBase}/cgi-bin/gettoken?corpid=${encodeURIComponent(cfg.corpId)}&corpsecret=${encodeURIComponent(cfg.secret)}`), 'gettoken');
  if (tok.errcode !== 0 && tok.errcode !== undefined) throw new SsoError(`gettoken: ${String(tok.errmsg)}`);
  if (typeof tok.access_token !== 'string') throw new SsoError('gettoken: no access_token');
  // https://developer.work.weixin.qq.com/document/path/91023
  const who = await json(await f(`${cfg.apiBase}/cgi-bin/auth/getuserinfo?access_token=${encodeURIComponent(tok.access_token)}&code=${encodeURIComponent(code)}`), 'getuserinfo');
  if (who.errcode !== 0 && who.errcode !== undefined) throw new SsoError(`getuserinfo: ${String(who.errmsg)}`);
  const id = who.userid ?? who.UserId;
  if (typeof id !== 'string' || !id) throw new SsoError('getuserinfo: not a member of this corp');
  return [id];
}

async function dingtalk(cfg: NonNullable<Config['dingtalk']>, code: string, f: FetchFn): Promise<string[]> {
  // https://open.dingtalk.com/document/orgapp/obtain-user-token
  const tok = await json(await f(`${cfg.apiBase}/v1.0/oauth2/userAccessToken`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: cfg.clientId, clientSecret: cfg.clientSecret, code, grantType: 'authorization_code' }),
  }), 'userAccessToken');
  if (typeof tok.accessToken !== 'string') throw new SsoError(`userAccessToken: ${String(tok.message ?? tok.code)}`);
  // https://open.dingtalk.com/document/orgapp/dingtalk-retrieve-user-information
  const me = await json(await f(`${cfg.apiBase}/v1.0/contact/users/me`, { headers: { 'x-acs-dingtalk-access-token': tok.accessToken } }), 'users/me');
  const ids = [me.userId, me.userid, me.unionId].filter((x): x is string => typeof x === 'string' && x !== '');
  if (!ids.length) throw new SsoError(`users/me: ${String(me.message ?? 'no user id')}`);
  return ids;
}

export async function exchangeCode(config: Config, platform: string, code: string, f: FetchFn = fetch): Promise<SsoUser> {
  if (platform === 'lark' && config.lark) return { platform, userIds: await lark(config.lark, code, f) };
  if (platform === 'wecom' && config.wecom) return { platform, userIds: await wecom(config.wecom, code, f) };
  if (platform === 'dingtalk' && config.dingtalk) return { platform, userIds: await dingtalk(config.dingtalk, code, f) };
  throw new SsoError(`not configured: ${platform}`);
}
