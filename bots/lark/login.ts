// Web-app single sign-on for Lark/Feishu (网页应用免登): the authorize URL the
// dashboard redirects to, and the code → open_id exchange (app_access_token, then
// the OIDC user token, then user_info). Plain fetch: login is rare, so the app token
// is not cached. Verified against the docs and the emulator, not a live tenant.
import { LoginCodeError } from '../types';
import { larkApiError } from './fixes';

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

/** Lark authen codes that mean "this code is no good", not "we are misconfigured". */
const BAD_CODE = new Set([20003, 20004, 20007, 1007]);

async function call(fetchFn: typeof fetch, what: string, url: string, init: RequestInit): Promise<LarkBody> {
  const response = await fetchFn(url, init);
  const body = (await response.json().catch(() => undefined)) as LarkBody | undefined;
  if (!body || typeof body !== 'object')
    throw larkApiError(`Lark ${what}: HTTP ${response.status}, no JSON body`, undefined);
  if (body.code !== 0) {
    const text = `Lark ${what}: error ${String(body.code)} ${body.msg ?? body.message ?? ''}`.trim();
    if (BAD_CODE.has(Number(body.code))) throw new LoginCodeError(text, body.code);
    throw larkApiError(text, body.code);
  }
  return body;
}

/** Where the dashboard sends a person to sign in; Lark comes back to `redirectUri?code=…&state=…`. */
export function larkLoginUrl(config: LarkLoginConfig, redirectUri: string, state: string): string {
  // https://open.feishu.cn/document/server-docs/authentication-management/login-state-management/obtain-code
  const url = new URL(`${config.domain}/open-apis/authen/v1/index`);
  url.searchParams.set('app_id', config.appId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  return url.toString();
}

export async function exchangeLarkLoginCode(
  config: LarkLoginConfig,
  code: string,
  fetchFn: typeof fetch = (i, init) => fetch(i, init),
) {
  const json = { 'content-type': 'application/json; charset=utf-8' };
  // https://open.feishu.cn/document/server-docs/authentication-management/access-token/app_access_token_internal
  const app = await call(fetchFn, 'app_access_token', `${config.domain}/open-apis/auth/v3/app_access_token/internal`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ app_id: config.appId, app_secret: config.appSecret }),
  });
  if (typeof app.app_access_token !== 'string')
    throw larkApiError('Lark app_access_token: none in the answer', undefined);
  // https://open.feishu.cn/document/server-docs/authentication-management/access-token/create-2
  const token = await call(fetchFn, 'oidc/access_token', `${config.domain}/open-apis/authen/v1/oidc/access_token`, {
    method: 'POST',
    headers: { ...json, authorization: `Bearer ${app.app_access_token}` },
    body: JSON.stringify({ grant_type: 'authorization_code', code }),
  });
  const accessToken = token.data?.access_token;
  if (typeof accessToken !== 'string')
    throw larkApiError('Lark oidc/access_token: no access_token in the answer', undefined);
  // https://open.feishu.cn/document/server-docs/authentication-management/login-state-management/get
  const info = await call(fetchFn, 'user_info', `${config.domain}/open-apis/authen/v1/user_info`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const openId = info.data?.open_id;
  if (typeof openId !== 'string' || !openId) throw new LoginCodeError('Lark user_info: no open_id for this user');
  const name = info.data?.name;
  return { platformUserId: openId, name: typeof name === 'string' && name ? name : undefined };
}
