// A realistic demo org built in one atomic batch: 星火教育集团, an education
// group whose north star is the renewal rate. Used by `npm run seed:demo` and
// the playground. Idempotent: if the `demo` org exists, nothing is written.
// Deterministic (seeded random) so screenshots and docs stay stable.
import { eq } from 'drizzle-orm';
import { isUniqueViolation, type Statement, type Store } from '../db';
import { newId } from '../ids';
import {
  adjustments,
  checkIns,
  cycles,
  identities,
  keyResults,
  objectives,
  organizations,
  people,
  teams,
  type KrKind,
  type Locale,
} from '../schema';
import { auditStatement } from '../repos/audit';
import type { NewKeyResult, NewObjective, NewPerson } from '../repos/types';
import { mulberry32 } from './prng';

export const DEMO_SLUG = 'demo';
export const DEMO_ORG_NAME = '星火教育集团';

export interface DemoSummary {
  orgId: string;
  /** False when the demo org already existed and nothing was written. */
  created: boolean;
  cycleId: string;
  northStarKrId: string;
  departmentKrId: string;
  ceoId: string;
  adminId: string;
  counts: { teams: number; people: number; objectives: number; keyResults: number; checkIns: number };
}

/** Seeded helpers over mulberry32, so the demo is the same every time. */
function rng(seed: number) {
  const next = mulberry32(seed);
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    hex: (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join(''),
  };
}

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
  '林',
  '罗',
  '高',
  '郑',
  '梁',
  '谢',
  '宋',
  '唐',
  '许',
  '韩',
  '冯',
  '邓',
  '曹',
];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '洋',
  '艳',
  '勇',
  '军',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '霞',
  '平',
  '刚',
  '桂英',
  '晓燕',
  '子涵',
  '欣怡',
  '浩然',
  '雨萱',
  '思远',
  '佳琪',
  '宇航',
  '梓萱',
  '俊杰',
  '诗雨',
  '一鸣',
  '若曦',
  '嘉怡',
  '文博',
  '瑞琳',
  '天佑',
  '心怡',
];
const CENTRES = [
  { name: '北京朝阳中心', short: '朝阳' },
  { name: '北京海淀中心', short: '海淀' },
  { name: '上海浦东中心', short: '浦东' },
  { name: '上海徐汇中心', short: '徐汇' },
  { name: '广州天河中心', short: '天河' },
  { name: '深圳南山中心', short: '南山' },
];
const SUBJECTS = ['数学', '英语', '语文', '物理', '编程', '美术', '科学'];

interface KrTemplate {
  title: string;
  kind: KrKind;
  start: number;
  target: number;
  unit?: string;
}
const TEACHER_KRS: KrTemplate[] = [
  { title: '每周收集有效课后反馈 25 份', kind: 'number', start: 0, target: 25, unit: '份' },
  { title: '根据反馈优化教案 12 次', kind: 'number', start: 0, target: 12, unit: '次' },
  { title: '所带班级课堂满意度达到 4.8', kind: 'number', start: 4.2, target: 4.8, unit: '分' },
  { title: '学员作业提交率提升至 95%', kind: 'percent', start: 80, target: 95, unit: '%' },
  { title: '家长投诉降至 0 次', kind: 'number', start: 3, target: 0, unit: '次' },
  { title: '完成一次校级公开课', kind: 'boolean', start: 0, target: 1 },
  { title: '完成 4 个教研里程碑（备课、听课、复盘、分享）', kind: 'milestone', start: 0, target: 4, unit: '个' },
];
const NOTES = [
  '本周反馈比较集中在作业量上',
  '已和教研主管复盘',
  '家长会后反馈变多了',
  'Finished the parent survey',
  null,
  null,
  null,
];

function quarterOf(now: Date, timeZone: string) {
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' })
    .format(now)
    .split('-')
    .map(Number);
  const q = Math.floor((m - 1) / 3);
  const startMonth = q * 3 + 1;
  const endDay = new Date(Date.UTC(y, startMonth + 2, 0)).getUTCDate();
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    name: `${y} Q${q + 1}`,
    startsOn: `${y}-${pad(startMonth)}-01`,
    endsOn: `${y}-${pad(startMonth + 2)}-${pad(endDay)}`,
  };
}

