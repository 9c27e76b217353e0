// A small organisation for end-to-end tests: a CEO with a company objective, a
// manager, two employees (one with locale en), every person bound on all three
// platforms, and an active cycle around `now`.
import type { Store } from '../../storage/db';
import { cycles, identities, keyResults, objectives, organizations, people, teams } from '../../storage/schema';

export const IDS = {
  org: 'org_acme',
  cycle: 'cyc_q4',
  team: 'team_sales',
  ceo: 'per_ceo',
  manager: 'per_mgr',
  alice: 'per_alice',
  bob: 'per_bob',
  companyObjective: 'obj_company',
  northStarKr: 'kr_north',
  aliceObjective: 'obj_alice',
  aliceKr1: 'kr_alice_1',
  aliceKr2: 'kr_alice_2',
  aliceKr3: 'kr_alice_3',
  bobObjective: 'obj_bob',
  bobKr1: 'kr_bob_1',
} as const;

/** Platform user ids: Lark open_id, WeCom userid, DingTalk staffId. */
export const PLATFORM_IDS: Record<string, { lark: string; wecom: string; dingtalk: string }> = {
  [IDS.ceo]: { lark: 'ou_ceo', wecom: 'CeoLi', dingtalk: 'staff_ceo' },
  [IDS.manager]: { lark: 'ou_manager', wecom: 'WangFang', dingtalk: 'staff_mgr' },
  [IDS.alice]: { lark: 'ou_alice', wecom: 'ZhangWei', dingtalk: 'staff_alice' },
  [IDS.bob]: { lark: 'ou_bob', wecom: 'BobSmith', dingtalk: 'staff_bob' },
};

export async function seedSmallOrg(store: Store, options: { cycleStart?: string; cycleEnd?: string } = {}) {
  const db = store.db;
  await store.atomic([
    db.insert(organizations).values({ id: IDS.org, name: 'Acme 教育', slug: 'acme', settings: {} }),
    db.insert(cycles).values({
      id: IDS.cycle,
      orgId: IDS.org,
      name: '2026 Q4',
      startsOn: options.cycleStart ?? '2026-10-01',
      endsOn: options.cycleEnd ?? '2026-12-31',
      status: 'active',
    }),
    db.insert(teams).values({ id: IDS.team, orgId: IDS.org, name: '销售一部', managerId: IDS.manager }),
    db.insert(people).values([
      { id: IDS.ceo, orgId: IDS.org, externalId: 'E000', name: '李总', role: 'admin', locale: 'zh-CN' },
      {
        id: IDS.manager,
        orgId: IDS.org,
        externalId: 'E001',
        name: '王芳',
        managerId: IDS.ceo,
        teamId: IDS.team,
        locale: 'zh-CN',
      },
      {
        id: IDS.alice,
        orgId: IDS.org,
        externalId: 'E002',
        name: '张伟',
        managerId: IDS.manager,
        teamId: IDS.team,
        locale: 'zh-CN',
      },
      {
        id: IDS.bob,
        orgId: IDS.org,
        externalId: 'E003',
        name: 'Bob Smith',
        managerId: IDS.manager,
        teamId: IDS.team,
        locale: 'en',
      },
    ]),
    db.insert(identities).values(
      Object.entries(PLATFORM_IDS).flatMap(([personId, ids]) =>
        (['lark', 'wecom', 'dingtalk'] as const).map((platform) => ({
          orgId: IDS.org,
          personId,
          platform,
          platformUserId: ids[platform],
        })),
      ),
    ),
    db.insert(objectives).values([
      {
        id: IDS.companyObjective,
        orgId: IDS.org,
        cycleId: IDS.cycle,
        title: '成为区域口碑第一的教育品牌',
        ownerType: 'company',
      },
      {
        id: IDS.aliceObjective,
        orgId: IDS.org,
        cycleId: IDS.cycle,
        title: '提升课程满意度',
        ownerType: 'person',
        ownerPersonId: IDS.alice,
        parentKrId: IDS.northStarKr,
      },
      {
        id: IDS.bobObjective,
        orgId: IDS.org,
        cycleId: IDS.cycle,
        title: 'Grow renewals in my centre',
        ownerType: 'person',
        ownerPersonId: IDS.bob,
        parentKrId: IDS.northStarKr,
      },
    ]),
    db.insert(keyResults).values([
      {
        id: IDS.northStarKr,
        orgId: IDS.org,
        objectiveId: IDS.companyObjective,
        cycleId: IDS.cycle,
        title: '学员续费率提升至68%',
        kind: 'percent',
        startValue: 52,
        targetValue: 68,
        currentValue: 58,
        unit: '%',
      },
      {
        id: IDS.aliceKr1,
        orgId: IDS.org,
        objectiveId: IDS.aliceObjective,
        cycleId: IDS.cycle,
        title: '每节课后收集有效反馈',
        kind: 'number',
        startValue: 0,
        targetValue: 100,
        currentValue: 30,
        unit: '份',
        position: 0,
      },
      {
        id: IDS.aliceKr2,
        orgId: IDS.org,
        objectiveId: IDS.aliceObjective,
        cycleId: IDS.cycle,
        title: '课程满意度',
        kind: 'number',
        startValue: 4.2,
        targetValue: 4.7,
        currentValue: 4.4,
        unit: '分',
        position: 1,
      },
      {
        id: IDS.aliceKr3,
        orgId: IDS.org,
        objectiveId: IDS.aliceObjective,
        cycleId: IDS.cycle,
        title: '家长投诉次数',
        kind: 'number',
        startValue: 10,
        targetValue: 2,
        currentValue: 6,
        unit: '次',
        direction: 'down',
        position: 2,
      },
      {
        id: IDS.bobKr1,
        orgId: IDS.org,
        objectiveId: IDS.bobObjective,
        cycleId: IDS.cycle,
        title: 'Renewal rate',
        kind: 'percent',
        startValue: 50,
        targetValue: 70,
        currentValue: 55,
        unit: '%',
      },
    ]),
  ]);
  return IDS;
}
