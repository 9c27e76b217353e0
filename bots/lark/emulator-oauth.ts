// Lark's web-app login (网页应用免登), emulated: the authorize page, app_access_token,
// the OIDC code exchange and user_info, with Lark's `{code,msg,data}` answers.
// Mounted by emulator.ts. Error codes: 20007 for a bad code is what Lark's FAQ names
// ("code invalid: consumed twice or expired, valid 5 minutes, single use"); 20014 and
// 99991668 are taken from Lark's authen error table as we read it; not checked live.
import type { Context, Hono } from 'hono';
import { bytesToHex } from '../common/bytes';
import { authorizeHandler, createLoginCodes, type SignInAllowed } from '../common/emulator/oauth-codes';

const APP_TOKEN_TTL_S = 7200;
const USER_TOKEN_TTL_S = 6900;

export function mountLarkOAuth(
  app: Hono,
  options: { appId: string; appSecret: string; now: () => Date; signInAllowed?: SignInAllowed },
) {
  const { now } = options;
  const codes = createLoginCodes(now);
  const appTokens = new Map<string, number>();
  const userTokens = new Map<string, { openId: string; expiresAt: number }>();
  const token = (prefix: string) => `${prefix}${bytesToHex(crypto.getRandomValues(new Uint8Array(16)))}`;
  const fail = (c: Context, code: number, msg: string, status: 400 | 401 = 400) => c.json({ code, msg }, status);
  const bearer = (c: Context) => /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';

  // https://open.feishu.cn/document/server-docs/authentication-management/login-state-management/obtain-code (获取登录预授权码)
  const authorize = authorizeHandler(codes, 'Lark', {}, options.signInAllowed);
  const checkedAuthorize = async (c: Context): Promise<Response> => {
    const clientId = c.req.query('client_id') ?? c.req.query('app_id');
    if (clientId !== undefined && clientId !== options.appId) return c.text('client_id: unknown app', 400);
    return authorize(c);
  };
  app.get('/open-apis/authen/v1/index', checkedAuthorize);
  app.get('/_emulator/oauth/authorize', checkedAuthorize);

  // https://open.feishu.cn/document/server-docs/authentication-management/access-token/app_access_token_internal
  app.post('/open-apis/auth/v3/app_access_token/internal', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { app_id?: unknown; app_secret?: unknown };
    if (body.app_id !== options.appId) return fail(c, 10003, 'invalid param');
    if (body.app_secret !== options.appSecret) return fail(c, 10014, 'app secret invalid');
    const value = token('a-');
    appTokens.set(value, now().getTime() + APP_TOKEN_TTL_S * 1000);
    return c.json({ code: 0, msg: 'ok', app_access_token: value, expire: APP_TOKEN_TTL_S });
  });

  // https://open.feishu.cn/document/server-docs/authentication-management/access-token/create-2
  app.post('/open-apis/authen/v1/oidc/access_token', async (c) => {
    const appToken = appTokens.get(bearer(c));
    if (appToken === undefined || appToken <= now().getTime())
      return fail(c, 20014, 'The app access token passed is invalid. Please check the value.');
    const body = (await c.req.json().catch(() => ({}))) as { grant_type?: unknown; code?: unknown };
    if (body.grant_type !== 'authorization_code' || typeof body.code !== 'string' || !body.code)
      return fail(c, 20001, 'Invalid request. Please check request param.');
    const redeemed = codes.redeem(body.code);
    if (!redeemed.ok)
      return fail(
        c,
        20007,
        `Failed to generate a user access token: code ${redeemed.reason}. Codes are valid for 5 minutes and can be used once.`,
      );
    const accessToken = token('u-');
    userTokens.set(accessToken, { openId: redeemed.user, expiresAt: now().getTime() + USER_TOKEN_TTL_S * 1000 });
    return c.json({
      code: 0,
      msg: 'success',
      data: {
        access_token: accessToken,
        refresh_token: token('ur-'),
        token_type: 'Bearer',
        expires_in: USER_TOKEN_TTL_S,
        refresh_expires_in: 2_592_000,
        scope: '',
      },
    });
  });

  // https://open.feishu.cn/document/server-docs/authentication-management/login-state-management/get
  app.get('/open-apis/authen/v1/user_info', (c) => {
    const user = userTokens.get(bearer(c));
    if (!user || user.expiresAt <= now().getTime())
      return fail(
        c,
        99991668,
        'Invalid access token for authorization. Please make a request with token attached.',
        401,
      );
    const suffix = user.openId.replace(/^ou_/, '');
    return c.json({
      code: 0,
      msg: 'success',
      data: {
        name: user.openId,
        en_name: user.openId,
        open_id: user.openId,
        union_id: `on_${suffix}`,
        user_id: `u_${suffix}`,
        tenant_key: 'tenant_emulator',
      },
    });
  });
}
