// The dashboard through app.request(): login and session cookie, 401 without it,
// the JSON endpoints, scoping (person / manager / admin) and platform SSO.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestApp, ADMIN_TOKEN } from '../helpers/app';
import { serveOnNode } from '../../bots/common/emulator/serve';
import { createLarkEmulator } from '../../bots/lark/emulator';
import { createWecomEmulator } from '../../bots/wecom/emulator';
import { createDingtalkEmulator } from '../../bots/dingtalk/emulator';
import { loadDemo, type DemoSummary } from '../../storage/seed/demo';
import { identities, people } from '../../storage/schema';
import { createSession, SESSION_COOKIE } from '../../src/web/session';

type H = ReturnType<typeof createTestApp>;
let h: H;
let demo: DemoSummary;
let adminCookie = '';

const get = (path: string, cookie?: string, headers: Record<string, string> = {}) =>
  h.app.request(path, { headers: { ...(cookie ? { cookie } : {}), ...headers } });
async function personCookie(personId: string, orgId = demo.orgId) {
  const exp = Math.floor(h.clock.now().getTime() / 1000) + 3600;
  return `${SESSION_COOKIE}=${await createSession(h.store, ADMIN_TOKEN, { sub: personId, org: orgId, via: 'test', exp }, h.clock.now())}`;
}
async function personNamed(name: string) {
  const [p] = await h.store.db.select().from(people).where(eq(people.name, name));
  return p;
}

const emulators: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  // The platforms' OAuth sides, over real HTTP, for the SSO tests.
  const serve = async (fetchFn: (r: Request) => Response | Promise<Response>) => {
    const s = await serveOnNode(fetchFn);
    emulators.push(s);
    return s.url;
  };
  const lark = await serve(
    createLarkEmulator({ appId: 'cli_dash', appSecret: 'ls', verificationToken: 'v' }).app.fetch,
  );
  const wecom = await serve(
    createWecomEmulator({
      corpId: 'wwcorp',
      agentId: '1000002',
      secret: 's',
      token: 't',
      encodingAesKey: 'a'.repeat(43),
    }).app.fetch,
  );
  const dingtalk = await serve(
    createDingtalkEmulator({ clientId: 'dingdash', clientSecret: 'ds', robotCode: 'dingdash' }).app.fetch,
  );
  h = createTestApp({
    env: {
      WECOM_CORP_ID: 'wwcorp',
      WECOM_SECRET: 's',
      WECOM_TOKEN: 't',
      WECOM_ENCODING_AES_KEY: 'a'.repeat(43),
      WECOM_API_BASE: wecom,
      WECOM_AGENT_ID: '1000002',
      LARK_APP_ID: 'cli_dash',
      LARK_APP_SECRET: 'ls',
      LARK_VERIFICATION_TOKEN: 'v',
      LARK_ENCRYPT_KEY: 'dashboard-encrypt-key',
      LARK_DOMAIN: lark,
      DINGTALK_CLIENT_ID: 'dingdash',
      DINGTALK_CLIENT_SECRET: 'ds',
      DINGTALK_ROBOT_CODE: 'dingdash',
      DINGTALK_API_BASE: dingtalk,
    },
  });
  demo = await loadDemo(h.store, { now: h.clock.now() });
  const res = await h.app.request('/dashboard/login', {
    method: 'POST',
    body: new URLSearchParams({ token: ADMIN_TOKEN }),
  });
  adminCookie = res.headers.get('set-cookie')!.split(';')[0];
});
afterAll(async () => {
  h.close();
  await Promise.all(emulators.map((e) => e.close()));
});

