// DingTalk's unified login (统一登录 / 免登), emulated: the login.dingtalk.com authorize
// redirect, the user token exchange, /v1.0/contact/users/me, and the oapi lookup from
// unionId to the staff userid. Mounted by emulator.ts before its app-token middleware
// (users/me takes a *user* token). Emulator conventions where DingTalk does not
// document the exact answer: a bad authCode is HTTP 400 `{code:"invalidAuthCode"}`;
// an unknown unionid is `{errcode:60121}` ("找不到该用户", as DingTalk's oapi answers).
import type { Context, Hono } from 'hono';
import { bytesToHex } from '../common/bytes';
import { authorizeHandler, createLoginCodes, type SignInAllowed } from '../common/emulator/oauth-codes';

export interface DingtalkOAuthOptions {
  clientId: string;
  clientSecret: string;
  corpId: string;
  now: () => Date;
  /** Is this an unexpired app access token (from /v1.0/oauth2/accessToken)? */
  appTokenValid(token: string): boolean;
  signInAllowed?: SignInAllowed;
}

const USER_TOKEN_TTL_S = 7200;

export function mountDingtalkOAuth(app: Hono, options: DingtalkOAuthOptions) {
  const { now } = options;
  const codes = createLoginCodes(now);
  const userTokens = new Map<string, { staffId: string; expiresAt: number }>();
  /** unionId → staff userid, for every person who signed in. */
  const unionIds = new Map<string, string>();
  const token = (prefix: string) => `${prefix}${bytesToHex(crypto.getRandomValues(new Uint8Array(16)))}`;
  const apiError = (c: Context, status: 400 | 401, code: string, message: string) =>
    c.json({ code, message, requestid: crypto.randomUUID().toUpperCase() }, status);

  const authorize = authorizeHandler(codes, 'DingTalk', { code: 'authCode' }, options.signInAllowed);
  const checkedAuthorize = async (c: Context): Promise<Response> => {
    const clientId = c.req.query('client_id');
    if (clientId !== undefined && clientId !== options.clientId) return c.text('client_id: unknown app', 400);
    return authorize(c);
  };
  // https://open.dingtalk.com/document/orgapp/tutorial-obtaining-user-personal-information (login.dingtalk.com/oauth2/auth)
  app.get('/oauth2/auth', checkedAuthorize);
  app.get('/_emulator/oauth/authorize', checkedAuthorize);

  // https://open.dingtalk.com/document/orgapp/obtain-user-token
  app.post('/v1.0/oauth2/userAccessToken', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as {
      clientId?: unknown;
      clientSecret?: unknown;
      code?: unknown;
      grantType?: unknown;
    };
    if (body.clientId !== options.clientId || body.clientSecret !== options.clientSecret)
      return apiError(c, 400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
    if (body.grantType !== 'authorization_code' || typeof body.code !== 'string')
      return apiError(c, 400, 'invalidParameter', 'grantType必须是authorization_code，code不能为空');
    const redeemed = codes.redeem(body.code);
    if (!redeemed.ok) return apiError(c, 400, 'invalidAuthCode', `授权码无效或已过期 (${redeemed.reason})`);
    const accessToken = token('uat_');
    userTokens.set(accessToken, { staffId: redeemed.user, expiresAt: now().getTime() + USER_TOKEN_TTL_S * 1000 });
    return c.json({ accessToken, refreshToken: token('urt_'), expireIn: USER_TOKEN_TTL_S, corpId: options.corpId });
  });

  // https://open.dingtalk.com/document/orgapp/dingtalk-retrieve-user-information
  app.get('/v1.0/contact/users/me', (c) => {
    const user = userTokens.get(c.req.header('x-acs-dingtalk-access-token') ?? '');
    if (!user || user.expiresAt <= now().getTime())
      return apiError(c, 401, 'InvalidAuthentication', '不合法的access_token');
    const unionId = `union${user.staffId}`;
    unionIds.set(unionId, user.staffId);
    // No staff userid here: DingTalk's users/me gives unionId and openId only.
    return c.json({ nick: user.staffId, unionId, openId: `open${user.staffId}`, avatarUrl: '', stateCode: '86' });
  });

  // https://open.dingtalk.com/document/orgapp/query-a-user-by-the-union-id
  app.post('/topapi/user/getbyunionid', async (c) => {
    if (!options.appTokenValid(c.req.query('access_token') ?? ''))
      return c.json({ errcode: 40014, errmsg: '不合法的access_token' });
    const body = (await c.req.json().catch(() => ({}))) as { unionid?: unknown };
    const staffId = typeof body.unionid === 'string' ? unionIds.get(body.unionid) : undefined;
    if (!staffId) return c.json({ errcode: 60121, errmsg: '找不到该用户' });
    return c.json({ errcode: 0, errmsg: 'ok', result: { contact_type: 0, userid: staffId }, request_id: token('') });
  });
}
