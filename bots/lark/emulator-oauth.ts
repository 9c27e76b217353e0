// Lark's web-app login (网页应用免登), emulated: the current authorize page
// (accounts.feishu.cn/open-apis/authen/v1/authorize), the OAuth 2 token endpoint
// (authen/v2/oauth/token) and user_info. The historical authen/v1/index and
// authen/v1/oidc/access_token, which Lark marks 不推荐使用 (not recommended), are not
// served, so a client still using them fails here as it eventually will on Lark.
// v2 errors answer {code, error, error_description}; the codes (20001 bad request, 20002
// bad client secret, 20003 unknown or used code, 20004 expired code, 20024 redirect_uri
// mismatch) are taken from Lark's v2 token error table as we read it; not checked live.
import type { Context, Hono } from 'hono';
import { bytesToHex } from '../common/bytes';
import { authorizeHandler, createLoginCodes, type SignInAllowed } from '../common/emulator/oauth-codes';

const USER_TOKEN_TTL_S = 6900;

export function mountLarkOAuth(
  app: Hono,
  options: { appId: string; appSecret: string; now: () => Date; signInAllowed?: SignInAllowed },
) {
  const { now } = options;
  const codes = createLoginCodes(now);
  const userTokens = new Map<string, { openId: string; expiresAt: number }>();
  const token = (prefix: string) => `${prefix}${bytesToHex(crypto.getRandomValues(new Uint8Array(16)))}`;
  const fail = (c: Context, code: number, msg: string, status: 400 | 401 = 400) => c.json({ code, msg }, status);
  const bearer = (c: Context) => /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';

  // https://open.feishu.cn/document/common-capabilities/sso/api/obtain-oauth-code (获取授权码)
  const authorize = authorizeHandler(codes, 'Lark', {}, options.signInAllowed);
  const checkedAuthorize = async (c: Context): Promise<Response> => {
    if (c.req.query('client_id') !== options.appId) return c.text('client_id: unknown app', 400);
    return authorize(c);
  };
  app.get('/open-apis/authen/v1/authorize', checkedAuthorize);
  app.get('/_emulator/oauth/authorize', (c) => authorize(c));

  const oauthFail = (c: Context, code: number, error: string, description: string) =>
    c.json({ code, error, error_description: description }, 400);

  // https://open.feishu.cn/document/authentication-management/access-token/get-user-access-token (获取 user_access_token)
  app.post('/open-apis/authen/v2/oauth/token', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    if (body.grant_type !== 'authorization_code' || typeof body.code !== 'string' || !body.code)
      return oauthFail(c, 20001, 'invalid_request', 'grant_type authorization_code and code are required');
    if (body.client_id !== options.appId || body.client_secret !== options.appSecret)
      return oauthFail(c, 20002, 'invalid_client', 'client_id or client_secret is invalid');
    const redeemed = codes.redeem(body.code);
    if (!redeemed.ok)
      return redeemed.reason === 'expired'
        ? oauthFail(c, 20004, 'invalid_grant', 'The authorization code has expired (valid 5 minutes).')
        : oauthFail(c, 20003, 'invalid_grant', `The authorization code is ${redeemed.reason} (single use).`);
    if (redeemed.redirect !== undefined && body.redirect_uri !== redeemed.redirect)
      return oauthFail(c, 20024, 'invalid_grant', 'redirect_uri does not match the authorize request');
    const accessToken = token('u-');
    userTokens.set(accessToken, { openId: redeemed.user, expiresAt: now().getTime() + USER_TOKEN_TTL_S * 1000 });
    return c.json({
      code: 0,
      access_token: accessToken,
      expires_in: USER_TOKEN_TTL_S,
      refresh_token: token('ur-'),
      refresh_token_expires_in: 2_592_000,
      token_type: 'Bearer',
      scope: '',
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
