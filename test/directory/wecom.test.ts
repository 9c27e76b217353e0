// Directory sync from the WeCom emulator over real HTTP: department/list and
// user/list as a self-built app, the 2022 field restrictions, a synced person
// chatting at once, leavers and moves, permission errors, the frequency limit
// with pacing and backoff, self-service binding, and two orgs kept apart.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchWecomDirectory, fetchWecomUser } from '../../bots/wecom/directory';
import { createWecomEmulator, serveWecomEmulator } from '../../bots/wecom/emulator';
import type { WecomDirectoryUser } from '../../bots/wecom/emulator-directory';
import { runDirectorySync } from '../../src/directory/run';
import { runJobNow } from '../../src/jobs';
import { allPeople, allTeams } from '../../storage/repos/people';
import { startStack, WECOM, type Stack } from '../helpers/e2e';
import { stackWaitFor } from '../helpers/wait';

const ADMIN = { authorization: 'Bearer e2e-admin-token-0123456789abcdef', 'content-type': 'application/json' };
let stack: Stack;
beforeEach(async () => {
  stack = await startStack({ lark: false, wecom: true });
});
afterEach(async () => {
  await stack?.stop();
});
const waitFor = stackWaitFor(() => stack);
const wecom = () => stack.wecom!;

const member = (userid: string, over: Partial<WecomDirectoryUser> = {}): WecomDirectoryUser => ({
  userid,
  name: userid,
  department: [3],
  position: '顾问',
  email: `${userid}@acme.test`,
  mobile: `+86 1380000${String(userid.length).padStart(4, '0')}`,
  status: 1,
  ...over,
});

function seedDirectory(extra = 0) {
  const dir = wecom().directory;
  dir.departments = [
    { id: 1, name: '星火集团', parentid: 0 },
    { id: 2, name: '销售部', parentid: 1, department_leader: ['boss'] },
    { id: 3, name: '华东', parentid: 2 },
  ];
  dir.users = [
    member('boss', { department: [2] }),
    // lead is flagged leader of 华东 on their own record (is_leader_in_dept), not on the department.
    member('lead', { is_leader_in_dept: [1] }),
    member('amy'),
    member('ben', { direct_leader: ['boss'] }),
  ];
  for (let i = 0; i < extra; i++) dir.users.push(member(`x${String(i).padStart(3, '0')}`));
}

