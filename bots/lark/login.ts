// Web-app single sign-on for Lark/Feishu (网页应用免登): the authorize URL the
// dashboard redirects to, and the code → open_id exchange through Lark's OAuth 2 token
// endpoint (authen/v2/oauth/token), then user_info. The historical authen/v1/index and
// authen/v1/oidc/access_token are marked 不推荐使用 by Lark and no longer used. Plain fetch:
// login is rare. Verified against the docs and the emulator, not a live tenant.
import { LoginCodeError } from '../types';

export interface LarkLoginConfig {
  appId: string;
  appSecret: string;
  domain: string;
}

interface LarkBody {
  code?: number;
  msg?: string;
  message?: string;
  data?: Record<string, unknown>;
  [k: string]: unknown;
}

/**
 * Lark authen codes that mean "this code is no good", not "we are misconfigured":
 * v2 token errors 20003 (code not found or used), 20004 (code expired), 20024 (redirect_uri
 * mismatch), and the v1-era 20007 / 1007.
 */
const BAD_CODE = new Set([20003, 20004, 20024, 20007, 1007]);

async function call(fetchFn: typeof fetch, what: string, url: string, init: RequestInit): Promise<LarkBody> {
  const response = await fetchFn(url, init);
  const body = (await response.json().catch(() => undefined)) as LarkBody | undefined;
  if (!body || typeof body !== 'object') throw new Error(`Lark ${what}: HTTP ${response.status}, no JSON body`);
  if (body.code !== 0) {
    const detail = body.msg ?? body.message ?? body.error_description ?? body.error ?? '';
    const text = `Lark ${what}: error ${String(body.code)} ${String(detail)}`.trim();
    if (BAD_CODE.has(Number(body.code))) throw new LoginCodeError(text, body.code);
    throw new Error(text);
  }
  return body;
}

/**
 * Lark's accounts host for a given open-platform domain: open.feishu.cn → accounts.feishu.cn,
 * open.larksuite.com → accounts.larksuite.com; any other base (an emulator) serves both.
 */
export function larkAccountsBase(domain: string): string {
  const url = new URL(domain);
  if (url.hostname.startsWith('open.')) url.hostname = `accounts.${url.hostname.slice('open.'.length)}`;
  return url.toString().replace(/\/$/, '');
}

/** Where the dashboard sends a person to sign in; Lark comes back to `redirectUri?code=…&state=…`. */
export function larkLoginUrl(config: LarkLoginConfig, redirectUri: string, state: string): string {
  // https://open.feishu.cn/document/common-capabilities/sso/api/obtain-oauth-code (获取授权码)
  const url = new URL(`${larkAccountsBase(config.domain)}/open-apis/authen/v1/authorize`);
  url.searchParams.set('client_id', config.appId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  return url.toString();
}

export async function exchangeLarkLoginCode(
  config: LarkLoginConfig,
  code: string,
  redirectUri: string | undefined,
  fetchFn: typeof fetch = (i, init) => fetch(i, init),
) {
  const json = { 'content-type': 'application/json; charset=utf-8' };
  // https://open.feishu.cn/document/authentication-management/access-token/get-user-access-token
  // (获取 user_access_token: POST /open-apis/authen/v2/oauth/token, answers at the top level)
  const token = await call(fetchFn, 'oauth/token', `${config.domain}/open-apis/authen/v2/oauth/token`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({
      grant_type: 'authorization_code',
      client_id: config.appId,
      client_secret: config.appSecret,
      code,
      ...(redirectUri ? { redirect_uri: redirectUri } : {}),
    }),
  });
  const accessToken = token.access_token;
  if (typeof accessToken !== 'string') throw new Error('Lark oauth/token: no access_token in the answer');
  // https://open.feishu.cn/document/server-docs/authentication-management/login-state-management/get
  const info = await call(fetchFn, 'user_info', `${config.domain}/open-apis/authen/v1/user_info`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const openId = info.data?.open_id;
  if (typeof openId !== 'string' || !openId) throw new LoginCodeError('Lark user_info: no open_id for this user');
  const name = info.data?.name;
  const tenantKey = info.data?.tenant_key;
  return {
    platformUserId: openId,
    name: typeof name === 'string' && name ? name : undefined,
    tenantKey: typeof tenantKey === 'string' && tenantKey ? tenantKey : undefined,
  };
}