async function existingSummary(store: Store, orgId: string): Promise<DemoSummary> {
  const [cycle] = await store.db.select().from(cycles).where(eq(cycles.orgId, orgId)).limit(1);
  const objs = await store.db.select().from(objectives).where(eq(objectives.orgId, orgId));
  const krs = await store.db.select().from(keyResults).where(eq(keyResults.orgId, orgId));
  const company = objs.find((o) => o.ownerType === 'company');
  const northStar = krs.find((k) => k.objectiveId === company?.id && k.position === 0);
  const dept = objs.find(
    (o) =>
      o.ownerType === 'team' &&
      o.parentKrId === northStar?.id &&
      krs.some((k) => k.objectiveId === o.id && k.progressMode === 'children'),
  );
  const deptKr = krs.find((k) => k.objectiveId === dept?.id && k.position === 0);
  const ppl = await store.db.select().from(people).where(eq(people.orgId, orgId));
  const tms = await store.db.select({ id: teams.id }).from(teams).where(eq(teams.orgId, orgId));
  const cis = await store.db.select({ id: checkIns.id }).from(checkIns).where(eq(checkIns.orgId, orgId));
  return {
    orgId,
    created: false,
    cycleId: cycle?.id ?? '',
    northStarKrId: northStar?.id ?? '',
    departmentKrId: deptKr?.id ?? '',
    ceoId: ppl.find((p) => p.externalId === 'XH0001')?.id ?? '',
    adminId: ppl.find((p) => p.role === 'admin')?.id ?? '',
    counts: {
      teams: tms.length,
      people: ppl.length,
      objectives: objs.length,
      keyResults: krs.length,
      checkIns: cis.length,
    },
  };
}

