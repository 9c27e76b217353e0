// WeCom's web login for self-built apps (网页授权登录), emulated: the
// open.weixin.qq.com authorize redirect and /cgi-bin/auth/getuserinfo, with WeCom's
// `{errcode,errmsg}` answers. Mounted by emulator.ts. A member gets `userid`; someone
// outside the corp gets `openid` (what WeCom answers for non-members). 40029 "invalid
// code" is WeCom's global code for a bad oauth code; 41001/40014/42001 for the token.
import type { Context, Hono } from 'hono';
import { authorizeHandler, createLoginCodes, type SignInAllowed } from '../common/emulator/oauth-codes';

export interface WecomOAuthOptions {
  corpId: string;
  now: () => Date;
  /** When an access token issued by gettoken expires; undefined when it was never issued. */
  tokenExpiry(token: string): number | undefined;
  /** Is this userid a member of the corp? */
  isMember(userid: string): boolean;
  signInAllowed?: SignInAllowed;
}

export function mountWecomOAuth(app: Hono, options: WecomOAuthOptions): { jsapiTicket: string } {
  const codes = createLoginCodes(options.now);
  /** One ticket per emulator run, so a test can recompute a page's signature. */
  const jsapiTicket = `emu_ticket_${Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  const authorize = authorizeHandler(codes, 'WeCom', {}, options.signInAllowed);
  const checkedAuthorize = async (c: Context): Promise<Response> => {
    const appid = c.req.query('appid');
    if (appid !== undefined && appid !== options.corpId) return c.text('appid: not this corp', 400);
    return authorize(c);
  };
  // https://developer.work.weixin.qq.com/document/path/91022 (构造网页授权链接)
  app.get('/connect/oauth2/authorize', checkedAuthorize);
  app.get('/_emulator/oauth/authorize', checkedAuthorize);

  // https://developer.work.weixin.qq.com/document/path/90506 (获取企业的jsapi_ticket)
  app.get('/cgi-bin/get_jsapi_ticket', (c) => {
    const expiresAt = options.tokenExpiry(c.req.query('access_token') ?? '');
    if (expiresAt === undefined) return c.json({ errcode: 40014, errmsg: 'invalid access_token' });
    if (expiresAt <= options.now().getTime()) return c.json({ errcode: 42001, errmsg: 'access_token expired' });
    return c.json({ errcode: 0, errmsg: 'ok', ticket: jsapiTicket, expires_in: 7200 });
  });

  // https://developer.work.weixin.qq.com/document/path/91023 (获取访问用户身份)
  app.get('/cgi-bin/auth/getuserinfo', (c) => {
    const token = c.req.query('access_token');
    if (!token) return c.json({ errcode: 41001, errmsg: 'access_token missing' });
    const expiresAt = options.tokenExpiry(token);
    if (expiresAt === undefined) return c.json({ errcode: 40014, errmsg: 'invalid access_token' });
    if (expiresAt <= options.now().getTime()) return c.json({ errcode: 42001, errmsg: 'access_token expired' });
    const redeemed = codes.redeem(c.req.query('code') ?? '');
    if (!redeemed.ok) return c.json({ errcode: 40029, errmsg: `invalid code (${redeemed.reason})` });
    if (options.isMember(redeemed.user)) return c.json({ errcode: 0, errmsg: 'ok', userid: redeemed.user });
    return c.json({ errcode: 0, errmsg: 'ok', openid: `o_${redeemed.user}` });
  });
  return { jsapiTicket };
}
