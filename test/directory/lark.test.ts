// Directory sync from the Lark emulator over real HTTP: contact v3 paging, the
// API endpoint, a synced person chatting at once, leavers, permission errors
// and rate limits.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fetchLarkDirectory } from '../../bots/lark/directory';
import { main } from '../../src/cli';
import { runJobNow } from '../../src/jobs';
import type { LarkDirectoryUser } from '../../bots/lark/emulator-directory';
import { createLarkEmulator, serveLarkEmulator } from '../../bots/lark/emulator';
import { allPeople, allTeams } from '../../storage/repos/people';
import { LARK, startStack, type Stack } from '../helpers/e2e';
import { stackWaitFor } from '../helpers/wait';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack?.stop();
});
const waitFor = stackWaitFor(() => stack);
const lark = () => stack.lark!;

function seedDirectory(extraUsers = 0) {
  const dir = lark().directory;
  dir.departments = [
    { open_department_id: 'od-sales', name: '销售部', parent_department_id: '0', leader_user_id: 'ou_boss' },
    { open_department_id: 'od-east', name: '华东', parent_department_id: 'od-sales', leader_user_id: 'ou_lead' },
  ];
  const u = (open_id: string, over: Partial<LarkDirectoryUser> = {}): LarkDirectoryUser => ({
    open_id,
    union_id: `on_${open_id}`,
    name: open_id.slice(3),
    email: `${open_id.slice(3)}@acme.test`,
    employee_no: `E${open_id.slice(3)}`,
    department_ids: ['od-east'],
    status: { is_activated: true },
    ...over,
  });
  dir.users = [u('ou_boss', { department_ids: ['od-sales'] }), u('ou_lead'), u('ou_amy'), u('ou_ben')];
  for (let i = 0; i < extraUsers; i++) dir.users.push(u(`ou_x${String(i).padStart(3, '0')}`));
}

