// The demo org in the three emulators' directories: each team becomes a department
// (the company, named after the org, at the root), each active person with an
// identity on the platform a member with their employee number, e-mail, title and
// explicit leader (their manager), so a directory sync or a change event finds
// the same org the seed made. "New hire" (POST /playground/api/new-hire) adds
// someone to one emulator's directory and sends that platform's change event:
// the server syncs, the person appears and gets a welcome card.
import { and, eq } from 'drizzle-orm';
import type { Platform } from '../../bots/types';
import type { Store } from '../../storage/db';
import { identities, people, teams } from '../../storage/schema';
import type { PlaygroundEmulators } from './emulators';
import { demoOrg } from './people';

const WECOM_DEPT_BASE = 2; // 1 is the WeCom root
const DINGTALK_DEPT_BASE = 2; // 1 is the DingTalk root

interface DemoDirectory {
  teams: { id: string; name: string; parentId: string | null; managerId: string | null }[];
  people: {
    id: string;
    externalId: string;
    name: string;
    email: string | null;
    mobile: string | null;
    title: string | null;
    teamId: string | null;
    managerId: string | null;
  }[];
  ids: Map<string, Partial<Record<Platform, string>>>;
}

async function readDemo(store: Store): Promise<DemoDirectory | undefined> {
  const org = await demoOrg(store);
  if (!org) return undefined;
  const [teamRows, personRows, identityRows] = await Promise.all([
    store.db.select().from(teams).where(eq(teams.orgId, org.id)),
    store.db
      .select()
      .from(people)
      .where(and(eq(people.orgId, org.id), eq(people.status, 'active'))),
    store.db.select().from(identities).where(eq(identities.orgId, org.id)),
  ]);
  const ids = new Map<string, Partial<Record<Platform, string>>>();
  for (const i of identityRows) ids.set(i.personId, { ...ids.get(i.personId), [i.platform]: i.platformUserId });
  return { teams: teamRows, people: personRows, ids };
}

/** Stable department ids per team, shared by the fill and the new-hire button. */
function departmentIds(demo: DemoDirectory) {
  const ordered = [...demo.teams].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const numeric = new Map(ordered.map((t, i) => [t.id, i]));
  return {
    lark: (teamId: string | null) => (teamId ? `od_${teamId}` : '0'),
    wecom: (teamId: string | null) => (teamId && numeric.has(teamId) ? WECOM_DEPT_BASE + numeric.get(teamId)! : 1),
    dingtalk: (teamId: string | null) =>
      teamId && numeric.has(teamId) ? DINGTALK_DEPT_BASE + numeric.get(teamId)! : 1,
  };
}

/** Fills the three emulators' directories from the demo org in the database (replacing what they held). */
export async function fillEmulatorDirectories(store: Store, emulators: PlaygroundEmulators): Promise<boolean> {
  const demo = await readDemo(store);
  if (!demo) return false;
  const org = await demoOrg(store);
  const dept = departmentIds(demo);
  const id = (personId: string | null, platform: Platform) =>
    personId ? demo.ids.get(personId)?.[platform] : undefined;

  const lark = emulators.lark.directory;
  lark.departments = demo.teams.map((t) => ({
    open_department_id: dept.lark(t.id),
    name: t.name,
    parent_department_id: dept.lark(t.parentId),
    ...(id(t.managerId, 'lark') ? { leader_user_id: id(t.managerId, 'lark') } : {}),
  }));
  lark.users = demo.people.flatMap((p) => {
    const openId = id(p.id, 'lark');
    if (!openId) return [];
    return [
      {
        open_id: openId,
        name: p.name,
        ...(p.email ? { email: p.email } : {}),
        ...(p.mobile ? { mobile: p.mobile } : {}),
        employee_no: p.externalId,
        ...(p.title ? { job_title: p.title } : {}),
        department_ids: [dept.lark(p.teamId)],
        ...(id(p.managerId, 'lark') ? { leader_user_id: id(p.managerId, 'lark') } : {}),
        status: { is_activated: true },
      },
    ];
  });

  const wecom = emulators.wecom.directory;
  wecom.departments = [
    { id: 1, name: org!.name, parentid: 0 },
    ...demo.teams.map((t) => ({
      id: dept.wecom(t.id),
      name: t.name,
      parentid: dept.wecom(t.parentId),
      department_leader: id(t.managerId, 'wecom') ? [id(t.managerId, 'wecom')!] : [],
    })),
  ];
  wecom.users = demo.people.flatMap((p) => {
    const userid = id(p.id, 'wecom');
    if (!userid) return [];
    const leader = id(p.managerId, 'wecom');
    return [
      {
        userid,
        name: p.name,
        department: [dept.wecom(p.teamId)],
        ...(p.title ? { position: p.title } : {}),
        ...(p.email ? { email: p.email } : {}),
        ...(leader ? { direct_leader: [leader] } : {}),
        status: 1 as const,
      },
    ];
  });

  const dingtalk = emulators.dingtalk.directory;
  dingtalk.departments = [
    { dept_id: 1, name: org!.name },
    ...demo.teams.map((t) => ({ dept_id: dept.dingtalk(t.id), name: t.name, parent_id: dept.dingtalk(t.parentId) })),
  ];
  dingtalk.users = demo.people.flatMap((p) => {
    const userid = id(p.id, 'dingtalk');
    if (!userid) return [];
    const manager = id(p.managerId, 'dingtalk');
    const led = demo.teams.filter((t) => t.managerId === p.id).map((t) => dept.dingtalk(t.id));
    return [
      {
        userid,
        name: p.name,
        ...(p.title ? { title: p.title } : {}),
        job_number: p.externalId,
        ...(p.email ? { email: p.email } : {}),
        ...(manager ? { manager_userid: manager } : {}),
        dept_id_list: [dept.dingtalk(p.teamId)],
        ...(led.length ? { leader_of: led } : {}),
      },
    ];
  });
  return true;
}