describe('dashboard login', () => {
  it('answers 401 with the login form without a session', async () => {
    const res = await get('/dashboard');
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('<form method="post" action="/dashboard/login"');
    expect(html).toContain('<label for="token">管理员令牌</label>');
  });

  it('refuses a wrong token and sets no cookie', async () => {
    const res = await h.app.request('/dashboard/login', {
      method: 'POST',
      body: new URLSearchParams({ token: 'nope' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('令牌不正确');
  });

  it('sets an HttpOnly, SameSite=Strict, expiring session cookie and redirects', async () => {
    const res = await h.app.request('/dashboard/login', {
      method: 'POST',
      body: new URLSearchParams({ token: ADMIN_TOKEN }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^polaris_dash=[\w-]+\.[\w-]+;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Max-Age=43200/);
    expect(cookie).toMatch(/Path=\/dashboard/);
  });

  it('shows the admin everything: tree shell, figures, approvals and the rules empty state', async () => {
    const res = await get('/dashboard', adminCookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('星火教育集团');
    expect(html).toContain('id="tree" role="tree"');
    expect(html).toContain('id="status-chart"');
    expect(html).toContain('本月新增两个班'); // the demo's pending adjustment
    expect(html).toContain('还没有预警规则');
    expect(html).toContain('/dashboard/assets/echarts.min.js');
  });

  it('switches to English with ?lang=en and remembers it', async () => {
    const res = await get('/dashboard?lang=en', adminCookie);
    expect(await res.text()).toContain('Alignment tree');
    expect(res.headers.get('set-cookie')).toContain('polaris_lang=en');
  });

  it('rejects tampered and expired cookies', async () => {
    const [name, value] = adminCookie.split('=');
    const [body, sig] = value.split('.');
    const forged = `${name}=${btoa(JSON.stringify({ sub: 'admin', via: 'x', exp: 9e9 })).replace(/=+$/, '')}.${sig}`;
    expect((await get('/dashboard/data/tree', forged)).status).toBe(401);
    expect((await get('/dashboard/data/tree', `${name}=${body}.${sig.slice(0, -2)}AA`)).status).toBe(401);
    h.clock.advance(13 * 3600_000);
    try {
      expect((await get('/dashboard/data/tree', adminCookie)).status).toBe(401);
    } finally {
      h.clock.advance(-13 * 3600_000);
    }
  });

  it('logs out by clearing the cookie and revoking its session', async () => {
    const login = await h.app.request('/dashboard/login', {
      method: 'POST',
      body: new URLSearchParams({ token: ADMIN_TOKEN }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    expect((await get('/dashboard/data/cycles', cookie)).status).toBe(200);
    const res = await h.app.request('/dashboard/logout', { method: 'POST', headers: { cookie } });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/polaris_dash=;.*Max-Age=0/);
    expect((await get('/dashboard/data/cycles', cookie)).status).toBe(401);
    expect((await get('/dashboard/data/cycles', adminCookie)).status).toBe(200);
  });
});

describe('dashboard data', () => {
  it('needs a session or the bearer token', async () => {
    const res = await get('/dashboard/data/tree');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect((await get('/dashboard/data/tree', undefined, { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(200);
    expect((await get('/dashboard/data/tree', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
  });

  it('serves the tree lazily: roots and one level, then a subtree', async () => {
    const top = (await (await get('/dashboard/data/tree?depth=1', adminCookie)).json()) as {
      roots: string[];
      nodes: { id: string; title: string; childCount: number; parentObjectiveId: string | null }[];
    };
    const company = top.nodes.find((n) => n.title.startsWith('续费驱动增长'))!;
    expect(top.roots).toContain(company.id);
    const dept = top.nodes.find((n) => n.title.startsWith('打造高满意度课堂'))!;
    expect(dept.parentObjectiveId).toBe(company.id);
    expect(dept.childCount).toBeGreaterThan(30);
    expect(top.nodes.some((n) => n.parentObjectiveId === dept.id)).toBe(false); // not loaded yet
    const sub = (await (await get(`/dashboard/data/tree?root=${dept.id}&depth=1`, adminCookie)).json()) as {
      nodes: { parentObjectiveId: string | null }[];
    };
    expect(sub.nodes.filter((n) => n.parentObjectiveId === dept.id)).toHaveLength(dept.childCount);
    expect((await get('/dashboard/data/tree?depth=99', adminCookie)).status).toBe(400);
  });

  it('finds a teacher and shows the chain to the north-star KR with contributions', async () => {
    const found = (await (
      await get(`/dashboard/data/search?q=${encodeURIComponent('Emily')}`, adminCookie)
    ).json()) as { people: { name: string; objectives: { id: string }[] }[] };
    expect(found.people.map((p) => p.name)).toEqual(['Emily Carter']);
    const objId = found.people[0].objectives[0].id;
    const detail = (await (await get(`/dashboard/data/node/${objId}`, adminCookie)).json()) as {
      upstream: {
        objective: { title: string };
        viaKr: { title: string; alignedCount: number };
        share: number;
        cumulative: number;
        rollsUp: boolean;
      }[];
    };
    expect(detail.upstream).toHaveLength(2);
    const [dept, company] = detail.upstream;
    expect(dept.viaKr.title).toBe('课程满意度 ≥ 4.7');
    expect(dept.rollsUp).toBe(true);
    expect(dept.share).toBeCloseTo(0.5 / dept.viaKr.alignedCount, 10); // 2 equally weighted KRs
    expect(company.viaKr.title).toBe('学员续费率提升至68%');
    expect(company.rollsUp).toBe(false); // a metric KR: aligned, not rolled up
    expect(company.cumulative).toBeCloseTo(dept.share * company.share, 12);
    const path = (await (await get(`/dashboard/data/path/${objId}`, adminCookie)).json()) as { path: string[] };
    expect(path.path).toHaveLength(3);
    expect(path.path[2]).toBe(objId);
  });

  it('lists the downstream contributors of the department objective', async () => {
    const top = (await (await get('/dashboard/data/tree?depth=1', adminCookie)).json()) as {
      nodes: { id: string; title: string; childCount: number }[];
    };
    const dept = top.nodes.find((n) => n.title.startsWith('打造高满意度课堂'))!;
    const detail = (await (await get(`/dashboard/data/node/${dept.id}`, adminCookie)).json()) as {
      downstream: { share: number }[];
      hiddenContributors: number;
    };
    expect(detail.downstream).toHaveLength(dept.childCount);
    expect(detail.hiddenContributors).toBe(0);
  });

  it('gives stats, approvals and rules to the admin', async () => {
    const stats = (await (await get('/dashboard/data/stats', adminCookie)).json()) as {
      alignmentRate: number;
      scoreTenths: number[];
    };
    expect(stats.alignmentRate).toBeGreaterThan(0.9);
    expect(stats.scoreTenths).toHaveLength(11);
    const approvals = (await (await get('/dashboard/data/approvals', adminCookie)).json()) as {
      approvals: { kind: string; reason: string }[];
    };
    expect(approvals.approvals).toHaveLength(1);
    expect(((await (await get('/dashboard/data/rules', adminCookie)).json()) as { rules: unknown[] }).rules).toEqual(
      [],
    );
  });

  it('answers 404 for an unknown objective and an unknown cycle', async () => {
    expect((await get('/dashboard/data/node/obj_nope', adminCookie)).status).toBe(404);
    expect((await get('/dashboard/data/tree?cycle=nope', adminCookie)).status).toBe(404);
  });
});

describe('dashboard scoping', () => {
  it('shows a teacher only their own chain', async () => {
    const emily = await personNamed('Emily Carter');
    const cookie = await personCookie(emily.id);
    const tree = (await (await get('/dashboard/data/tree?depth=1', cookie)).json()) as {
      scope: string;
      nodes: { ownerId: string; ownerType: string; title: string }[];
    };
    expect(tree.scope).toBe('self');
    // Her own objective, and the company's (everyone sees what their work is for), nothing else.
    expect(tree.nodes.filter((n) => n.ownerType !== 'company').map((n) => n.ownerId)).toEqual([emily.id]);
    expect(tree.nodes.some((n) => n.ownerType === 'company' && n.title.startsWith('续费驱动增长'))).toBe(true);
    // Someone else's objective: forbidden. Their own: with the full chain as context.
    const james = await personNamed('James Miller');
    const other = (await (await get('/dashboard/data/search?q=James', adminCookie)).json()) as {
      people: { objectives: { id: string }[] }[];
    };
    expect((await get(`/dashboard/data/node/${other.people[0].objectives[0].id}`, cookie)).status).toBe(403);
    expect((await get('/dashboard/data/search?q=James', cookie)).status).toBe(200);
    expect(
      ((await (await get('/dashboard/data/search?q=James', cookie)).json()) as { people: unknown[] }).people,
    ).toEqual([]);
    expect(james).toBeTruthy();
    expect((await get('/dashboard/data/stats', cookie)).status).toBe(403);
    const page = await (await get('/dashboard', cookie)).text();
    expect(page).not.toContain('id="status-chart"');
    expect(page).toContain('Emily Carter'); // signed in as
  });

  it('shows a centre manager their team', async () => {
    const emily = await personNamed('Emily Carter');
    const manager = (await h.store.db.select().from(people).where(eq(people.id, emily.managerId!)))[0];
    const cookie = await personCookie(manager.id);
    const tree = (await (await get('/dashboard/data/tree?depth=1', cookie)).json()) as {
      scope: string;
      nodes: { ownerId: string; title: string }[];
    };
    expect(tree.scope).toBe('team');
    expect(tree.nodes.some((n) => n.ownerId === emily.id)).toBe(true);
    // The company objective is shown to everyone; the other centres' objectives are not.
    expect(tree.nodes.some((n) => n.title.startsWith('续费驱动增长'))).toBe(true);
    const approvals = (await (await get('/dashboard/data/approvals', cookie)).json()) as { approvals: unknown[] };
    expect(approvals.approvals.length).toBeLessThanOrEqual(1);
  });

  it('shows a person with role admin everything', async () => {
    const cookie = await personCookie(demo.adminId);
    const tree = (await (await get('/dashboard/data/tree?depth=1', cookie)).json()) as { scope: string };
    expect(tree.scope).toBe('all');
    expect((await get('/dashboard/data/stats', cookie)).status).toBe(200);
  });
});

const sessionFrom = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith('polaris_dash='))!;

/** What a workbench does: our /start → the platform's sign-in page → back to us with a code. */
async function ssoSignIn(platform: 'lark' | 'wecom' | 'dingtalk', personId: string) {
  const [identity] = await h.store.db
    .select()
    .from(identities)
    .where(and(eq(identities.personId, personId), eq(identities.platform, platform)));
  const start = await get(`/dashboard/sso/${platform}/start`);
  expect(start.status).toBe(302);
  const stateCookie = start.headers.get('set-cookie')!.split(';')[0];
  expect(stateCookie).toMatch(/^polaris_sso_state=[0-9a-f]{32}$/);
  expect(start.headers.get('set-cookie')).toMatch(/SameSite=Lax/);
  const authorize = new URL(start.headers.get('location')!.replace(/#.*$/, ''));
  authorize.searchParams.set('user', identity.platformUserId); // who is signed in to the platform's client
  const back = await fetch(authorize, { redirect: 'manual' });
  expect(back.status).toBe(302);
  const callback = new URL(back.headers.get('location')!);
  expect(callback.pathname).toBe(`/dashboard/sso/${platform}`);
  return { callback: `${callback.pathname}${callback.search}`, stateCookie };
}

describe('dashboard SSO (against the emulated platforms over HTTP)', () => {
  it('WeCom: a teacher signs in with a code and sees only their own chain', async () => {
    const emily = await personNamed('Emily Carter');
    const { callback, stateCookie } = await ssoSignIn('wecom', emily.id);
    const res = await get(callback, stateCookie);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('url=/dashboard?platform=wecom');
    const cookie = sessionFrom(res);
    const tree = (await (await get('/dashboard/data/tree', cookie)).json()) as {
      scope: string;
      nodes: { ownerId: string; ownerType: string }[];
    };
    expect(tree.scope).toBe('self');
    expect(tree.nodes.filter((n) => n.ownerType !== 'company').map((n) => n.ownerId)).toEqual([emily.id]);
    // The code was spent: the same callback again is refused and opens nothing.
    const again = await get(callback, stateCookie);
    expect(again.status).toBe(401);
    expect(again.headers.get('set-cookie') ?? '').not.toContain('polaris_dash=');
  });

  it('Lark: a centre manager signs in and sees their team', async () => {
    const emily = await personNamed('Emily Carter');
    const { callback, stateCookie } = await ssoSignIn('lark', emily.managerId!);
    const res = await get(callback, stateCookie);
    expect(res.status).toBe(200);
    const cookie = sessionFrom(res);
    const tree = (await (await get('/dashboard/data/tree?depth=1', cookie)).json()) as {
      scope: string;
      nodes: { ownerId: string }[];
    };
    expect(tree.scope).toBe('team');
    expect(tree.nodes.some((n) => n.ownerId === emily.id)).toBe(true);
  });

  it('DingTalk: the admin signs in (authCode → unionId → staff id) and sees everything', async () => {
    const { callback, stateCookie } = await ssoSignIn('dingtalk', demo.adminId);
    expect(callback).toContain('authCode=');
    const res = await get(callback, stateCookie);
    expect(res.status).toBe(200);
    const cookie = sessionFrom(res);
    expect(((await (await get('/dashboard/data/tree', cookie)).json()) as { scope: string }).scope).toBe('all');
    expect((await get('/dashboard/data/stats', cookie)).status).toBe(200);
  });

  it('refuses a callback without the state this browser started with', async () => {
    const emily = await personNamed('Emily Carter');
    const { callback } = await ssoSignIn('wecom', emily.id);
    const res = await get(callback, 'polaris_sso_state=0123456789abcdef0123456789abcdef');
    expect(res.status).toBe(400);
    expect(res.headers.get('set-cookie') ?? '').not.toContain('polaris_dash=');
  });

  it('refuses an unknown code and a person the org does not know', async () => {
    const start = await get('/dashboard/sso/lark/start');
    const stateCookie = start.headers.get('set-cookie')!.split(';')[0];
    const state = stateCookie.split('=')[1];
    expect((await get(`/dashboard/sso/lark?code=${'0'.repeat(32)}&state=${state}`, stateCookie)).status).toBe(401);
    const authorize = new URL(start.headers.get('location')!);
    authorize.searchParams.set('user', 'ou_nobody');
    const back = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!);
    const res = await get(`${back.pathname}${back.search}`, stateCookie);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('还没有加入 Polaris');
  });

  it('sends a workbench visit without a code to the platform, and a declined sign-in to an error, not a loop', async () => {
    const res = await get('/dashboard/sso/dingtalk');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toContain('/oauth2/auth?');
    expect((await get('/dashboard/sso/dingtalk?state=x&error=access_denied')).status).toBe(400);
    const wecom = await get('/dashboard/sso/wecom/start');
    expect(wecom.headers.get('location')).toMatch(
      /\/connect\/oauth2\/authorize\?appid=wwcorp&redirect_uri=http%3A%2F%2Flocalhost%2Fdashboard%2Fsso%2Fwecom&.*#wechat_redirect$/,
    );
  });

  it('refuses unknown platforms', async () => {
    expect((await get('/dashboard/sso/slack?code=x')).status).toBe(404);
    expect((await get('/dashboard/sso/slack/start')).status).toBe(404);
  });
});

describe('dashboard as a WeCom H5 page', () => {
  it('loads the JS-SDK and the share script only in WeCom, and serves the SDK from node_modules', async () => {
    const plain = await (await get('/dashboard', adminCookie)).text();
    expect(plain).not.toContain('/dashboard/sso/wecom/h5.js');
    const inWecom = await (await get('/dashboard?platform=wecom', adminCookie)).text();
    expect(inWecom).toContain(
      '<script src="/dashboard/sso/wecom/jssdk.js" defer></script><script src="/dashboard/sso/wecom/h5.js" defer></script></body>',
    );
    const byAgent = await (
      await get('/dashboard', adminCookie, { 'user-agent': 'Mozilla/5.0 wxwork/4.1.22 MicroMessenger/7.0.1' })
    ).text();
    expect(byAgent).toContain('/dashboard/sso/wecom/h5.js');
    const sdk = await get('/dashboard/sso/wecom/jssdk.js');
    expect(sdk.status).toBe(200);
    expect(await sdk.text()).toContain('shareAppMessage');
    expect(await (await get('/dashboard/sso/wecom/h5.js')).text()).toContain('ww.shareAppMessage');
  });

  it('signs the JS-SDK config for our own pages, for signed-in people only', async () => {
    const url = encodeURIComponent('http://localhost/dashboard?platform=wecom');
    expect((await get(`/dashboard/sso/wecom/jsapi-config?url=${url}`)).status).toBe(401);
    const cfg = (await (await get(`/dashboard/sso/wecom/jsapi-config?url=${url}`, adminCookie)).json()) as {
      corpId: string;
      signature: string;
    };
    expect(cfg.corpId).toBe('wwcorp');
    expect(cfg.signature).toMatch(/^[0-9a-f]{40}$/);
    expect(
      (await get(`/dashboard/sso/wecom/jsapi-config?url=${encodeURIComponent('https://evil.example/')}`, adminCookie))
        .status,
    ).toBe(400);
  });
});
