// A digest's content: progress and change since last week, movers, missing
// check-ins (not people on leave or with metric-only KRs), open adjustments;
// group chat when the team has one; the company digest for admins.
import { plainCardText } from '../../cards/model';
import { afterEach, describe, expect, it } from 'vitest';
import { computeTeamDigests } from '../../jobs/digest-data';
import { runJobNow } from '../../src/jobs';
import { getTeam } from '../../storage/repos/people';
import { resolveCycle } from '../../storage/repos/cycles';
import {
  addAdjustment,
  addCheckIn,
  addKr,
  addObjective,
  addPerson,
  addTeam,
  cardText,
  jobsHarness,
  seedOrg,
} from './fixtures';

describe('weekly digest content', () => {
  let h: ReturnType<typeof jobsHarness>;
  afterEach(() => h?.close());

  async function seed() {
    h = jobsHarness({ now: '2026-11-30T01:00:00Z' }); // Monday 09:00 Shanghai
    const { orgId, cycleId } = await seedOrg(h);
    const team = await addTeam(h, orgId, 'Sales');
    const boss = await addPerson(h, orgId, 'boss', { role: 'admin' });
    await h.store.db.update((await import('../../storage/schema')).teams).set({ managerId: boss });
    const ana = await addPerson(h, orgId, 'ana', { teamId: team });
    const bo = await addPerson(h, orgId, 'bo', { teamId: team });
    const cy = await addPerson(h, orgId, 'cy', { teamId: team });
    const dee = await addPerson(h, orgId, 'dee', { teamId: team, pausedUntil: '2026-12-05' });
    const eve = await addPerson(h, orgId, 'eve', { teamId: team });
    const teamObjective = await addObjective(h, orgId, cycleId, 'Win the north', { teamId: team });
    const teamKr = await addKr(h, orgId, cycleId, teamObjective, 'Regional revenue', { mode: 'children' });
    const anaKr = await addKr(
      h,
      orgId,
      cycleId,
      await addObjective(h, orgId, cycleId, 'Ana grows', { personId: ana }, teamKr),
      'Home visits',
      { current: 50, lastCheckInAt: '2026-11-28T03:00:00Z' },
    );
    // Ana: 10 before the week (an earlier check-in), then 10 → 30 → 50 inside it: +40 points.
    await addCheckIn(h, orgId, anaKr, ana, 0, 10, '2026-11-10T03:00:00Z');
    await addCheckIn(h, orgId, anaKr, ana, 10, 30, '2026-11-25T03:00:00Z');
    await addCheckIn(h, orgId, anaKr, ana, 30, 50, '2026-11-28T03:00:00Z');
    const boKr = await addKr(
      h,
      orgId,
      cycleId,
      await addObjective(h, orgId, cycleId, 'Bo grows', { personId: bo }),
      'Renewals',
      { current: 20, lastCheckInAt: '2026-11-26T03:00:00Z' },
    );
    await addCheckIn(h, orgId, boKr, bo, 10, 20, '2026-11-26T03:00:00Z');
    // Cy checked in two weeks ago only: missing. Dee is on leave. Eve's only KR is fed by metrics.
    await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'Cy grows', { personId: cy }), 'Calls', {
      current: 5,
      lastCheckInAt: '2026-11-12T03:00:00Z',
    });
    await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'Dee grows', { personId: dee }), 'Leads');
    await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'Eve grows', { personId: eve }), 'NPS', {
      mode: 'metric',
      current: 70,
    });
    await addAdjustment(h, orgId, bo, 'market shrank');
    return { orgId, team, names: { boss, ana, bo, cy, dee, eve } };
  }

  it('computes change since last week, movers, missing check-ins and adjustments', async () => {
    const { orgId, team } = await seed();
    const cycle = (await resolveCycle(h.store, orgId, undefined, '2026-11-30'))!;
    const [data] = await computeTeamDigests(h.store, orgId, cycle, [(await getTeam(h.store, orgId, team))!], {
      start: new Date('2026-11-23T01:00:00Z'),
      now: h.clock.now(),
      timeZone: 'Asia/Shanghai',
      today: '2026-11-30',
      week: '2026-W49',
    });
    const d = data.digest;
    expect(d.movers.map((m) => [m.name, m.title, Math.round(m.delta * 100)])).toEqual([
      ['ana', 'Home visits', 40],
      ['Sales', 'Regional revenue', 40],
      ['bo', 'Renewals', 10],
    ]);
    expect(d.notCheckedIn).toEqual(['cy']);
    expect(d.objectives[0].keyResults[0]).toMatchObject({ title: 'Regional revenue' });
    expect(Math.round(d.objectives[0].progress * 100)).toBe(50);
    expect(Math.round(d.objectives[0].delta * 100)).toBe(40);
    expect(d.adjustments).toEqual([{ requester: 'bo', kind: 'target', reason: 'market shrank' }]);
    expect(d.members.find((m) => m.name === 'ana')?.status).toBeDefined();
  });

  it('sends one card per member and manager without a group chat, and the company digest to admins', async () => {
    const { names } = await seed();
    const results = await runJobNow(h.services, 'weekly-digest');
    expect(results.map((r) => r.outcome)).toEqual(['done']);
    await h.services.outbox.drain();
    const byRecipient = new Map<string, string[]>();
    for (const s of h.sent)
      byRecipient.set(s.to.id, [...(byRecipient.get(s.to.id) ?? []), plainCardText(s.message.card!.header.title)]);
    for (const member of ['ou_ana', 'ou_bo', 'ou_cy', 'ou_dee', 'ou_eve'])
      expect(byRecipient.get(member)).toEqual(['Sales · 周报']);
    expect(byRecipient.get('ou_boss')?.sort()).toEqual(['Acme · 公司周报', 'Sales · 周报']);
    expect([...byRecipient.keys()].sort()).toEqual(['ou_ana', 'ou_bo', 'ou_boss', 'ou_cy', 'ou_dee', 'ou_eve']);
    const text = cardText(h.sent.find((s) => s.to.id === 'ou_ana')!.message);
    expect(text).toContain('本周未更新**：cy');
    expect(text).toContain('ana · Home visits：+40%');
    expect(text).toContain('bo：调整目标值');
    const company = cardText(h.sent.find((s) => plainCardText(s.message.card!.header.title).includes('公司'))!.message);
    expect(company).toContain('目标对齐率');
    void names;
    // A second run for the same week sends nothing.
    expect((await runJobNow(h.services, 'weekly-digest')).map((r) => r.outcome)).toEqual(['already_done']);
  });

  it('posts to the team group chat when one is configured', async () => {
    const { team } = await seed();
    await h.store.db.update((await import('../../storage/schema')).teams).set({ larkChatId: 'oc_sales' });
    await runJobNow(h.services, 'weekly-digest');
    await h.services.outbox.drain();
    const teamCards = h.sent.filter((s) => plainCardText(s.message.card!.header.title).startsWith('Sales'));
    expect(teamCards.map((s) => [s.to.kind, s.to.id])).toEqual([['group', 'oc_sales']]);
    void team;
  });
});
