// One roll-up everywhere: a department objective whose roll-up KR takes a lead's
// roll-up KR, which takes a teacher's KR at 50%. The tree (API), chat ("my OKRs"
// of the lead) and the weekly digest of the department must show the same 50%.
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { computeTeamDigests } from '../../jobs/digest-data';
import { loadPersonOkrView } from '../../src/chat/okr-view';
import { cycles, people } from '../../storage/schema';
import { createTestApp } from '../helpers/app';
import { addCheckIn, addKr, addObjective, addPerson, addTeam, seedOrg } from './fixtures';

let h: ReturnType<typeof createTestApp>;
afterEach(() => h?.close());

const NOW = new Date('2026-11-23T01:00:00Z'); // Monday 09:00 in Shanghai

describe('roll-up agreement', () => {
  it('the digest, the tree and chat agree on a three-level roll-up', async () => {
    h = createTestApp({ now: NOW.toISOString() });
    const f = h as unknown as Parameters<typeof seedOrg>[0];
    const { orgId, cycleId } = await seedOrg(f);
    const dept = await addTeam(f, orgId, '教学部');
    const lead = await addPerson(f, orgId, 'lead', { teamId: dept });
    const teacher = await addPerson(f, orgId, 'teacher', { teamId: dept, managerId: lead });
    const deptObjective = await addObjective(f, orgId, cycleId, '提升教学质量', { teamId: dept });
    const deptKr = await addKr(f, orgId, cycleId, deptObjective, '各年级达标', { mode: 'children' });
    const leadObjective = await addObjective(f, orgId, cycleId, '年级组达标', { personId: lead }, deptKr);
    const leadKr = await addKr(f, orgId, cycleId, leadObjective, '老师达标', { mode: 'children' });
    const teacherObjective = await addObjective(f, orgId, cycleId, '作业质量', { personId: teacher }, leadKr);
    const teacherKr = await addKr(f, orgId, cycleId, teacherObjective, '作业正确率', {
      start: 0,
      target: 100,
      current: 50,
      lastCheckInAt: new Date(NOW.getTime() - 2 * 86_400_000).toISOString(),
    });
    // Half of it this week: 20 → 50.
    await addCheckIn(f, orgId, teacherKr, teacher, 20, 50, new Date(NOW.getTime() - 2 * 86_400_000).toISOString());
    await h.api('PATCH', `/api/v1/orgs/${orgId}`, { settings: { timezone: 'Asia/Shanghai' } });

    // The tree.
    const tree = await (await h.api('GET', '/api/v1/tree', undefined, { 'X-Polaris-Org': orgId })).json();
    const node = (id: string) => tree.nodes.find((n: { id: string }) => n.id === id);
    expect(node(deptObjective).progress).toBeCloseTo(0.5);
    expect(node(leadObjective).progress).toBeCloseTo(0.5);

    // Chat: the lead's roll-up KR.
    const [leadRow] = await h.store.db.select().from(people).where(eq(people.id, lead));
    const view = await loadPersonOkrView(h.store, orgId, leadRow, NOW, 'Asia/Shanghai');
    expect(view.krs.find((k) => k.id === leadKr)!.progress).toBeCloseTo(0.5);

    // The weekly digest of the department: the objective, its KR, and the change over the week.
    const [cycle] = await h.store.db.select().from(cycles).where(eq(cycles.id, cycleId));
    const [team] = await h.store.db.select().from((await import('../../storage/schema')).teams);
    const [data] = await computeTeamDigests(h.store, orgId, cycle, [team], {
      start: new Date(NOW.getTime() - 7 * 86_400_000),
      now: NOW,
      timeZone: 'Asia/Shanghai',
      today: '2026-11-23',
      week: '2026-W48',
    });
    const objective = data.digest.objectives[0];
    expect(objective.progress).toBeCloseTo(0.5);
    expect(objective.keyResults[0].progress).toBeCloseTo(0.5);
    expect(objective.delta).toBeCloseTo(0.3);
    const leadMember = data.digest.members.find((m) => m.name === 'lead')!;
    expect(leadMember.progress).toBeCloseTo(0.5);
  });
});