const NEW_HIRE_NAMES = ['王小雨', '李思远', '张一鸣', '赵可欣', '刘子涵', '陈若溪', '杨嘉树', '黄启明'];

/**
 * Adds a new teacher to one platform's emulated directory, in the team of `colleagueId`
 * (reporting to that team's manager), and sends the platform's change event to the server.
 * Resolves with the new person's platform user id.
 */
export async function hireInEmulator(
  store: Store,
  emulators: PlaygroundEmulators,
  platform: Platform,
  colleagueId: string,
): Promise<{ userId: string; name: string } | undefined> {
  const demo = await readDemo(store);
  if (!demo) return undefined;
  const colleague = demo.people.find((p) => p.id === colleagueId);
  const team = demo.teams.find((t) => t.id === colleague?.teamId);
  if (!colleague || !team) return undefined;
  const dept = departmentIds(demo);
  const seq = demo.people.length + 1 + Math.floor(Math.random() * 1000);
  const name = `${NEW_HIRE_NAMES[seq % NEW_HIRE_NAMES.length]}${seq}`;
  const employeeNo = `XHN${seq}`;
  const managerOn = (p: Platform) => (team.managerId ? demo.ids.get(team.managerId)?.[p] : undefined);
  if (platform === 'lark') {
    const openId = `ou_new${seq}${Math.random().toString(16).slice(2, 10)}`;
    emulators.lark.directory.users.push({
      open_id: openId,
      name,
      employee_no: employeeNo,
      job_title: '教师',
      department_ids: [dept.lark(team.id)],
      ...(managerOn('lark') ? { leader_user_id: managerOn('lark') } : {}),
      status: { is_activated: true },
    });
    await emulators.lark.deliverContactChange('contact.user.created_v3', openId);
    return { userId: openId, name };
  }
  if (platform === 'wecom') {
    const userid = `xhn${seq}`;
    emulators.wecom.directory.users.push({
      userid,
      name,
      department: [dept.wecom(team.id)],
      position: '教师',
      ...(managerOn('wecom') ? { direct_leader: [managerOn('wecom')!] } : {}),
      status: 1,
    });
    await emulators.wecom.deliverChangeContact({ changeType: 'create_user', userId: userid });
    return { userId: userid, name };
  }
  const userid = `09${seq}${Date.now() % 100_000}`;
  emulators.dingtalk.directory.users.push({
    userid,
    name,
    title: '教师',
    job_number: employeeNo,
    dept_id_list: [dept.dingtalk(team.id)],
    ...(managerOn('dingtalk') ? { manager_userid: managerOn('dingtalk') } : {}),
  });
  await emulators.dingtalk.deliverContactEvent('user_add_org', { userIds: [userid] });
  return { userId: userid, name };
}
