// Playground mode over real HTTP: `npm start` with no credentials serves
// /playground, loads the demo org once, and every message and click the page
// sends travels emulator → /webhooks/<platform> → bot → emulated platform API.
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../bots/types';
import { organizations, processedEvents } from '../../storage/schema';
import { startStack } from '../helpers/e2e';
import { startPlayground, waitFor, type RunningPlayground } from './helpers';

interface Item {
  id: string;
  from: string;
  format: string;
  text?: string;
  card?: Record<string, unknown>;
  updates: number;
  replacedButton?: string;
}
interface Person {
  id: string;
  name: string;
  group: string;
  hasObjectives: boolean;
  managerId: string | null;
  ids: Record<string, string>;
}

let pg: RunningPlayground;
let teacher: Person;

async function conversation(platform: Platform, person: string): Promise<Item[]> {
  const res = await pg.get(`/playground/api/messages?platform=${platform}&person=${person}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: Item[] }).messages;
}

async function eventCount(platform: Platform): Promise<number> {
  const [{ n }] = await pg.server.store.db
    .select({ n: count() })
    .from(processedEvents)
    .where(eq(processedEvents.platform, platform));
  return n;
}

beforeAll(async () => {
  pg = await startPlayground();
  const org = (await (await pg.get('/playground/api/people')).json()) as { people: Person[] };
  teacher = org.people.find(
    (p) => p.group === 'teacher' && p.hasObjectives && p.ids.lark && p.ids.wecom && p.ids.dingtalk,
  )!;
});
afterAll(async () => {
  await pg?.stop();
});

describe('playground mode', () => {
  it('runs when no platform is configured: all three platforms emulated, demo org loaded', async () => {
    expect(pg.server.playground).toBeDefined();
    const health = (await (await pg.get('/healthz')).json()) as { platforms: string[] };
    expect(health.platforms.sort()).toEqual(['dingtalk', 'lark', 'wecom']);
    expect(pg.server.config.lark?.domain).toBe(`http://127.0.0.1:${pg.server.port}/emulators/lark`);
    expect(pg.server.config.wecom?.apiBase).toBe(`http://127.0.0.1:${pg.server.port}/emulators/wecom`);
    expect(pg.server.config.dingtalk?.apiBase).toBe(`http://127.0.0.1:${pg.server.port}/emulators/dingtalk`);
    expect(teacher).toBeDefined();
    const [{ n }] = await pg.server.store.db.select({ n: count() }).from(organizations);
    expect(n).toBe(1);
  });

  it('generates its own secrets for each run, never fixed ones', async () => {
    const other = await startPlayground();
    try {
      expect(other.server.config.lark?.appSecret).not.toBe(pg.server.config.lark?.appSecret);
      expect(other.server.config.wecom?.encodingAesKey).toMatch(/^[A-Za-z0-9+/]{43}$/);
      expect(other.server.config.wecom?.encodingAesKey).not.toBe(pg.server.config.wecom?.encodingAesKey);
      expect(other.server.config.dingtalk?.clientSecret).not.toBe(pg.server.config.dingtalk?.clientSecret);
    } finally {
      await other.stop();
    }
  });

  it('serves the page in Chinese by default and in English on request, and its script', async () => {
    const zh = await (await pg.get('/playground')).text();
    expect(zh).toContain('<html lang="zh-CN"');
    expect(zh).toContain('Polaris 体验场');
    expect(zh).toContain('<label for="person"');
    expect(zh).toContain('<label for="composer-input"');
    const en = await (await pg.get(`/playground?platform=wecom&person=${teacher.id}&lang=en`)).text();
    expect(en).toContain('<html lang="en"');
    expect(en).toContain('Polaris Playground');
    expect(en).toContain('aria-current="page">WeCom');
    const js = await pg.get('/playground/app.js');
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(await js.text()).toContain('/playground/api/send');
    expect((await pg.get('/')).url).toContain('/playground');
  });

  it('refuses an unknown person= id visibly instead of chatting as someone else, and serves a favicon', async () => {
    const res = await pg.get(`/playground?platform=lark&person=p_nobody%3Cb%3E&lang=en`);
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('no employee with the id &quot;p_nobody&lt;b&gt;&quot;');
    // Nobody is selected and the composer is off: the page does not pose as the default person.
    expect(html).not.toMatch(/<option[^>]*selected/);
    expect(html).toContain('&quot;person&quot;:&quot;&quot;');
    expect(html).not.toContain('class="who-name"');
    const zh = await (await pg.get('/playground?person=p_nobody')).text();
    expect(zh).toContain('没有 ID 为“p_nobody”的员工');
    // A known id still selects that person.
    const known = await pg.get(`/playground?person=${teacher.id}`);
    expect(known.status).toBe(200);
    expect(await known.text()).toContain(`<p class="who-name">${teacher.name}</p>`);

    expect(html).toContain('<link rel="icon" href="/favicon.svg"');
    const ico = await pg.get('/favicon.ico');
    expect(ico.status).toBe(200);
    expect(ico.headers.get('content-type')).toBe('image/x-icon');
    const bytes = new Uint8Array(await ico.arrayBuffer());
    expect([...bytes.slice(0, 4)]).toEqual([0, 0, 1, 0]); // ICONDIR: reserved 0, type 1 (icon)
    expect([...bytes.slice(22, 26)]).toEqual([0x89, 0x50, 0x4e, 0x47]); // its image is a PNG
    const svg = await pg.get('/favicon.svg');
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(await svg.text()).toMatch(/^<svg /);
  });

  for (const platform of ['lark', 'wecom', 'dingtalk'] as const) {
    it(`${platform}: 我的OKR goes through /webhooks/${platform} and comes back as that platform's card; a click updates it`, async () => {
      const before = await eventCount(platform);
      const sent = await pg.post('/playground/api/send', { platform, person: teacher.id, text: '我的OKR' });
      expect(sent.status).toBe(200);
      expect(await sent.json()).toMatchObject({ ok: true, webhook: `/webhooks/${platform}` });
      // The bot recorded a verified, decrypted platform event.
      expect(await eventCount(platform)).toBe(before + 1);

      const format = `${platform}_card`;
      const card = await waitFor(
        async () => (await conversation(platform, teacher.id)).find((m) => m.format === format),
        `the ${platform} card`,
      );
      const items = await conversation(platform, teacher.id);
      expect(items[0]).toMatchObject({ from: 'user', text: '我的OKR' });
      const json = JSON.stringify(card.card);
      expect(json).toContain('KR1');

      // Click "更新 KR1" with exactly what that platform's button carries.
      let click: Record<string, unknown>;
      if (platform === 'lark') {
        expect(card.card).toMatchObject({ schema: '2.0' });
        const value = JSON.parse(json.match(/"behaviors":\[\{"type":"callback","value":(\{.*?\}\})\}\]/)![1]);
        click = { value };
      } else if (platform === 'wecom') {
        expect(card.card).toMatchObject({ card_type: 'button_interaction' });
        click = { key: (card.card!.button_list as { key: string }[])[0].key };
      } else {
        expect(card.card).toHaveProperty('markdown');
        const [button] = JSON.parse(String(card.card!.buttons)) as { action: string; value: string }[];
        click = { action: button.action, value: button.value };
      }
      const clicked = await pg.post('/playground/api/click', {
        platform,
        person: teacher.id,
        message: card.id,
        ...click,
      });
      expect(clicked.status).toBe(200);
      // The KR card arrives: in place on Lark, as an update or a new card elsewhere.
      await waitFor(async () => {
        const now = await conversation(platform, teacher.id);
        return now.some((m) => m.updates > 0 || (m.id !== card.id && /card/.test(m.format)));
      }, `the ${platform} card after the click`);
    });
  }

  for (const platform of ['lark', 'wecom', 'dingtalk'] as const) {
    it(`${platform}: "open the dashboard as this person" signs in through the emulated ${platform} OAuth and the dashboard's SSO`, async () => {
      const res = await fetch(`${pg.base}/playground/dashboard`, {
        method: 'POST',
        body: new URLSearchParams({ person: teacher.id, platform }),
        redirect: 'manual',
      });
      expect(res.status).toBe(303);
      const authorize = res.headers.get('location')!;
      expect(authorize.startsWith(`/emulators/${platform}/_emulator/oauth/authorize?`)).toBe(true);
      expect(new URL(authorize, pg.base).searchParams.get('user')).toBe(teacher.ids[platform]);
      const state = res.headers
        .getSetCookie()
        .find((c) => c.startsWith('polaris_sso_state='))!
        .split(';')[0];
      expect(res.headers.getSetCookie().some((c) => c.startsWith('polaris_dash='))).toBe(false); // no session signed directly
      const back = await fetch(`${pg.base}${authorize}`, { redirect: 'manual' });
      expect(back.status).toBe(302);
      const callback = new URL(back.headers.get('location')!);
      expect(callback.pathname).toBe(`/dashboard/sso/${platform}`);
      const signedIn = await fetch(callback, { headers: { cookie: state }, redirect: 'manual' });
      expect(signedIn.status).toBe(200);
      const session = signedIn.headers
        .getSetCookie()
        .find((c) => c.startsWith('polaris_dash='))!
        .split(';')[0];
      const tree = (await (await fetch(`${pg.base}/dashboard/data/tree`, { headers: { cookie: session } })).json()) as {
        scope: string;
        nodes: { ownerId: string; ownerType: string }[];
      };
      expect(tree.scope).toBe('self');
      // Their own objectives, and the company's (everyone sees the company goal, issue 19).
      const own = tree.nodes.filter((n) => n.ownerType !== 'company');
      expect(own.length).toBeGreaterThan(0);
      expect(own.every((n) => n.ownerId === teacher.id)).toBe(true);
      expect(tree.nodes.some((n) => n.ownerType === 'company')).toBe(true);
    });
  }

  it('"open the dashboard" refuses someone without an identity on that platform', async () => {
    const res = await fetch(`${pg.base}/playground/dashboard`, {
      method: 'POST',
      body: new URLSearchParams({ person: 'p_nobody', platform: 'lark' }),
      redirect: 'manual',
    });
    expect(res.status).toBe(404);
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const before = await eventCount('lark');
    const cases: [unknown, number][] = [
      [{ platform: 'slack', person: teacher.id, text: 'hi' }, 400],
      [{ platform: 'lark', person: teacher.id, text: '   ' }, 400],
      [{ platform: 'lark', person: 'p_nobody', text: 'hi' }, 404],
    ];
    for (const [body, status] of cases) {
      const res = await pg.post('/playground/api/send', body);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBeTruthy();
    }
    const notJson = await fetch(`${pg.base}/playground/api/send`, {
      method: 'POST',
      body: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    const forged = await pg.post('/playground/api/click', {
      platform: 'lark',
      person: teacher.id,
      message: 'om_missing',
      value: { action_id: 'adj.approve', params: {} },
    });
    expect(forged.status).toBe(404);
    expect(await eventCount('lark')).toBe(before);
  });

  it('loads the demo only into an empty database', async () => {
    const first = await startPlayground();
    const path = first.dbPath;
    await first.stop(true);
    const again = await startPlayground({ dbPath: path });
    try {
      expect(await again.server.playground!.seed(new Date())).toBe(false);
      const [{ n }] = await again.server.store.db.select({ n: count() }).from(organizations);
      expect(n).toBe(1);
    } finally {
      await again.stop();
    }
  });
});

describe('with real platform credentials', () => {
  it('serves neither /playground nor the emulators', async () => {
    const stack = await startStack();
    try {
      expect(stack.server.playground).toBeUndefined();
      for (const path of [
        '/playground',
        '/playground/app.js',
        '/playground/api/messages?platform=lark&person=x',
        '/emulators/lark/open-apis/auth/v3/tenant_access_token/internal',
      ]) {
        expect((await fetch(`${stack.base}${path}`)).status).toBe(404);
      }
      const send = await fetch(`${stack.base}/playground/api/send`, { method: 'POST', body: '{}' });
      expect(send.status).toBe(404);
      const health = (await (await fetch(`${stack.base}/healthz`)).json()) as { platforms: string[] };
      expect(health.platforms).toEqual(['lark']);
    } finally {
      await stack.stop();
    }
  });

  it('PLAYGROUND=off keeps an unconfigured server plain', async () => {
    const plain = await startPlayground({ env: { PLAYGROUND: 'off' } });
    try {
      expect(plain.server.playground).toBeUndefined();
      expect((await plain.get('/playground')).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});
