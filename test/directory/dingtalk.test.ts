// Directory sync from the DingTalk emulator over real HTTP: listsub recursion,
// user/list paged by cursor, job numbers, manager_userid and department leaders,
// a synced person chatting at once, leavers and moves, a missing permission,
// the QPS limit with pacing and backoff, and self-service binding.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchDingtalkDirectory, fetchDingtalkUser } from '../../bots/dingtalk/directory';
import { createDingtalkEmulator } from '../../bots/dingtalk/emulator';
import type { DingtalkDirectoryUser } from '../../bots/dingtalk/emulator-directory';
import { startEmulatorServer } from '../../bots/dingtalk/stream-gateway';
import { allPeople, allTeams } from '../../storage/repos/people';
import { DINGTALK, startStack, type Stack } from '../helpers/e2e';
import { stackWaitFor } from '../helpers/wait';

const ADMIN = { authorization: 'Bearer e2e-admin-token-0123456789abcdef', 'content-type': 'application/json' };
let stack: Stack;
beforeEach(async () => {
  stack = await startStack({ lark: false, dingtalk: 'http' });
});
afterEach(async () => {
  await stack?.stop();
});
const waitFor = stackWaitFor(() => stack);
const dingtalk = () => stack.dingtalk!;

const member = (userid: string, over: Partial<DingtalkDirectoryUser> = {}): DingtalkDirectoryUser => ({
  userid,
  name: userid,
  title: '老师',
  job_number: `J-${userid}`,
  email: `${userid}@acme.test`,
  dept_id_list: [3],
  ...over,
});

function seedDirectory(extra = 0) {
  const dir = dingtalk().directory;
  dir.departments = [
    { dept_id: 1, name: '星火集团' },
    { dept_id: 2, name: '教学部', parent_id: 1 },
    { dept_id: 3, name: '一分校', parent_id: 2 },
  ];
  dir.users = [
    member('boss', { dept_id_list: [2], leader_of: [2] }),
    member('lead', { leader_of: [3] }),
    member('amy'),
    member('ben', { manager_userid: 'boss' }),
  ];
  for (let i = 0; i < extra; i++) dir.users.push(member(`x${String(i).padStart(3, '0')}`));
}

