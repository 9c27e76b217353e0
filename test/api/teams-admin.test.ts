// Issue 19: teams can be renamed, moved, merged and deleted through /api/v1/teams (admin
// token only, audited); a team holding people must be merged or emptied first. Real SQLite,
// the app over its HTTP interface; every refusal is checked to change nothing.
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, objectives, people, rules, teams } from '../../storage/schema';
import { createTestApp } from '../helpers/app';

let t: ReturnType<typeof createTestApp>;
let ids: Record<string, string>;

beforeEach(async () => {
  t = createTestApp();
  // 总部 ← 教学部 ← 朝阳校区; 海淀校区 at the top; the import leaves a typo team "朝阳校去".
  const imported = await t.api('POST', '/api/v1/people/import', [
    { external_id: 'E1', name: '陈志远', team: '总部' },
    { external_id: 'E2', name: '马艳', team: '朝阳校区', manager_external_id: 'E1' },
    { external_id: 'E3', name: '李娜', team: '朝阳校去', manager_external_id: 'E2' },
    { external_id: 'E4', name: '王芳', team: '朝阳校去', manager_external_id: 'E2' },
    { external_id: 'E5', name: '何军', team: '海淀校区', manager_external_id: 'E1' },
  ]);
  expect(imported.status).toBe(200);
  const created = await t.api('POST', '/api/v1/teams', { name: '教学部' });
  expect(created.status).toBe(201);
  ids = Object.fromEntries((await t.store.db.select().from(teams)).map((x) => [x.name, x.id]));
  await t.api('PATCH', `/api/v1/teams/${ids.教学部}`, { parent_id: ids.总部 });
  await t.api('PATCH', `/api/v1/teams/${ids.朝阳校区}`, { parent_id: ids.教学部 });
});
afterEach(() => t.close());

async function state() {
  const teamRows = (await t.store.db.select().from(teams)).map((x) => `${x.name}<${x.parentId ?? '-'}`).sort();
  const memberRows = (await t.store.db.select({ e: people.externalId, team: people.teamId }).from(people))
    .map((p) => `${p.e}@${p.team}`)
    .sort();
  const ruleRows = (await t.store.db.select().from(rules)).map((r) => JSON.stringify(r.definition));
  const audits = (await t.store.db.select().from(auditLog)).length;
  return { teamRows, memberRows, ruleRows, audits };
}

async function audits(action: string) {
  return t.store.db.select().from(auditLog).where(eq(auditLog.action, action));
}

async function addRule(name: string, teamRefs: string[]) {
  const [{ orgId }] = await t.store.db.select({ orgId: teams.orgId }).from(teams).limit(1);
  await t.store.db.insert(rules).values({
    id: `rule_${name}`,
    orgId,
    name,
    definition: { scope: { type: 'team', teams: teamRefs, includeSubteams: true }, metric: 'feedback_score' },
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
  });
}

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string; message_zh: string } }).error;
}

describe('PATCH /api/v1/teams/:id', () => {
  it('renames a team, carrying alert rules that name it, and audits the change', async () => {
    await addRule('朝阳反馈', ['朝阳校去']);
    const res = await t.api('PATCH', `/api/v1/teams/${ids.朝阳校去}`, { name: '朝阳校区二部' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: ids.朝阳校去, name: '朝阳校区二部' });
    const [rule] = await t.store.db.select().from(rules);
    expect((rule.definition as { scope: { teams: string[] } }).scope.teams).toEqual(['朝阳校区二部']);
    const [entry] = await audits('team.update');
    expect(entry).toBeDefined();
    expect((await audits('team.update')).some((a) => JSON.stringify(a.data).includes('朝阳校区二部'))).toBe(true);
  });

  it('refuses a name another team has, in both languages, changing nothing', async () => {
    const before = await state();
    const res = await t.api('PATCH', `/api/v1/teams/${ids.朝阳校去}`, { name: '朝阳校区' });
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('A team named "朝阳校区" already exists'),
      message_zh: expect.stringContaining('已有名为“朝阳校区”的团队'),
    });
    expect(await state()).toEqual(before);
  });

  it('moves a team under another and back to the top, refusing loops and unknown parents', async () => {
    const moved = await t.api('PATCH', `/api/v1/teams/${ids.海淀校区}`, { parent_id: ids.教学部 });
    expect(await moved.json()).toMatchObject({ parent_id: ids.教学部 });
    const before = await state();
    // 总部 under its own grandchild 朝阳校区, and a team under itself: loops.
    for (const [team, parent] of [
      [ids.总部, ids.朝阳校区],
      [ids.教学部, ids.教学部],
    ]) {
      const loop = await t.api('PATCH', `/api/v1/teams/${team}`, { parent_id: parent });
      expect(loop.status).toBe(409);
      expect((await errorOf(loop)).message_zh).toMatch(/形成循环/);
    }
    const unknown = await t.api('PATCH', `/api/v1/teams/${ids.教学部}`, { parent_id: 'team_nope' });
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).message).toBe('parent_id team_nope names no team.');
    const missing = await t.api('PATCH', '/api/v1/teams/team_nope', { name: 'x' });
    expect(missing.status).toBe(404);
    const extra = await t.api('PATCH', `/api/v1/teams/${ids.教学部}`, { name: 'x', org_id: 'other' });
    expect(extra.status).toBe(400);
    expect(await state()).toEqual(before);

    const top = await t.api('PATCH', `/api/v1/teams/${ids.海淀校区}`, { parent_id: null });
    expect(await top.json()).toMatchObject({ parent_id: null });
  });
});

