// Issue 21, item 1: the playground is closed by default. It used to listen on every
// interface, let anyone read the emulator call log (with app_secret) and drive the emulator
// controls, and its emulated sign-in (`?user=`) signed in people of a real org imported beside
// the demo, as an admin even with ADMIN_TOKEN set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config';
import { startNode } from '../../src/node';
import { tempDbPath } from '../helpers/app';
import { startPlayground, type RunningPlayground } from '../playground/helpers';

const ADMIN = 'playground-security-admin-0123456789';
const REAL_ADMIN_WECOM_ID = 'real.ceo';

let pg: RunningPlayground;
const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${pg.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

beforeAll(async () => {
  pg = await startPlayground({ env: { ADMIN_TOKEN: ADMIN } });
});
afterAll(async () => {
  await pg?.stop();
});

describe('the playground is closed by default', () => {
  it('listens on loopback only and says what it exposes', () => {
    const address = pg.server.server.address();
    expect(typeof address === 'object' && address?.address).toBe('127.0.0.1');
    const lines = pg.server.playground!.exposure(pg.base).join('\n');
    expect(lines).toMatch(/only to this machine \(127\.0\.0\.1\)/);
    expect(lines).toMatch(/demo org/);
    expect(lines).not.toContain(pg.server.config.lark!.appSecret);
  });

  it('refuses to listen beyond loopback unless PLAYGROUND=on says so', async () => {
    const db = tempDbPath();
    try {
      const start = (env: Record<string, string>) =>
        startNode({ env, config: { port: 0, databasePath: db.path }, quiet: true, scheduler: false });
      const refused = await start({ HOST: '0.0.0.0' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ConfigError);
      expect(String((refused as Error).message)).toMatch(/HOST=0\.0\.0\.0.*PLAYGROUND=on/);
      const open = await start({ HOST: '0.0.0.0', PLAYGROUND: 'on' });
      try {
        const address = open.server.address();
        expect(typeof address === 'object' && address?.address).toBe('0.0.0.0');
        expect(open.playground!.exposure(open.url).join('\n')).toMatch(/to everyone who can reach 0\.0\.0\.0/);
      } finally {
        await open.stop();
      }
    } finally {
      db.cleanup();
    }
  });

  it('keeps the emulator controls and call logs off the network, and no secret in any call log', async () => {
    // The bot has called every emulated API at least for a token by now.
    expect(
      (await pg.post('/playground/api/send', { platform: 'lark', person: await demoPersonId(), text: '帮助' })).status,
    ).toBe(200);
    expect(
      (await pg.post('/playground/api/send', { platform: 'wecom', person: await demoPersonId(), text: '帮助' })).status,
    ).toBe(200);
    expect(
      (await pg.post('/playground/api/send', { platform: 'dingtalk', person: await demoPersonId(), text: '帮助' }))
        .status,
    ).toBe(200);
    for (const path of [
      '/emulators/lark/_emulator/calls',
      '/emulators/lark/_emulator/messages',
      '/emulators/wecom/_emulator/messages',
    ])
      expect((await pg.get(path)).status).toBe(404);
    const forged = await pg.post('/emulators/lark/_emulator/deliver', { openId: 'ou_anyone', text: 'KR1 100' });
    expect(forged.status).toBe(404);

    const { lark, wecom, dingtalk } = pg.server.config;
    const emulators = pg.server.playground!.emulators;
    await waitUntil(
      () =>
        emulators.wecom.calls.some((c) => c.path === '/cgi-bin/message/send') &&
        emulators.lark.calls.some((c) => c.path.endsWith('/tenant_access_token/internal')),
    );
    const logs = JSON.stringify([emulators.lark.calls, emulators.wecom.calls, emulators.dingtalk.calls]);
    expect(emulators.lark.calls.some((c) => c.path.endsWith('/tenant_access_token/internal'))).toBe(true);
    expect(emulators.wecom.calls.some((c) => c.path === '/cgi-bin/gettoken')).toBe(true);
    for (const secret of [lark!.appSecret, wecom!.secret, dingtalk!.clientSecret]) expect(logs).not.toContain(secret);
    expect(logs).toContain('[redacted]');
  });

  it('signs in only people of the demo org, and closes once a real org exists beside it', async () => {
    // A real org is imported through the API while the playground runs.
    expect((await api('POST', '/api/v1/orgs', { name: '真实公司', slug: 'real' })).status).toBe(201);
    const imported = await api(
      'POST',
      '/api/v1/people/import',
      [{ external_id: 'R1', name: '老板', role: 'admin', wecom_userid: REAL_ADMIN_WECOM_ID }],
      { 'x-polaris-org': 'real' },
    );
    expect(imported.status).toBe(200);

    // The emulated WeCom sign-in page refuses the real org's admin (it used to answer 302 with a code).
    const callback = `${pg.base}/dashboard/sso/wecom`;
    const authorize = (user: string) =>
      fetch(
        `${pg.base}/emulators/wecom/_emulator/oauth/authorize?user=${encodeURIComponent(user)}&redirect_uri=${encodeURIComponent(callback)}&state=s`,
        { redirect: 'manual' },
      );
    // Closed now: the whole playground answers 403 and says why, in Chinese by default.
    const closed = await authorize(REAL_ADMIN_WECOM_ID);
    expect(closed.status).toBe(403);
    expect(((await closed.json()) as { error: { message: string } }).error.message).toMatch(/演练场已关闭/);
    const page = await pg.get('/playground?lang=en');
    expect(page.status).toBe(403);
    expect(((await page.json()) as { error: { message: string } }).error.message).toMatch(/playground is closed/);

    // Restarting on this database refuses, naming the ways out.
    const path = pg.dbPath;
    await pg.stop(true);
    const refused = await startPlayground({ dbPath: path, env: { ADMIN_TOKEN: ADMIN } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toMatch(/PLAYGROUND=off.*PLAYGROUND=on/s);

    // PLAYGROUND=off: the server runs, without the playground.
    const plain = await startPlayground({ dbPath: path, env: { ADMIN_TOKEN: ADMIN, PLAYGROUND: 'off' } });
    expect(plain.server.playground).toBeUndefined();
    await plain.stop(true);

    // PLAYGROUND=on: it runs, but shows and signs in the demo org only.
    pg = await startPlayground({ dbPath: path, env: { ADMIN_TOKEN: ADMIN, PLAYGROUND: 'on' } });
    const people = (await (await pg.get('/playground/api/people')).json()) as { people: { ids: { wecom?: string } }[] };
    expect(people.people.length).toBeGreaterThan(10);
    expect(people.people.some((p) => p.ids.wecom === REAL_ADMIN_WECOM_ID)).toBe(false);
    const real = await authorize(REAL_ADMIN_WECOM_ID);
    expect(real.status).toBe(403);
    const demo = people.people.find((p) => p.ids.wecom)!.ids.wecom!;
    const ok = await authorize(demo);
    expect(ok.status).toBe(302);
    // The playground's own routes refuse a real org's person as well.
    const realPerson = (await (await api('GET', '/api/v1/people', undefined, { 'x-polaris-org': 'real' })).json()) as {
      items: { id: string }[];
    };
    const id = realPerson.items[0].id;
    expect((await pg.get(`/playground/api/messages?platform=wecom&person=${id}`)).status).toBe(404);
    const dash = await fetch(`${pg.base}/playground/dashboard`, {
      method: 'POST',
      body: new URLSearchParams({ person: id, platform: 'wecom' }),
      redirect: 'manual',
    });
    expect(dash.status).toBe(404);
  });
});

async function demoPersonId(): Promise<string> {
  const org = (await (await pg.get('/playground/api/people')).json()) as {
    people: { id: string; hasObjectives: boolean; ids: Record<string, string> }[];
  };
  return org.people.find((p) => p.hasObjectives && p.ids.lark && p.ids.wecom && p.ids.dingtalk)!.id;
}

async function waitUntil(check: () => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}