async function post(body: unknown) {
  const res = await fetch(`${stack.base}/api/v1/directory/sync`, {
    method: 'POST',
    headers: ADMIN,
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const orgId = async () => (await stack.store.db.query.organizations.findFirst())!.id;
const toUser = (userid: string) => dingtalk().messages.filter((m) => m.to === userid);

describe('DingTalk directory sync', () => {
  it('one sync builds teams, people, managers and identities; the person chats at once; a re-sync is all zeros', async () => {
    seedDirectory(230); // 233 people in 一分校: three pages of 100
    const res = await post({ platform: 'dingtalk' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ teams_created: 3, people_created: 234, identities_bound: 234, conflicts: [] });
    // token + listsub for each of the 3 departments + user/list: root 1, 教学部 1, 一分校 3 pages.
    expect(res.body.api_calls).toBe(1 + 3 + 5);
    const people = new Map((await allPeople(stack.store, await orgId())).map((p) => [p.name, p]));
    const teams = new Map((await allTeams(stack.store, await orgId())).map((t) => [t.name, t]));
    expect(teams.get('一分校')!.parentId).toBe(teams.get('教学部')!.id);
    expect(teams.get('教学部')!.managerId).toBe(people.get('boss')!.id);
    expect(people.get('amy')).toMatchObject({
      externalId: 'J-amy', // the job number is the employee number
      email: 'amy@acme.test',
      title: '老师',
      managerId: people.get('lead')!.id,
    });
    expect(people.get('ben')!.managerId).toBe(people.get('boss')!.id);
    expect(people.get('lead')!.managerId).toBe(people.get('boss')!.id);

    await dingtalk().deliverText({ staffId: 'amy', text: '帮助' });
    const [reply] = await waitFor(() => toUser('amy').length && toUser('amy'), 'the reply', 20_000);
    expect(JSON.stringify(reply.msgParam)).not.toContain('你还没有被添加到 Polaris');

    const again = await post({ platform: 'dingtalk' });
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

  it('a leaver is deactivated and a move moves them under the new department leader', async () => {
    seedDirectory();
    await post({ platform: 'dingtalk' });
    const dir = dingtalk().directory;
    dir.users = dir.users.filter((u) => u.userid !== 'ben');
    dir.users.find((u) => u.userid === 'amy')!.dept_id_list = [2];
    const res = await post({ platform: 'dingtalk' });
    expect(res.body).toMatchObject({ people_deactivated: 1, people_updated: 1 });
    const people = new Map((await allPeople(stack.store, await orgId())).map((p) => [p.name, p]));
    expect(people.get('ben')!.status).toBe('inactive');
    expect(people.get('amy')!.managerId).toBe(people.get('boss')!.id);
  });

  it('通讯录事件 over HTTP apply within seconds: a new hire is welcomed, a leaver deactivated, a move moves', async () => {
    seedDirectory();
    await post({ platform: 'dingtalk' });
    await contactEventsApply();
  });

  it('without the contacts permission (88 / 60011) the sync names what to grant and writes nothing', async () => {
    seedDirectory();
    dingtalk().directory.scopes.delete('member');
    const res = await post({ platform: 'dingtalk' });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: { code: 'directory_permission' } });
    expect(JSON.stringify(res.body)).toContain('成员信息读权限');
    expect(await allPeople(stack.store, await orgId())).toHaveLength(0);
    expect(await allTeams(stack.store, await orgId())).toHaveLength(0);
  });

  it('without the e-mail permission people come without e-mail and are still matched by job number', async () => {
    seedDirectory();
    dingtalk().directory.scopes.delete('email');
    await post({ platform: 'dingtalk' });
    const amy = (await allPeople(stack.store, await orgId())).find((p) => p.name === 'amy')!;
    expect(amy.email).toBeNull();
    expect(amy.externalId).toBe('J-amy');
  });

  it('self-service binding: a sender found by user/get is bound on their first message; others are listed', async () => {
    seedDirectory();
    dingtalk().directory.users.push(member('zed', { name: '赵六', job_number: 'J-zed' }));
    await fetch(`${stack.base}/api/v1/people`, { headers: ADMIN }); // creates the default org
    const org = await orgId();
    // Imported by CSV with the job number as external id, no DingTalk id.
    stack.store.sqlite
      .prepare(`INSERT INTO people (id, org_id, external_id, name) VALUES ('p_amy', ?, 'J-amy', 'Amy')`)
      .run(org);
    await dingtalk().deliverText({ staffId: 'amy', text: '帮助' });
    const [reply] = await waitFor(() => toUser('amy').length && toUser('amy'), 'the answer', 20_000);
    expect(JSON.stringify(reply.msgParam)).not.toContain('你还没有被添加到 Polaris');
    const bound = stack.store.sqlite
      .prepare(`SELECT person_id FROM identities WHERE platform = 'dingtalk' AND platform_user_id = 'amy'`)
      .get() as { person_id: string };
    expect(bound.person_id).toBe('p_amy');

    await dingtalk().deliverText({ staffId: 'zed', text: '帮助' });
    const [refusal] = await waitFor(() => toUser('zed').length && toUser('zed'), 'the refusal', 20_000);
    expect(JSON.stringify(refusal.msgParam)).toContain('你还没有被添加到 Polaris');
    const res = await fetch(`${stack.base}/api/v1/directory/unmatched`, { headers: ADMIN });
    const list = (await res.json()) as { items: { platform_user_id: string; name: string; in_directory: boolean }[] };
    expect(list.items).toEqual([
      expect.objectContaining({ platform_user_id: 'zed', name: '赵六', in_directory: true }),
    ]);
  });
});

/** Shared by the HTTP and Stream runs: the emulator's directory changes, then the event is sent. */
async function contactEventsApply() {
  const org = await orgId();
  const people = async () => new Map((await allPeople(stack.store, org)).map((p) => [p.name, p]));
  const dir = dingtalk().directory;
  dir.users.push(member('dan', { name: '新老师' }));
  await dingtalk().deliverContactEvent('user_add_org', { userIds: ['dan'] });
  const dan = await waitFor(async () => (await people()).get('新老师'), 'the new hire', 10_000);
  expect(dan).toMatchObject({ externalId: 'J-dan', managerId: (await people()).get('lead')!.id });
  // With a card template configured the welcome goes out as an interactive card to the person's robot chat.
  const cardsTo = (userid: string) =>
    [...dingtalk().cards.values()].filter((c) => c.openSpaceId === `dtv1.card//IM_ROBOT.${userid}`);
  const [card] = await waitFor(() => cardsTo('dan').length && cardsTo('dan'), 'the welcome card', 10_000);
  expect(JSON.stringify(card.cardParamMap)).toContain('欢迎加入');

  dir.users = dir.users.filter((u) => u.userid !== 'ben');
  await dingtalk().deliverContactEvent('user_leave_org', { userIds: ['ben'] });
  await waitFor(async () => (await people()).get('ben')!.status === 'inactive', 'ben deactivated', 10_000);

  dir.departments.push({ dept_id: 4, name: '二分校', parent_id: 2 });
  dir.users.find((u) => u.userid === 'amy')!.dept_id_list = [4];
  await dingtalk().deliverContactEvent('org_dept_create', { deptIds: [4] });
  await dingtalk().deliverContactEvent('user_modify_org', { userIds: ['amy'] });
  await waitFor(
    async () => {
      const team = (await allTeams(stack.store, org)).find((t) => t.name === '二分校');
      return !!team && (await people()).get('amy')!.teamId === team.id;
    },
    'amy moved to the new department',
    10_000,
  );
  await stack.services.directoryChanges!.idle();
  // Nobody but the new hire was welcomed.
  const welcomed = [...dingtalk().cards.values()].filter((c) => JSON.stringify(c.cardParamMap).includes('欢迎加入'));
  expect(welcomed.map((c) => c.openSpaceId)).toEqual(['dtv1.card//IM_ROBOT.dan']);
}

describe('DingTalk directory events over Stream', () => {
  it('EVENT frames of 通讯录事件 apply within seconds and are acknowledged', async () => {
    await stack.stop();
    stack = await startStack({ lark: false, dingtalk: 'stream' });
    seedDirectory();
    await post({ platform: 'dingtalk' });
    await contactEventsApply();
    const acked = dingtalk().stream.acks.length;
    expect(acked).toBeGreaterThanOrEqual(4);
  });
});

describe('DingTalk directory fetch: pacing, QPS limit, faults', () => {
  it('paces to 20 QPS; without pacing the limit answers 90018, which is waited out and the listing resumes', async () => {
    let t = Date.parse('2026-11-27T02:00:00.000Z');
    const emulator = createDingtalkEmulator({ ...DINGTALK, now: () => new Date(t) });
    const served = await startEmulatorServer(emulator);
    try {
      const dir = emulator.directory;
      dir.departments = [{ dept_id: 1, name: '公司' }];
      for (let i = 2; i <= 40; i++) dir.departments.push({ dept_id: i, name: `部门${i}`, parent_id: i < 10 ? 1 : 2 });
      dir.users = dir.departments.map((d) => member(`u${d.dept_id}`, { dept_id_list: [d.dept_id] }));
      const config = { clientId: DINGTALK.clientId, clientSecret: DINGTALK.clientSecret, apiBase: served.url };
      const waits: number[] = [];
      const sleep = async (ms: number) => {
        waits.push(ms);
        t += ms;
      };
      const paced = await fetchDingtalkDirectory(config, { now: () => t, sleep });
      expect(paced.users).toHaveLength(40);
      expect(paced.retries).toBe(0);
      expect(dir.calls.rateLimited).toBe(0);
      // 81 directory calls (40 listsub + 40 user/list + token) take at least 80 × 50 ms of virtual time.
      expect(paced.apiCalls).toBe(81);
      expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(80 * 50 - 50);

      waits.length = 0;
      let failed = 0;
      const burst = await fetchDingtalkDirectory(config, {
        now: () => t,
        sleep,
        minIntervalMs: 0, // no pacing: the emulator's 20 QPS answers 90018
        fetch: async (input, init) => {
          if (String(input).includes('/user/list') && failed++ === 3) return new Response('gateway', { status: 503 });
          return fetch(input, init);
        },
      });
      expect(burst.users).toHaveLength(40);
      expect(dir.calls.rateLimited).toBeGreaterThan(0);
      expect(burst.retries).toBe(dir.calls.rateLimited + 1);
      expect(waits.filter((w) => w === 1_000).length).toBe(dir.calls.rateLimited);
    } finally {
      await served.close();
    }
  });

  it('an unknown user is no one to bind (60121)', async () => {
    const emulator = createDingtalkEmulator({ ...DINGTALK });
    const served = await startEmulatorServer(emulator);
    try {
      emulator.directory.users = [member('amy', { dept_id_list: [1], mobile: '13800000000' })];
      const config = { clientId: DINGTALK.clientId, clientSecret: DINGTALK.clientSecret, apiBase: served.url };
      expect(await fetchDingtalkUser(config, 'amy')).toMatchObject({
        userId: 'amy',
        employeeNo: 'J-amy',
        mobile: '13800000000',
        departmentIds: ['1'],
      });
      expect(await fetchDingtalkUser(config, 'nobody')).toBeUndefined();
    } finally {
      await served.close();
    }
  });
});