export async function loadDemo(store: Store, options: { now: Date; timezone?: string }): Promise<DemoSummary> {
  const [found] = await store.db.select().from(organizations).where(eq(organizations.slug, DEMO_SLUG)).limit(1);
  if (found) return existingSummary(store, found.id);

  const { now } = options;
  const timezone = options.timezone ?? 'Asia/Shanghai';
  const r = rng(20260101);
  const at = now.toISOString();
  const daysAgo = (d: number, hour = 10) =>
    new Date(now.getTime() - d * 86_400_000 - (hour % 3) * 3_600_000).toISOString();
  const orgId = newId('org');
  const statements: Statement[] = [];
  const personRows: NewPerson[] = [];
  const identityRows: {
    orgId: string;
    personId: string;
    platform: 'lark' | 'wecom' | 'dingtalk';
    platformUserId: string;
  }[] = [];
  const usedNames = new Set<string>();

  const chineseName = () => {
    for (;;) {
      const name = r.pick(SURNAMES) + r.pick(GIVEN);
      if (!usedNames.has(name)) {
        usedNames.add(name);
        return name;
      }
    }
  };
  let seq = 0;
  const addPerson = (p: {
    name: string;
    title: string;
    teamId: string | null;
    managerId: string | null;
    coachId?: string | null;
    role?: 'member' | 'admin';
    locale?: Locale;
  }) => {
    seq++;
    const id = newId('p');
    const externalId = `XH${String(seq).padStart(4, '0')}`;
    personRows.push({
      id,
      orgId,
      externalId,
      name: p.name,
      email: `${externalId.toLowerCase()}@xinghuo-edu.example.com`,
      title: p.title,
      teamId: p.teamId,
      managerId: p.managerId,
      coachId: p.coachId ?? null,
      role: p.role ?? 'member',
      locale: p.locale ?? 'zh-CN',
      timezone: null,
      createdAt: at,
      updatedAt: at,
    });
    identityRows.push(
      { orgId, personId: id, platform: 'lark', platformUserId: `ou_${r.hex(32)}` },
      { orgId, personId: id, platform: 'wecom', platformUserId: `xh${externalId.slice(2)}` },
      {
        orgId,
        personId: id,
        platform: 'dingtalk',
        platformUserId: `0${r.int(10_000, 99_999)}${String(seq).padStart(6, '0')}`,
      },
    );
    return id;
  };

  const cycle = { id: newId('cyc'), orgId, ...quarterOf(now, timezone), status: 'active' as const, createdAt: at };
  statements.push(
    store.db
      .insert(organizations)
      .values({ id: orgId, name: DEMO_ORG_NAME, slug: DEMO_SLUG, settings: { timezone }, createdAt: at }),
    store.db.insert(cycles).values(cycle),
  );

  // Teams: group management, HR, the teaching department and its centres.
  const teamRows: (typeof teams.$inferInsert)[] = [];
  const addTeam = (name: string, parentId: string | null) => {
    const id = newId('team');
    teamRows.push({
      id,
      orgId,
      name,
      parentId,
      createdAt: at,
      larkChatId: `oc_${r.hex(32)}`,
      wecomChatId: `wr${r.hex(16)}`,
      dingtalkConversationId: `cid${r.hex(20)}==`,
    });
    return id;
  };
  const hq = addTeam('集团总部', null);
  const hr = addTeam('人力资源部', hq);
  const teaching = addTeam('教学部', hq);

  const ceoId = addPerson({ name: '陈志远', title: '集团CEO', teamId: hq, managerId: null });
  const adminId = addPerson({ name: '林晓燕', title: 'HR总监', teamId: hr, managerId: ceoId, role: 'admin' });
  const deptHeadId = addPerson({ name: '周明华', title: '教学副总裁', teamId: teaching, managerId: ceoId });
  teamRows.find((t) => t.id === hq)!.managerId = ceoId;
  teamRows.find((t) => t.id === hr)!.managerId = adminId;
  teamRows.find((t) => t.id === teaching)!.managerId = deptHeadId;

  const objectiveRows: NewObjective[] = [];
  const krRows: (NewKeyResult & { id: string })[] = [];
  const checkInRows: (typeof checkIns.$inferInsert)[] = [];
  const addObjective = (o: Omit<NewObjective, 'id' | 'orgId' | 'cycleId' | 'createdAt' | 'updatedAt'>) => {
    const id = newId('obj');
    objectiveRows.push({ id, orgId, cycleId: cycle.id, status: 'active', createdAt: at, updatedAt: at, ...o });
    return id;
  };
  // Nobody collects 7.4 feedback forms: counts of things stay whole numbers.
  const countsWholeThings = (unit: string | null | undefined) =>
    !!unit && /^(次|份|个|人|节|篇|位|场|家|门)$/.test(unit);
  const addKr = (
    objectiveId: string,
    position: number,
    k: KrTemplate & {
      current: number;
      mode?: 'manual' | 'children' | 'metric';
      metricKey?: string;
      weight?: number;
      authorId?: string | null;
      checkIns?: number;
    },
  ) => {
    const id = newId('kr');
    const direction = k.target < k.start ? 'down' : 'up';
    let last: { at: string; confidence: number } | undefined;
    // Check-ins walk from the start value to the current one over the past weeks.
    const steps = k.checkIns ?? 0;
    let previous = k.start;
    for (let i = 1; i <= steps; i++) {
      const raw = k.start + ((k.current - k.start) * i) / steps;
      const value =
        k.kind === 'boolean' || k.kind === 'milestone' || countsWholeThings(k.unit)
          ? Math.round(raw)
          : Math.round(raw * 10) / 10;
      const ciAt = daysAgo((steps - i) * 7 + r.int(1, 3), i);
      const confidence = r.int(3, 9);
      checkInRows.push({
        id: newId('ci'),
        orgId,
        keyResultId: id,
        authorId: k.authorId ?? null,
        value,
        previousValue: previous,
        confidence,
        note: r.pick(NOTES),
        source: r.next() < 0.7 ? 'chat' : 'card',
        createdAt: ciAt,
      });
      previous = value;
      last = { at: ciAt, confidence };
    }
    krRows.push({
      id,
      orgId,
      objectiveId,
      cycleId: cycle.id,
      title: k.title,
      kind: k.kind,
      startValue: k.start,
      targetValue: k.target,
      currentValue: steps ? previous : k.current,
      unit: k.unit ?? null,
      direction,
      weight: k.weight ?? 1,
      progressMode: k.mode ?? 'manual',
      metricKey: k.metricKey ?? null,
      metricAggregation: k.metricKey ? 'last' : null,
      confidence: last?.confidence ?? null,
      lastCheckInAt: last?.at ?? null,
      position,
      status: 'active',
      createdAt: at,
      updatedAt: at,
    });
    return id;
  };

  // The north star and the department objective aligned to it.
  const companyObj = addObjective({
    title: '续费驱动增长：让每一位学员都愿意留下来',
    ownerType: 'company',
    ownerPersonId: null,
    ownerTeamId: null,
    parentKrId: null,
    position: 0,
    createdBy: ceoId,
  });
  const northStarKrId = addKr(companyObj, 0, {
    title: '学员续费率提升至68%',
    kind: 'percent',
    start: 52,
    target: 68,
    unit: '%',
    current: 58.5,
    mode: 'metric',
    metricKey: 'renewal_rate',
    weight: 2,
  });
  addKr(companyObj, 1, {
    title: '家长 NPS 从 62 提升至 76',
    kind: 'number',
    start: 62,
    target: 76,
    current: 68,
    checkIns: 2,
    authorId: ceoId,
  });
  const deptObj = addObjective({
    title: '打造高满意度课堂，让续费成为自然结果',
    ownerType: 'team',
    ownerTeamId: teaching,
    ownerPersonId: null,
    parentKrId: northStarKrId,
    position: 0,
    createdBy: deptHeadId,
  });
  const departmentKrId = addKr(deptObj, 0, {
    title: '课程满意度 ≥ 4.7',
    kind: 'number',
    start: 4.3,
    target: 4.7,
    unit: '分',
    current: 4.5,
    mode: 'children',
  });
  addKr(deptObj, 1, {
    title: '教研活动覆盖 100% 的老师',
    kind: 'percent',
    start: 40,
    target: 100,
    unit: '%',
    current: 75,
    checkIns: 3,
    authorId: deptHeadId,
  });
  const hrObj = addObjective({
    title: '让 OKR 成为每位老师的日常',
    ownerType: 'team',
    ownerTeamId: hr,
    ownerPersonId: null,
    parentKrId: northStarKrId,
    position: 1,
    createdBy: adminId,
  });
  addKr(hrObj, 0, {
    title: '每周 OKR 更新率达到 85%',
    kind: 'percent',
    start: 30,
    target: 85,
    unit: '%',
    current: 71,
    checkIns: 3,
    authorId: adminId,
  });

  let englishLeft = 2;
  CENTRES.forEach((centre, ci) => {
    const teamId = addTeam(centre.name, teaching);
    const managerId = addPerson({
      name: chineseName(),
      title: `${centre.short}中心主任`,
      teamId,
      managerId: deptHeadId,
    });
    const coachId = addPerson({ name: chineseName(), title: '教研主管', teamId, managerId, coachId: null });
    teamRows.find((t) => t.id === teamId)!.managerId = managerId;
    // Each centre owns its share of the north star: a team KR that rolls up from its teachers.
    const centreObj = addObjective({
      title: `${centre.short}中心：续费率领跑集团`,
      ownerType: 'team',
      ownerTeamId: teamId,
      ownerPersonId: null,
      parentKrId: northStarKrId,
      position: 0,
      createdBy: managerId,
    });
    addKr(centreObj, 0, {
      title: `${centre.short}中心续费率 ≥ 68%`,
      kind: 'percent',
      start: 50 + ci,
      target: 68,
      unit: '%',
      current: 55 + ci * 1.5,
      mode: 'metric',
      metricKey: `renewal_rate:${centre.short}`,
    });
    addKr(centreObj, 1, {
      title: `${centre.short}中心课堂满意度均分 ≥ 4.7`,
      kind: 'number',
      start: 4.3,
      target: 4.7,
      unit: '分',
      current: 4.4 + r.int(0, 3) / 10,
      mode: 'children',
    });

    const teacherCount = ci < 3 ? 8 : 7;
    for (let i = 0; i < teacherCount; i++) {
      const english = englishLeft > 0 && i === 3 && ci < 2;
      const name = english ? (ci === 0 ? 'Emily Carter' : 'James Miller') : chineseName();
      if (english) englishLeft--;
      const subject = english ? '英语' : r.pick(SUBJECTS);
      const teacherId = addPerson({
        name,
        title: english ? 'English Teacher' : `${subject}老师`,
        teamId,
        managerId,
        coachId,
        locale: english ? 'en' : 'zh-CN',
      });
      if (i === teacherCount - 1 && ci % 2 === 0) continue; // a few teachers have not set OKRs yet
      const aligned = !(i === 0 && ci === 4); // and one set a goal that aligns to nothing
      const objId = addObjective({
        title: aligned ? '每节课后收集5份有效反馈并优化教案' : '提升个人专业能力',
        ownerType: 'person',
        ownerPersonId: teacherId,
        ownerTeamId: null,
        parentKrId: aligned ? departmentKrId : null,
        position: 0,
        createdBy: teacherId,
      });
      const pool = [...TEACHER_KRS];
      const krCount = r.int(2, 4);
      for (let k = 0; k < krCount; k++) {
        const tpl = pool.splice(r.int(0, pool.length - 1), 1)[0];
        const fraction = r.next() < 0.15 ? 0 : Math.min(1.1, r.next() * 1.1);
        let current = tpl.start + (tpl.target - tpl.start) * fraction;
        if (tpl.kind === 'boolean') current = fraction > 0.8 ? 1 : 0;
        else if (tpl.kind === 'milestone') current = Math.floor(tpl.target * fraction);
        else current = countsWholeThings(tpl.unit) ? Math.round(current) : Math.round(current * 10) / 10;
        addKr(objId, k, {
          ...tpl,
          current,
          authorId: teacherId,
          checkIns: fraction === 0 ? 0 : r.int(1, 4),
          weight: k === 0 ? 2 : 1,
        });
      }
    }
  });

  // One pending goal change, so approvals have something to show: a teacher asks to raise a
  // count KR by a fifth. Values use the shape chat requests use (`{ target }`).
  // Not a KR1: the playground's walkthrough adjusts a teacher's KR1 and must not find it pending.
  const countKr = (k: (typeof krRows)[number]) =>
    k.kind === 'number' &&
    Number.isInteger(k.targetValue) &&
    k.targetValue >= 10 &&
    k.targetValue > (k.startValue ?? 0) &&
    objectiveRows.find((o) => o.id === k.objectiveId)?.ownerType === 'person';
  const firstTeacherKr = krRows.find((k) => countKr(k) && (k.position ?? 0) > 0) ?? krRows.find(countKr);
  const requester = objectiveRows.find((o) => o.id === firstTeacherKr?.objectiveId)?.ownerPersonId;
  const requesterRow = personRows.find((p) => p.id === requester);
  const adjustmentRows =
    firstTeacherKr && requesterRow
      ? [
          {
            id: newId('adj'),
            orgId,
            cycleId: cycle.id,
            objectiveId: firstTeacherKr.objectiveId,
            keyResultId: firstTeacherKr.id,
            requesterId: requesterRow.id,
            approverId: requesterRow.managerId ?? null,
            kind: 'target' as const,
            current: { target: firstTeacherKr.targetValue },
            proposed: { target: Math.round(Number(firstTeacherKr.targetValue) * 1.2) },
            reason: '本月新增两个班，可以多做一些',
            status: 'pending' as const,
            createdAt: daysAgo(1),
            expiresAt: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
          },
        ]
      : [];

  statements.push(
    ...teamRows.map((t) => store.db.insert(teams).values(t)),
    ...personRows.map((p) => store.db.insert(people).values(p)),
    ...identityRows.map((i) => store.db.insert(identities).values(i)),
    ...objectiveRows.map((o) => store.db.insert(objectives).values(o)),
    ...krRows.map((k) => store.db.insert(keyResults).values(k)),
    ...checkInRows.map((c) => store.db.insert(checkIns).values(c)),
    ...adjustmentRows.map((a) => store.db.insert(adjustments).values(a)),
    auditStatement(store, {
      orgId,
      actorType: 'system',
      action: 'demo.seed',
      entityType: 'org',
      entityId: orgId,
      data: { people: personRows.length },
      now,
    }),
  );
  try {
    await store.atomic(statements);
  } catch (err) {
    // Another process seeded the demo at the same moment: theirs stands.
    if (isUniqueViolation(err)) {
      const [org] = await store.db.select().from(organizations).where(eq(organizations.slug, DEMO_SLUG)).limit(1);
      if (org) return existingSummary(store, org.id);
    }
    throw err;
  }
  return {
    orgId,
    created: true,
    cycleId: cycle.id,
    northStarKrId,
    departmentKrId,
    ceoId,
    adminId,
    counts: {
      teams: teamRows.length,
      people: personRows.length,
      objectives: objectiveRows.length,
      keyResults: krRows.length,
      checkIns: checkInRows.length,
    },
  };
}
