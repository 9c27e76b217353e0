// Each adapter's exchangeLoginCode (and loginUrl) against its platform emulator over
// real HTTP: a good code names the person, a reused, unknown or expired code is
// refused with LoginCodeError, and WeCom refuses someone outside the corp.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginCodeError, type PlatformAdapter } from '../../bots/types';
import { serveOnNode } from '../../bots/common/emulator/serve';
import { createLarkEmulator } from '../../bots/lark/emulator';
import { createWecomEmulator } from '../../bots/wecom/emulator';
import { createDingtalkEmulator } from '../../bots/dingtalk/emulator';
import { createLarkAdapter } from '../../bots/lark/index';
import { createWecomAdapter } from '../../bots/wecom/index';
import { createDingtalkAdapter } from '../../bots/dingtalk/index';

/** The webhook secrets every Lark adapter needs (unused by sign-in, required so nothing fails open). */
const LARK_KEYS = { verificationToken: 'v', encryptKey: 'sso-encrypt-key' };
import { wecomJsapiSignature } from '../../bots/wecom/jsapi';

const CALLBACK = 'https://polaris.example/dashboard/sso/x';
let clock = Date.parse('2026-11-27T02:00:00Z');
const now = () => new Date(clock);
const servers: { close(): Promise<void> }[] = [];
const adapters: Record<string, PlatformAdapter> = {};
const bases: Record<string, string> = {};

async function serve(name: string, fetchFn: (r: Request) => Response | Promise<Response>) {
  const running = await serveOnNode(fetchFn);
  servers.push(running);
  bases[name] = running.url;
  return running.url;
}