describe('POST /api/v1/teams/:id/merge', () => {
  it('moves people, objectives, sub-teams and rule references into the other team and deletes it', async () => {
    await t.api('POST', '/api/v1/cycles', { name: '2026 Q4', starts_on: '2026-10-01', ends_on: '2026-12-31' });
    const objective = await t.api('POST', '/api/v1/objectives', {
      title: '朝阳续费率',
      owner_type: 'team',
      owner_id: ids.朝阳校去,
    });
    expect(objective.status).toBe(201);
    const child = await t.api('POST', '/api/v1/teams', { name: '朝阳一组', parent_id: ids.朝阳校去 });
    await addRule('朝阳反馈', [ids.朝阳校去, '海淀校区']);

    const res = await t.api('POST', `/api/v1/teams/${ids.朝阳校去}/merge`, { into: ids.朝阳校区 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      into: { id: ids.朝阳校区, name: '朝阳校区' },
      people_moved: 2,
      objectives_moved: 1,
      teams_moved: 1,
      rules_updated: ['朝阳反馈'],
    });
    expect(await t.store.db.select().from(teams).where(eq(teams.id, ids.朝阳校去))).toEqual([]);
    const members = await t.store.db.select().from(people).where(eq(people.teamId, ids.朝阳校区));
    expect(members.map((p) => p.name).sort()).toEqual(['李娜', '王芳', '马艳'].sort());
    const [o] = await t.store.db.select().from(objectives);
    expect(o.ownerTeamId).toBe(ids.朝阳校区);
    const [sub] = await t.store.db
      .select()
      .from(teams)
      .where(eq(teams.id, ((await child.json()) as { id: string }).id));
    expect(sub.parentId).toBe(ids.朝阳校区);
    const [rule] = await t.store.db.select().from(rules);
    expect((rule.definition as { scope: { teams: string[] } }).scope.teams).toEqual([ids.朝阳校区, '海淀校区']);
    const [entry] = await audits('team.merge');
    expect(entry.data).toMatchObject({ name: '朝阳校去', into: ids.朝阳校区, people: 2, objectives: 1 });
  });

  it('merging a team into its own sub-team lifts the sub-team into its place, without a loop', async () => {
    const res = await t.api('POST', `/api/v1/teams/${ids.教学部}/merge`, { into: ids.朝阳校区 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ into: { id: ids.朝阳校区, parent_id: ids.总部 }, teams_moved: 0 });
  });

  it('refuses merging into itself or an unknown team, changing nothing', async () => {
    const before = await state();
    const self = await t.api('POST', `/api/v1/teams/${ids.总部}/merge`, { into: ids.总部 });
    expect(self.status).toBe(400);
    expect((await errorOf(self)).message_zh).toBe('不能把团队合并到它自己。');
    const unknown = await t.api('POST', `/api/v1/teams/${ids.总部}/merge`, { into: 'team_nope' });
    expect(unknown.status).toBe(400);
    const noBody = await t.api('POST', `/api/v1/teams/${ids.总部}/merge`, {});
    expect(noBody.status).toBe(400);
    expect(await state()).toEqual(before);
  });
});

describe('DELETE /api/v1/teams/:id', () => {
  it('refuses a team that holds people, even leavers, naming how many, and changes nothing', async () => {
    const before = await state();
    const res = await t.api('DELETE', `/api/v1/teams/${ids.朝阳校去}`);
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toMatchObject({
      message: expect.stringContaining('still holds 2 people'),
      message_zh: expect.stringContaining('还有 2 人'),
    });
    // Only a leaver left: still refused (their history points at the team).
    await t.store.db.update(people).set({ status: 'inactive' }).where(eq(people.teamId, ids.海淀校区));
    const leaver = await t.api('DELETE', `/api/v1/teams/${ids.海淀校区}`);
    expect(leaver.status).toBe(409);
    expect((await errorOf(leaver)).message_zh).toContain('其中已离职 1 人');
    expect(await state()).toMatchObject({ teamRows: before.teamRows, audits: before.audits });
  });

  it('refuses a team named by an alert rule or owning objectives', async () => {
    const empty = await t.api('POST', '/api/v1/teams', { name: '空团队' });
    const emptyId = ((await empty.json()) as { id: string }).id;
    await addRule('空团队规则', ['空团队']);
    const ruled = await t.api('DELETE', `/api/v1/teams/${emptyId}`);
    expect(ruled.status).toBe(409);
    expect((await errorOf(ruled)).message).toContain('空团队规则');
    await t.store.db.delete(rules);
    await t.api('POST', '/api/v1/cycles', { name: '2026 Q4', starts_on: '2026-10-01', ends_on: '2026-12-31' });
    await t.api('POST', '/api/v1/objectives', { title: '目标', owner_type: 'team', owner_id: emptyId });
    const owning = await t.api('DELETE', `/api/v1/teams/${emptyId}`);
    expect(owning.status).toBe(409);
    expect((await errorOf(owning)).message_zh).toContain('拥有 1 个目标');
  });

  it('deletes an emptied team, moving its sub-teams up to its parent, audited; admin token required', async () => {
    // Empty 教学部 is between 总部 and 朝阳校区.
    const unauthenticated = await t.app.request(`/api/v1/teams/${ids.教学部}`, { method: 'DELETE' });
    expect(unauthenticated.status).toBe(401);
    const res = await t.api('DELETE', `/api/v1/teams/${ids.教学部}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: ids.教学部, teams_moved: 1 });
    const [moved] = await t.store.db
      .select()
      .from(teams)
      .where(and(eq(teams.id, ids.朝阳校区)));
    expect(moved.parentId).toBe(ids.总部);
    expect((await audits('team.delete'))[0].data).toMatchObject({ name: '教学部', subteams: 1 });
    expect((await t.api('DELETE', `/api/v1/teams/${ids.教学部}`)).status).toBe(404);
  });
});
