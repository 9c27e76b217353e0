// Leavers (status inactive) keep their history but get nothing: no reminder,
// no digest, no approval (the request goes to the next active manager up).
import { afterEach, describe, expect, it } from 'vitest';
import { baseApprovers } from '../../src/approvals/routing';
import { runDueJobs, runJobNow } from '../../src/jobs';
import { getPerson } from '../../storage/repos/people';
import { addKr, addObjective, addPerson, addTeam, cardText, jobsHarness, seedOrg } from '../jobs/fixtures';

describe('inactive people', () => {
  let h: ReturnType<typeof jobsHarness>;
  afterEach(() => h?.close());

  it('get no check-in reminder', async () => {
    h = jobsHarness({ now: '2026-11-27T08:00:00Z' }); // Friday 16:00 Shanghai
    const { orgId, cycleId } = await seedOrg(h);
    for (const [name, status] of [
      ['stay', 'active'],
      ['gone', 'inactive'],
    ] as const) {
      const p = await addPerson(h, orgId, name, { status });
      await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'grow', { personId: p }), 'visits');
    }
    const [result] = await runDueJobs(h.services, h.clock.now(), { jobNames: ['checkin-reminders'] });
    expect(result.stats).toMatchObject({ reminders: 1, inactive: 1 });
    await h.services.outbox.drain();
    expect(h.sent.map((s) => s.to.id)).toEqual(['ou_stay']);
  });

  it('get no weekly digest', async () => {
    h = jobsHarness({ now: '2026-11-30T01:00:00Z' }); // Monday 09:00 Shanghai
    const { orgId, cycleId } = await seedOrg(h);
    const teamId = await addTeam(h, orgId, 'Sales');
    for (const [name, status] of [
      ['stay', 'active'],
      ['gone', 'inactive'],
    ] as const) {
      const p = await addPerson(h, orgId, name, { status, teamId });
      await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'grow', { personId: p }), 'visits');
    }
    await runJobNow(h.services, 'weekly-digest');
    await h.services.outbox.drain();
    const to = h.sent.map((s) => s.to.id);
    expect(to).toContain('ou_stay');
    expect(to).not.toContain('ou_gone');
    // The leaver drops out of the team card too (no "not updated this week: gone").
    for (const s of h.sent) expect(cardText(s.message)).not.toContain('gone');
  });

  it('are routed around for approvals: the next active manager up, else the active admins', async () => {
    h = jobsHarness();
    const { orgId } = await seedOrg(h);
    const admin = await addPerson(h, orgId, 'admin', { role: 'admin' });
    await addPerson(h, orgId, 'oldadmin', { role: 'admin', status: 'inactive' });
    const top = await addPerson(h, orgId, 'top');
    const mid = await addPerson(h, orgId, 'mid', { managerId: top, status: 'inactive' });
    const me = await addPerson(h, orgId, 'me', { managerId: mid });
    const requester = (await getPerson(h.store, orgId, me))!;
    expect((await baseApprovers(h.store, orgId, requester)).map((p) => p.id)).toEqual([top]);
    await h.store.sqlite.prepare(`UPDATE people SET status = 'inactive' WHERE id = ?`).run(top);
    expect((await baseApprovers(h.store, orgId, requester)).map((p) => p.id)).toEqual([admin]);
  });
});