async function post(body: unknown) {
  const res = await fetch(`${stack.base}/api/v1/directory/sync`, {
    method: 'POST',
    headers: { authorization: 'Bearer e2e-admin-token-0123456789abcdef', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('Lark directory sync', () => {
  it('one sync builds teams, people, managers and identities; the person chats at once; a re-sync is all zeros', async () => {
    seedDirectory(120); // 122 people in 华东: three pages of 50
    const dry = await post({ platform: 'lark', dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, people_created: 124, teams_created: 3 });
    const res = await post({ platform: 'lark' });
    expect(res.body).toMatchObject({
      teams_created: 3,
      people_created: 124,
      identities_bound: 124,
      conflicts: [],
    });
    // token + one page of departments + root (1) + 销售部 (1) + 华东 (3 pages)
    expect(res.body.api_calls).toBe(7);
    const orgId = (await stack.store.db.query.organizations.findFirst())!.id;
    const people = new Map((await allPeople(stack.store, orgId)).map((p) => [p.name, p]));
    expect(people.get('amy')!.managerId).toBe(people.get('lead')!.id);
    expect(people.get('lead')!.managerId).toBe(people.get('boss')!.id);
    const teams = new Map((await allTeams(stack.store, orgId)).map((t) => [t.name, t]));
    expect(teams.get('华东')!.parentId).toBe(teams.get('销售部')!.id);

    await lark().deliverMessage({ openId: 'ou_amy', text: '帮助' });
    const [reply] = await waitFor(
      () =>
        [...lark().messages.values()].filter((m) => m.receiveId === 'ou_amy').length &&
        [...lark().messages.values()].filter((m) => m.receiveId === 'ou_amy'),
      'the reply',
      20_000, // generous: the machine running the suite may be loaded
    );
    expect(JSON.stringify(reply.content)).not.toContain('你还没有被添加到 Polaris');

    const again = await post({ platform: 'lark' });
    expect(again.body).toMatchObject({
      teams_created: 0,
      teams_updated: 0,
      people_created: 0,
      people_updated: 0,
      people_deactivated: 0,
      people_reactivated: 0,
      identities_bound: 0,
      conflicts: [],
      writes: 0,
    });
  });

  it('removing a person from the directory deactivates them; moving one moves them', async () => {
    seedDirectory();
    await post({ platform: 'lark' });
    const dir = lark().directory;
    dir.users = dir.users.filter((u) => u.open_id !== 'ou_ben');
    dir.users.find((u) => u.open_id === 'ou_amy')!.department_ids = ['od-sales'];
    const res = await post({ platform: 'lark' });
    expect(res.body).toMatchObject({ people_deactivated: 1, people_updated: 1 });
    const orgId = (await stack.store.db.query.organizations.findFirst())!.id;
    const people = new Map((await allPeople(stack.store, orgId)).map((p) => [p.name, p]));
    expect(people.get('ben')!.status).toBe('inactive');
    expect(people.get('amy')!.managerId).toBe(people.get('boss')!.id);
    const inactive = await fetch(`${stack.base}/api/v1/people?status=inactive`, {
      headers: { authorization: 'Bearer e2e-admin-token-0123456789abcdef' },
    });
    const list = (await inactive.json()) as { items: { name: string }[] };
    expect(list.items.map((p) => p.name)).toEqual(['ben']);
  });

  it('contact change events apply within seconds: a new hire is welcomed, a deleted user deactivated, a move moves', async () => {
    seedDirectory();
    await post({ platform: 'lark' });
    const orgId = (await stack.store.db.query.organizations.findFirst())!.id;
    const people = async () => new Map((await allPeople(stack.store, orgId)).map((p) => [p.name, p]));
    const dir = lark().directory;
    dir.users.push({ open_id: 'ou_new', name: 'newbie', department_ids: ['od-east'], status: { is_activated: true } });
    const ack = await lark().deliverContactChange('contact.user.created_v3', 'ou_new');
    expect(ack.status).toBe(200);
    const newbie = await waitFor(async () => (await people()).get('newbie'), 'the new hire', 10_000);
    expect(newbie.managerId).toBe((await people()).get('lead')!.id);
    const toNew = () => [...lark().messages.values()].filter((m) => m.receiveId === 'ou_new');
    const [card] = await waitFor(() => toNew().length && toNew(), 'the welcome card', 10_000);
    expect(JSON.stringify(card.content)).toContain('欢迎加入');

    const ben = dir.users.find((u) => u.open_id === 'ou_ben')!;
    dir.users = dir.users.filter((u) => u !== ben);
    await lark().deliverContactChange('contact.user.deleted_v3', 'ou_ben');
    await waitFor(async () => (await people()).get('ben')!.status === 'inactive', 'ben deactivated', 10_000);

    dir.departments.push({ open_department_id: 'od-west', name: '华西', parent_department_id: 'od-sales' });
    dir.users.find((u) => u.open_id === 'ou_amy')!.department_ids = ['od-west'];
    await lark().deliverContactChange('contact.department.created_v3', 'od-west');
    await lark().deliverContactChange('contact.user.updated_v3', 'ou_amy');
    await waitFor(
      async () => {
        const west = (await allTeams(stack.store, orgId)).find((t) => t.name === '华西');
        return !!west && (await people()).get('amy')!.teamId === west.id;
      },
      'amy moved to the new department',
      10_000,
    );
    await stack.services.directoryChanges!.idle();
    expect((await people()).get('amy')!.managerId).toBe((await people()).get('boss')!.id);
  });

  it('without the contacts scope the sync fails with a clear message and writes nothing', async () => {
    seedDirectory();
    lark().directory.granted = false;
    const res = await post({ platform: 'lark' });
    expect(res.status).toBe(502);
    expect(JSON.stringify(res.body)).toContain('contact:contact.base:readonly');
    const orgId = (await stack.store.db.query.organizations.findFirst())!.id;
    expect(await allPeople(stack.store, orgId)).toHaveLength(0);
  });

  it('rate limits and 5xx halfway are retried with backoff, then the listing resumes', async () => {
    seedDirectory(200);
    lark().directory.ratePerSecond = 2;
    let failures = 0;
    const waits: number[] = [];
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).includes('find_by_department') && failures < 2 && Math.random() < 2) {
        failures++;
        return new Response('upstream', { status: 503 });
      }
      return fetch(input, init);
    };
    const snapshot = await fetchLarkDirectory(
      { ...LARK, domain: lark().url },
      {
        minIntervalMs: 0, // retries only: pacing is tested on its own
        fetch: flaky,
        // Each wait lets the emulator's one-second window pass without sleeping: move the clock instead.
        sleep: async (ms) => {
          waits.push(ms);
          await new Promise((r) => setTimeout(r, 0));
          lark().directory.ratePerSecond = 1000;
        },
      },
    );
    expect(snapshot.users).toHaveLength(204);
    expect(snapshot.retries).toBeGreaterThanOrEqual(2);
    expect(waits.length).toBe(snapshot.retries);
  });

  it("paces to the contact APIs' documented rate; unpaced, the limit answers 429 and is waited out", async () => {
    let t = Date.parse('2026-11-27T02:00:00.000Z');
    const emulator = createLarkEmulator({ ...LARK, now: () => new Date(t) });
    const served = await serveLarkEmulator(emulator, 0);
    try {
      emulator.directory.departments = Array.from({ length: 30 }, (_, i) => ({
        open_department_id: `od-${i}`,
        name: `部门${i}`,
        parent_department_id: '0',
      }));
      emulator.directory.users = emulator.directory.departments.map((d) => ({
        open_id: `ou_${d.open_department_id}`,
        name: d.name,
        department_ids: [d.open_department_id],
      }));
      const waits: number[] = [];
      const sleep = async (ms: number) => {
        waits.push(ms);
        t += ms;
      };
      const config = { ...LARK, domain: served.url };
      const paced = await fetchLarkDirectory(config, { now: () => t, sleep });
      expect(paced.users).toHaveLength(30);
      expect(paced.retries).toBe(0);
      expect(emulator.directory.calls.rateLimited).toBe(0);
      // token + children + 31 member lists, 60 ms apart: the documented 1000 a minute.
      expect(paced.apiCalls).toBe(33);
      expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(32 * 60 - 60);

      emulator.directory.ratePerSecond = 10;
      waits.length = 0;
      const burst = await fetchLarkDirectory(config, { now: () => t, sleep, minIntervalMs: 0 });
      expect(burst.users).toHaveLength(30);
      expect(emulator.directory.calls.rateLimited).toBeGreaterThan(0);
      expect(burst.retries).toBe(emulator.directory.calls.rateLimited);
      expect(waits.every((w) => w === 1000)).toBe(true); // x-ogw-ratelimit-reset: 1 s
    } finally {
      await served.close();
    }
  });

  it('`polaris sync-directory` prints progress and the summary; the directory-sync job heals a missed change', async () => {
    seedDirectory(60);
    const err: string[] = [];
    const out: string[] = [];
    const spies = [
      vi.spyOn(console, 'error').mockImplementation((m) => void err.push(String(m))),
      vi.spyOn(console, 'log').mockImplementation((m) => void out.push(String(m))),
    ];
    const env = {
      DATABASE_PATH: stack.dbPath,
      LARK_APP_ID: LARK.appId,
      LARK_APP_SECRET: LARK.appSecret,
      LARK_VERIFICATION_TOKEN: LARK.verificationToken,
      LARK_ENCRYPT_KEY: LARK.encryptKey,
      LARK_DOMAIN: lark().url,
    };
    try {
      expect(await main(['sync-directory', '--platform', 'lark', '--dry-run'], env)).toBe(0);
      expect(err.some((l) => /people: departments 3\/3/.test(l))).toBe(true);
      expect(JSON.parse(out.join('\n'))).toMatchObject({ dry_run: true, people_created: 64 });
      expect(await main(['sync-directory', '--platform', 'nope'], env)).toBe(1);
    } finally {
      for (const s of spies) s.mockRestore();
    }
    const orgId = (await stack.store.db.query.organizations.findFirst())!.id;
    expect(await allPeople(stack.store, orgId)).toHaveLength(0);
    const [run] = await runJobNow(stack.services, 'directory-sync');
    expect(run.stats).toMatchObject({ platforms: 1, people_created: 64, teams_created: 3 });
    lark().directory.users.pop();
    const [again] = await runJobNow(stack.services, 'directory-sync', { now: new Date(Date.now() + 86_400_000) });
    expect(again.stats).toMatchObject({ people_created: 0, people_deactivated: 1 });
  });

  it('an unbound sender found in the directory is bound on their first message and answered; others are listed', async () => {
    seedDirectory();
    lark().directory.users.push({
      open_id: 'ou_zed',
      name: '赵六',
      email: 'zed@acme.test',
      department_ids: ['od-east'],
    });
    await fetch(`${stack.base}/api/v1/people`, {
      headers: { authorization: 'Bearer e2e-admin-token-0123456789abcdef' },
    }); // creates the default org
    const org = (await stack.store.db.query.organizations.findFirst())!;
    // Imported by CSV: employee number and e-mail, no platform id.
    stack.store.sqlite
      .prepare(`INSERT INTO people (id, org_id, external_id, name, email) VALUES ('p_amy', ?, 'Eamy', 'Amy', null)`)
      .run(org.id);
    const toAmy = () => [...lark().messages.values()].filter((m) => m.receiveId === 'ou_amy');
    await lark().deliverMessage({ openId: 'ou_amy', text: '帮助' });
    const [reply] = await waitFor(() => toAmy().length && toAmy(), 'the answer', 20_000);
    expect(JSON.stringify(reply.content)).not.toContain('你还没有被添加到 Polaris');
    const bound = stack.store.sqlite
      .prepare(`SELECT person_id FROM identities WHERE platform = 'lark' AND platform_user_id = 'ou_amy'`)
      .get() as { person_id: string };
    expect(bound.person_id).toBe('p_amy');

    const toZed = () => [...lark().messages.values()].filter((m) => m.receiveId === 'ou_zed');
    await lark().deliverMessage({ openId: 'ou_zed', text: '帮助' });
    const [refusal] = await waitFor(() => toZed().length && toZed(), 'the refusal', 20_000);
    expect(JSON.stringify(refusal.content)).toContain('你还没有被添加到 Polaris');
    const res = await fetch(`${stack.base}/api/v1/directory/unmatched`, {
      headers: { authorization: 'Bearer e2e-admin-token-0123456789abcdef' },
    });
    const list = (await res.json()) as { items: { platform_user_id: string; name: string; in_directory: boolean }[] };
    expect(list.items).toEqual([
      expect.objectContaining({ platform_user_id: 'ou_zed', name: '赵六', in_directory: true }),
    ]);
  });

  it("an org whose tenant the server's credentials do not serve is refused and gets nothing written", async () => {
    seedDirectory();
    const admin = { authorization: 'Bearer e2e-admin-token-0123456789abcdef', 'content-type': 'application/json' };
    for (const slug of ['alpha', 'beta'])
      await fetch(`${stack.base}/api/v1/orgs`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: slug, slug }),
      });
    await fetch(`${stack.base}/api/v1/orgs/beta/tenants/lark`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ tenant_key: 'tenant_emulator' }),
    });
    const sync = (org: string) =>
      fetch(`${stack.base}/api/v1/directory/sync`, {
        method: 'POST',
        headers: { ...admin, 'x-polaris-org': org },
        body: JSON.stringify({ platform: 'lark' }),
      });
    const refused = await sync('alpha');
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('no lark tenant');
    const orgs = new Map((await stack.store.db.query.organizations.findMany()).map((o) => [o.slug, o.id]));
    expect(await allPeople(stack.store, orgs.get('alpha')!)).toHaveLength(0);
    expect((await sync('beta')).status).toBe(200);
    expect(await allPeople(stack.store, orgs.get('beta')!)).toHaveLength(4);
  });

  it('rejects a platform without a directory fetcher or not configured, with a clear error', async () => {
    // WeCom has a fetcher but is not configured on this server.
    const res = await post({ platform: 'wecom' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('WECOM_CORP_ID');
    const bad = await post({ platform: 'slack' });
    expect(bad.status).toBe(400);
  });
});