/** What the platform's sign-in page does: 302 back to the callback with a code. */
async function signIn(authorizeUrl: string, user: string, codeParam = 'code') {
  const url = new URL(authorizeUrl.replace(/#.*$/, ''));
  url.searchParams.set('user', user);
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get('location')!);
  return { code: back.searchParams.get(codeParam)!, state: back.searchParams.get('state'), back };
}

beforeAll(async () => {
  const lark = createLarkEmulator({ appId: 'cli_sso', appSecret: 'lark-secret', verificationToken: 'v', now });
  const larkBase = await serve('lark', lark.app.fetch);
  adapters.lark = createLarkAdapter(
    {
      appId: 'cli_sso',
      appSecret: 'lark-secret',
      verificationToken: 'v',
      encryptKey: 'sso-encrypt-key',
      domain: larkBase,
    },
    { now },
  );

  const wecom = createWecomEmulator({
    corpId: 'wwsso',
    agentId: '1000002',
    secret: 'wecom-secret',
    token: 't',
    encodingAesKey: 'a'.repeat(43),
    users: ['zhangsan'],
    now,
  });
  const wecomBase = await serve('wecom', wecom.app.fetch);
  adapters.wecom = createWecomAdapter(
    {
      corpId: 'wwsso',
      agentId: '1000002',
      secret: 'wecom-secret',
      token: 't',
      encodingAesKey: 'a'.repeat(43),
      apiBase: wecomBase,
    },
    { now },
  );

  const dingtalk = createDingtalkEmulator({
    clientId: 'dingsso',
    clientSecret: 'ding-secret',
    robotCode: 'dingsso',
    now,
  });
  const dingtalkBase = await serve('dingtalk', dingtalk.app.fetch);
  adapters.dingtalk = createDingtalkAdapter(
    { clientId: 'dingsso', clientSecret: 'ding-secret', robotCode: 'dingsso', mode: 'http', apiBase: dingtalkBase },
    { now },
  );
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const cases = [
  { platform: 'lark', user: 'ou_emily', codeParam: 'code', authorizePath: '/open-apis/authen/v1/authorize' },
  { platform: 'wecom', user: 'zhangsan', codeParam: 'code', authorizePath: '/connect/oauth2/authorize' },
  { platform: 'dingtalk', user: '0123456', codeParam: 'authCode', authorizePath: '/oauth2/auth' },
] as const;

describe.each(cases)('$platform exchangeLoginCode', ({ platform, user, codeParam, authorizePath }) => {
  it('builds the sign-in URL on the platform (here: its emulator) with the callback and state', () => {
    const url = new URL(adapters[platform].loginUrl!(CALLBACK, 'st4te'));
    expect(`${url.origin}${url.pathname}`).toBe(`${bases[platform]}${authorizePath}`);
    expect(url.searchParams.get('redirect_uri')).toBe(CALLBACK);
    expect(url.searchParams.get('state')).toBe('st4te');
  });

  it('turns a good code into the platform user id, once', async () => {
    const { code, state, back } = await signIn(adapters[platform].loginUrl!(CALLBACK, 'st4te'), user, codeParam);
    expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
    expect(state).toBe('st4te');
    expect(code).toMatch(/^[0-9a-f]{32}$/);
    expect((await adapters[platform].exchangeLoginCode!(code, CALLBACK)).platformUserId).toBe(user);
    // Codes are single use.
    await expect(adapters[platform].exchangeLoginCode!(code, CALLBACK)).rejects.toBeInstanceOf(LoginCodeError);
  });

  it('refuses an unknown code', async () => {
    await expect(adapters[platform].exchangeLoginCode!('0'.repeat(32), CALLBACK)).rejects.toBeInstanceOf(
      LoginCodeError,
    );
  });

  it('refuses a code older than 5 minutes', async () => {
    const { code } = await signIn(
      `${bases[platform]}/_emulator/oauth/authorize?redirect_uri=${encodeURIComponent(CALLBACK)}`,
      user,
      codeParam,
    );
    clock += 5 * 60_000 + 1;
    await expect(adapters[platform].exchangeLoginCode!(code, CALLBACK)).rejects.toBeInstanceOf(LoginCodeError);
  });
});

describe('platform specifics', () => {
  it('Lark: signs in through accounts.<domain>/open-apis/authen/v1/authorize and authen/v2/oauth/token', async () => {
    const feishu = createLarkAdapter({
      ...LARK_KEYS,
      appId: 'cli_x',
      appSecret: 's',
      domain: 'https://open.feishu.cn',
    });
    const url = new URL(feishu.loginUrl!(CALLBACK, 'st'));
    expect(`${url.origin}${url.pathname}`).toBe('https://accounts.feishu.cn/open-apis/authen/v1/authorize');
    expect(url.searchParams.get('client_id')).toBe('cli_x');
    const lark = createLarkAdapter({
      ...LARK_KEYS,
      appId: 'cli_x',
      appSecret: 's',
      domain: 'https://open.larksuite.com',
    });
    expect(new URL(lark.loginUrl!(CALLBACK, 'st')).host).toBe('accounts.larksuite.com');
    // The code is redeemed at the v2 token endpoint, and only for the redirect_uri it was issued for.
    const { code } = await signIn(adapters.lark.loginUrl!(CALLBACK, 's'), 'ou_emily');
    const error = await adapters.lark.exchangeLoginCode!(code, 'https://elsewhere.example/cb').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoginCodeError);
    expect((error as LoginCodeError).code).toBe(20024);
  });

  it('WeCom: someone outside the corp (openid, no userid) is refused', async () => {
    const { code } = await signIn(adapters.wecom.loginUrl!(CALLBACK, 's'), 'outsider');
    const error = await adapters.wecom.exchangeLoginCode!(code, CALLBACK).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoginCodeError);
    expect((error as LoginCodeError).message).toContain('not a member');
  });

  it('WeCom: the sign-in URL is the H5 one (snsapi_base, agentid, #wechat_redirect)', () => {
    const url = adapters.wecom.loginUrl!(CALLBACK, 's');
    expect(url).toMatch(/#wechat_redirect$/);
    const q = new URL(url).searchParams;
    expect([q.get('appid'), q.get('scope'), q.get('agentid'), q.get('response_type')]).toEqual([
      'wwsso',
      'snsapi_base',
      '1000002',
      'code',
    ]);
  });

  it('WeCom: the JS-SDK config is signed with the corp jsapi_ticket over the page URL without its fragment', async () => {
    const page = 'https://polaris.example/dashboard?platform=wecom';
    const cfg = await adapters.wecom.jsapiConfig!(`${page}#tree`);
    const token = (
      (await (await fetch(`${bases.wecom}/cgi-bin/gettoken?corpid=wwsso&corpsecret=wecom-secret`)).json()) as {
        access_token: string;
      }
    ).access_token;
    const { ticket } = (await (
      await fetch(`${bases.wecom}/cgi-bin/get_jsapi_ticket?access_token=${token}`)
    ).json()) as { ticket: string };
    expect(cfg.corpId).toBe('wwsso');
    expect(cfg.signature).toBe(await wecomJsapiSignature(ticket, String(cfg.nonceStr), Number(cfg.timestamp), page));
    expect(cfg.signature).toMatch(/^[0-9a-f]{40}$/);
  });

  it('the emulators refuse a redirect_uri that is not http(s) and ask for the user when none is given', async () => {
    expect(
      (
        await fetch(`${bases.lark}/_emulator/oauth/authorize?user=ou_x&redirect_uri=javascript:alert(1)`, {
          redirect: 'manual',
        })
      ).status,
    ).toBe(400);
    const form = await fetch(
      `${bases.dingtalk}/_emulator/oauth/authorize?redirect_uri=${encodeURIComponent(CALLBACK)}`,
      { redirect: 'manual' },
    );
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('<input id="user" name="user" required>');
  });
});