async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.base}/api/v1/directory/sync`, {
    method: 'POST',
    headers: { ...ADMIN, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const orgId = async () => (await stack.store.db.query.organizations.findFirst())!.id;
const toUser = (userid: string) => [...wecom().messages.values()].filter((m) => m.touser.includes(userid));

describe('WeCom directory sync', () => {
  it('one sync builds teams, people, managers and identities; the person chats at once; a re-sync is all zeros', async () => {
    seedDirectory(30);
    const dry = await post({ platform: 'wecom', dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, teams_created: 3, people_created: 34, writes: 0 });
    expect(await allPeople(stack.store, await orgId())).toHaveLength(0);

    const res = await post({ platform: 'wecom' });
    expect(res.body).toMatchObject({ teams_created: 3, people_created: 34, identities_bound: 34, conflicts: [] });
    // gettoken + department/list + user/list for each of the three departments: WeCom pages neither.
    expect(res.body.api_calls).toBe(5);
    const people = new Map((await allPeople(stack.store, await orgId())).map((p) => [p.name, p]));
    const teams = new Map((await allTeams(stack.store, await orgId())).map((t) => [t.name, t]));
    expect(teams.get('华东')!.parentId).toBe(teams.get('销售部')!.id);
    expect(teams.get('华东')!.managerId).toBe(people.get('lead')!.id);
    expect(people.get('amy')!.managerId).toBe(people.get('lead')!.id); // the department's leader
    expect(people.get('ben')!.managerId).toBe(people.get('boss')!.id); // direct_leader wins
    expect(people.get('lead')!.managerId).toBe(people.get('boss')!.id); // a leader's manager: the parent's leader
    expect(people.get('amy')).toMatchObject({ externalId: 'wecom:amy', title: '顾问', teamId: teams.get('华东')!.id });
    // An app created after 2022-06-20 gets no e-mail or mobile from WeCom.
    expect(people.get('amy')!.email).toBeNull();
    expect(people.get('amy')!.mobile).toBeNull();

    await wecom().deliverText({ userid: 'amy', content: '帮助' });
    const [reply] = await waitFor(() => toUser('amy').length && toUser('amy'), 'the reply', 20_000);
    expect(JSON.stringify(reply.body)).not.toContain('你还没有被添加到 Polaris');

    const again = await post({ platform: 'wecom' });
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

  it('change_contact events apply within seconds: a new hire appears and is welcomed, a leaver is deactivated, a move moves', async () => {
    seedDirectory();
    await post({ platform: 'wecom' });
    const people = async () => new Map((await allPeople(stack.store, await orgId())).map((p) => [p.name, p]));
    const dir = wecom().directory;

    dir.users.push(member('dan', { name: '新同事', department: [3] }));
    const ack = await wecom().deliverChangeContact({ changeType: 'create_user', userId: 'dan' });
    expect(ack).toMatchObject({ status: 200, body: '', attempts: 1 });
    const dan = await waitFor(async () => (await people()).get('新同事'), 'the new hire', 10_000);
    expect(dan.managerId).toBe((await people()).get('lead')!.id);
    const [card] = await waitFor(() => toUser('dan').length && toUser('dan'), 'the welcome card', 10_000);
    expect(JSON.stringify(card.body)).toContain('欢迎加入');

    dir.users = dir.users.filter((u) => u.userid !== 'ben');
    await wecom().deliverChangeContact({ changeType: 'delete_user', userId: 'ben' });
    await waitFor(async () => (await people()).get('ben')!.status === 'inactive', 'ben deactivated', 10_000);

    dir.users.find((u) => u.userid === 'amy')!.department = [2];
    await wecom().deliverChangeContact({ changeType: 'update_user', userId: 'amy' });
    const teams = new Map((await allTeams(stack.store, await orgId())).map((t) => [t.name, t]));
    await waitFor(async () => (await people()).get('amy')!.teamId === teams.get('销售部')!.id, 'amy moved', 10_000);

    dir.departments.push({ id: 4, name: '华南', parentid: 2 });
    await wecom().deliverChangeContact({ changeType: 'create_party', departmentId: 4 });
    await waitFor(
      async () => (await allTeams(stack.store, await orgId())).some((t) => t.name === '华南'),
      'the new department',
      10_000,
    );
    await stack.services.directoryChanges!.idle();
    // Only the new hire was welcomed; everyone else got nothing.
    const welcomed = [...wecom().messages.values()].filter((m) => JSON.stringify(m.body).includes('欢迎加入'));
    expect(welcomed.map((m) => m.touser)).toEqual([['dan']]);
  });

  it('an app allowed the sensitive fields fills in e-mail and mobile', async () => {
    seedDirectory();
    wecom().directory.sensitiveFields = true;
    await post({ platform: 'wecom' });
    const amy = (await allPeople(stack.store, await orgId())).find((p) => p.name === 'amy')!;
    expect(amy.email).toBe('amy@acme.test');
    expect(amy.mobile).toMatch(/^\+86 1380000/);
  });

  it('a leaver is deactivated, a disabled account too, a move moves; the job heals the same', async () => {
    seedDirectory();
    await post({ platform: 'wecom' });
    const dir = wecom().directory;
    dir.users = dir.users.filter((u) => u.userid !== 'ben');
    dir.users.find((u) => u.userid === 'amy')!.department = [2];
    dir.users.push(member('cat', { status: 2 }));
    dir.users.find((u) => u.userid === 'lead')!.status = 2;
    const res = await post({ platform: 'wecom' });
    // ben gone, lead disabled; amy moved (and so did her manager: lead is gone, boss leads 销售部).
    expect(res.body).toMatchObject({ people_deactivated: 2, people_created: 0 });
    const people = new Map((await allPeople(stack.store, await orgId())).map((p) => [p.name, p]));
    expect(people.get('ben')!.status).toBe('inactive');
    expect(people.get('lead')!.status).toBe('inactive');
    expect(people.has('cat')).toBe(false); // a disabled account never known: nobody to keep
    expect(people.get('amy')!.managerId).toBe(people.get('boss')!.id);

    dir.users.find((u) => u.userid === 'lead')!.status = 1;
    const [run] = await runJobNow(stack.services, 'directory-sync');
    expect(run.stats).toMatchObject({ platforms: 1, people_reactivated: 1 });
  });

  it('a read that keeps failing halfway (retries exhausted) leaves the org exactly as it was', async () => {
    seedDirectory();
    await post({ platform: 'wecom' });
    const org = await stack.store.db.query.organizations.findFirst();
    const before = JSON.stringify(await allPeople(stack.store, org!.id));
    const dir = wecom().directory;
    dir.users = dir.users.filter((u) => u.userid !== 'ben'); // would deactivate ben
    dir.users.find((u) => u.userid === 'amy')!.department = [2]; // would move amy
    let waited = 0;
    const sync = runDirectorySync(stack.store, stack.services.config, org!, 'wecom', {
      clock: stack.services.clock,
      // 华东's member list never comes back: every retry gets a 502, then the sync gives up.
      fetch: async (input, init) =>
        String(input).includes('department_id=3') ? new Response('bad gateway', { status: 502 }) : fetch(input, init),
      sleep: async (ms) => {
        waited += ms;
      },
    });
    await expect(sync).rejects.toThrow(/gave up after 7 attempts/);
    // Six backoffs (0.5 s doubling), plus the pacing between calls.
    expect(waited).toBeGreaterThanOrEqual(500 + 1000 + 2000 + 4000 + 8000 + 16_000);
    expect(JSON.stringify(await allPeople(stack.store, org!.id))).toBe(before);
  });

  it('without access to the contacts API (48009) the sync says what to grant and writes nothing', async () => {
    seedDirectory();
    wecom().directory.forbidden = true;
    const res = await post({ platform: 'wecom' });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: { code: 'directory_permission' } });
    expect(JSON.stringify(res.body)).toContain('可见范围');
    expect(await allPeople(stack.store, await orgId())).toHaveLength(0);
    expect(await allTeams(stack.store, await orgId())).toHaveLength(0);
  });

  it('self-service binding: a member found by user/get is bound on their first message; others are listed', async () => {
    seedDirectory();
    wecom().directory.sensitiveFields = true;
    wecom().directory.users.push(member('zed', { name: '赵六', email: 'zed@acme.test' }));
    await fetch(`${stack.base}/api/v1/people`, { headers: ADMIN }); // creates the default org
    const org = await orgId();
    // Imported by CSV: e-mail, no WeCom userid.
    stack.store.sqlite
      .prepare(
        `INSERT INTO people (id, org_id, external_id, name, email) VALUES ('p_amy', ?, 'E100', 'Amy', 'AMY@acme.test')`,
      )
      .run(org);
    await wecom().deliverText({ userid: 'amy', content: '帮助' });
    const [reply] = await waitFor(() => toUser('amy').length && toUser('amy'), 'the answer', 20_000);
    expect(JSON.stringify(reply.body)).not.toContain('你还没有被添加到 Polaris');
    const bound = stack.store.sqlite
      .prepare(`SELECT person_id FROM identities WHERE platform = 'wecom' AND platform_user_id = 'amy'`)
      .get() as { person_id: string };
    expect(bound.person_id).toBe('p_amy');

    await wecom().deliverText({ userid: 'zed', content: '帮助' });
    const [refusal] = await waitFor(() => toUser('zed').length && toUser('zed'), 'the refusal', 20_000);
    expect(JSON.stringify(refusal.body)).toContain('你还没有被添加到 Polaris');
    const res = await fetch(`${stack.base}/api/v1/directory/unmatched`, { headers: ADMIN });
    const list = (await res.json()) as { items: { platform_user_id: string; name: string; in_directory: boolean }[] };
    expect(list.items).toEqual([
      expect.objectContaining({ platform_user_id: 'zed', name: '赵六', in_directory: true }),
    ]);
  });

  it('two orgs: only the org bound to the corp is synced; the other is refused and stays empty', async () => {
    seedDirectory();
    for (const slug of ['alpha', 'beta'])
      await fetch(`${stack.base}/api/v1/orgs`, {
        method: 'POST',
        headers: ADMIN,
        body: JSON.stringify({ name: slug, slug }),
      });
    const orgs = new Map((await stack.store.db.query.organizations.findMany()).map((o) => [o.slug, o.id]));
    // No binding and two orgs: nobody may read the corp's directory.
    expect((await post({ platform: 'wecom' }, { 'x-polaris-org': 'alpha' })).status).toBe(409);
    const bind = await fetch(`${stack.base}/api/v1/orgs/beta/tenants/wecom`, {
      method: 'PUT',
      headers: ADMIN,
      body: JSON.stringify({ tenant_key: WECOM.corpId }),
    });
    expect(bind.status).toBe(200);
    const refused = await post({ platform: 'wecom' }, { 'x-polaris-org': 'alpha' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'directory_wrong_tenant' } });
    const ok = await post({ platform: 'wecom' }, { 'x-polaris-org': 'beta' });
    expect(ok.body).toMatchObject({ people_created: 4 });
    const runs = await runJobNow(stack.services, 'directory-sync');
    const byOrg = new Map(runs.map((r) => [r.orgId, r.stats]));
    expect(byOrg.get(orgs.get('alpha')!)).toMatchObject({ platforms: 0 });
    expect(byOrg.get(orgs.get('beta')!)).toMatchObject({ platforms: 1, people_created: 0 });
    expect(await allPeople(stack.store, orgs.get('alpha')!)).toHaveLength(0);
    expect(await allPeople(stack.store, orgs.get('beta')!)).toHaveLength(4);

    // A member of the corp writing in is bound in beta (the corp's org), never in alpha.
    stack.store.sqlite
      .prepare(
        `INSERT INTO people (id, org_id, external_id, name, email) VALUES ('p_a', ?, 'x1', 'Zed', 'zed@acme.test')`,
      )
      .run(orgs.get('alpha')!);
    wecom().directory.sensitiveFields = true;
    wecom().directory.users.push(member('zed', { email: 'zed@acme.test' }));
    await wecom().deliverText({ userid: 'zed', content: '帮助' });
    await waitFor(() => toUser('zed').length, 'the answer', 20_000);
    const zed = stack.store.sqlite
      .prepare(`SELECT org_id FROM identities WHERE platform = 'wecom' AND platform_user_id = 'zed'`)
      .all() as { org_id: string }[];
    expect(zed.every((r) => r.org_id !== orgs.get('alpha'))).toBe(true);
  });
});

describe('WeCom directory fetch: pacing, frequency limit, faults', () => {
  it('paces to the documented limit; a 45009 and a 5xx halfway are waited out and the listing resumes', async () => {
    let t = Date.parse('2026-11-27T02:00:00Z');
    const emulator = createWecomEmulator({ ...WECOM, now: () => new Date(t) });
    const served = await serveWecomEmulator(emulator, 0);
    try {
      const dir = emulator.directory;
      dir.departments = [{ id: 1, name: '公司', parentid: 0 }];
      for (let i = 2; i <= 12; i++) dir.departments.push({ id: i, name: `部门${i}`, parentid: 1 });
      dir.users = dir.departments.map((d) => member(`u${d.id}`, { department: [d.id] }));
      dir.perMinute = 5; // a strict corp: five calls a minute per API
      const waits: number[] = [];
      let failed = 0;
      const snapshot = await fetchWecomDirectory(
        { corpId: WECOM.corpId, secret: WECOM.secret, apiBase: served.url },
        {
          now: () => t,
          sleep: async (ms) => {
            waits.push(ms);
            t += ms;
          },
          fetch: async (input, init) => {
            if (String(input).includes('department_id=7') && failed++ === 0)
              return new Response('busy', { status: 502 });
            return fetch(input, init);
          },
        },
      );
      expect(snapshot.users.map((u) => u.userId).sort()).toEqual(dir.users.map((u) => u.userid).sort());
      expect(dir.calls.rateLimited).toBeGreaterThan(0);
      // Each 45009 waits a whole minute window; the 502 backs off and is retried once.
      expect(waits.filter((w) => w === 60_000).length).toBe(dir.calls.rateLimited);
      expect(snapshot.retries).toBe(dir.calls.rateLimited + 1);

      // At WeCom's documented 10,000 a minute the pacing alone keeps every call inside the limit.
      dir.perMinute = 10_000;
      dir.calls.rateLimited = 0;
      waits.length = 0;
      const paced = await fetchWecomDirectory(
        { corpId: WECOM.corpId, secret: WECOM.secret, apiBase: served.url },
        {
          now: () => t,
          sleep: async (ms) => {
            waits.push(ms);
            t += ms;
          },
        },
      );
      expect(paced.retries).toBe(0);
      expect(dir.calls.rateLimited).toBe(0);
      expect(Math.max(...waits)).toBeLessThanOrEqual(10);
    } finally {
      await served.close();
    }
  });

  it('a member outside the visible range or unknown is no one to bind (60011, 60111)', async () => {
    const emulator = createWecomEmulator({ ...WECOM });
    const served = await serveWecomEmulator(emulator, 0);
    try {
      emulator.directory.departments.push({ id: 2, name: 'A', parentid: 1 }, { id: 3, name: 'B', parentid: 1 });
      emulator.directory.users = [member('in', { department: [2] }), member('out', { department: [3] })];
      emulator.directory.visibleRoots = [2];
      const config = { corpId: WECOM.corpId, secret: WECOM.secret, apiBase: served.url };
      expect(await fetchWecomUser(config, 'in')).toMatchObject({ userId: 'in', departmentIds: ['2'] });
      expect(await fetchWecomUser(config, 'out')).toBeUndefined();
      expect(await fetchWecomUser(config, 'nobody')).toBeUndefined();
      // The visible range decides what a full read sees: B and its members are not there.
      const snap = await fetchWecomDirectory(config);
      expect(snap.departments.map((d) => d.id)).toEqual(['2']);
      expect(snap.users.map((u) => u.userId)).toEqual(['in']);
    } finally {
      await served.close();
    }
  });
});
