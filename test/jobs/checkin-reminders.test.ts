// Check-in reminders: only people who have not checked in this week, never
// people on leave, never for metric-fed KRs, at most `reminderCapPerWeek` a week.
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { keyResults } from '../../storage/schema';
import { cardButtons } from '../../cards/model';
import { runDueJobs, runJobNow } from '../../src/jobs';
import { addKr, addObjective, addPerson, cardText, jobsHarness, seedOrg } from './fixtures';

describe('check-in reminders', () => {
  let h: ReturnType<typeof jobsHarness>;
  afterEach(() => h?.close());

  it('nudges only who should be nudged, with quick-update buttons on manual KRs', async () => {
    h = jobsHarness({ now: '2026-11-27T08:00:00Z' }); // Friday 16:00 Shanghai
    const { orgId, cycleId } = await seedOrg(h);
    const idle = await addPerson(h, orgId, 'idle', { locale: 'en' });
    const o = await addObjective(h, orgId, cycleId, 'grow', { personId: idle });
    const manualKr = await addKr(h, orgId, cycleId, o, 'visits', {
      current: 20,
      lastCheckInAt: '2026-11-20T03:00:00Z',
    });
    const metricKr = await addKr(h, orgId, cycleId, o, 'nps', { mode: 'metric', position: 1 });
    const busy = await addPerson(h, orgId, 'busy');
    await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'grow', { personId: busy }), 'calls', {
      lastCheckInAt: '2026-11-24T03:00:00Z',
    });
    const away = await addPerson(h, orgId, 'away', { pausedUntil: '2026-11-27' });
    await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'grow', { personId: away }), 'calls');
    const fed = await addPerson(h, orgId, 'fed');
    await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'grow', { personId: fed }), 'revenue', {
      mode: 'metric',
    });

    const [result] = await runDueJobs(h.services, h.clock.now(), { jobNames: ['checkin-reminders'] });
    expect(result.stats).toMatchObject({ reminders: 1, checkedIn: 1, onLeave: 1, noManualKrs: 1 });
    await h.services.outbox.drain();
    expect(h.sent.map((s) => s.to.id)).toEqual(['ou_idle']);
    const card = h.sent[0].message.card!;
    expect(card.header.title).toBe('Your OKRs have no update this week');
    const buttons = cardButtons(card);
    expect(buttons.map((b) => b.text)).toEqual(['Keep 20', 'Progress 30%', 'Done']);
    expect(buttons.every((b) => b.actionId === 'kr.checkin' && b.value.kr === manualKr)).toBe(true);
    expect(JSON.stringify(card)).not.toContain(metricKr);
    expect(cardText(h.sent[0].message)).toContain('KR1 visits');
  });

  it('names each KR by the number chat gives it, counting a dropped KR (issue 20)', async () => {
    h = jobsHarness({ now: '2026-11-27T08:00:00Z' });
    const { orgId, cycleId } = await seedOrg(h);
    const idle = await addPerson(h, orgId, 'idle', { locale: 'en' });
    const o = await addObjective(h, orgId, cycleId, 'grow', { personId: idle });
    const gone = await addKr(h, orgId, cycleId, o, 'old', { position: 0 });
    await addKr(h, orgId, cycleId, o, 'visits', { position: 1 });
    await h.store.db.update(keyResults).set({ status: 'dropped' }).where(eq(keyResults.id, gone));
    await runDueJobs(h.services, h.clock.now(), { jobNames: ['checkin-reminders'] });
    await h.services.outbox.drain();
    // Chat keeps KR1 for the dropped KR, so `KR2 …` is the one that updates "visits".
    expect(cardText(h.sent[0].message)).toContain('KR2 visits');
  });

  it('caps nudges per person per week (default 2, configurable)', async () => {
    h = jobsHarness({ now: '2026-11-23T00:00:00Z' });
    // Three slots a week: Wednesday, Thursday and Friday at 16:00.
    const { orgId, cycleId } = await seedOrg(h, { schedules: { 'checkin-reminders': '0 16 * * 3,4,5' } });
    const idle = await addPerson(h, orgId, 'idle');
    await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'grow', { personId: idle }), 'visits');
    const counts: number[] = [];
    for (const at of ['2026-11-25T08:00:00Z', '2026-11-26T08:00:00Z', '2026-11-27T08:00:00Z']) {
      h.clock.set(at);
      const [r] = await runDueJobs(h.services, h.clock.now(), { jobNames: ['checkin-reminders'] });
      counts.push(r.stats.reminders ?? 0);
    }
    expect(counts).toEqual([1, 1, 0]);
    // A manual run the same week is capped too.
    expect(
      (await runJobNow(h.services, 'checkin-reminders', { now: new Date('2026-11-28T02:00:00Z') }))[0].stats,
    ).toMatchObject({ capped: 1 });
    // Next week the count starts again.
    h.clock.set('2026-12-02T08:00:00Z');
    expect((await runDueJobs(h.services, h.clock.now(), { jobNames: ['checkin-reminders'] }))[0].stats.reminders).toBe(
      1,
    );
    await h.services.outbox.drain();
    expect(h.sent).toHaveLength(3);
  });

  it("uses the org's reminderCapPerWeek", async () => {
    h = jobsHarness({ now: '2026-11-25T08:00:00Z' });
    const { orgId, cycleId } = await seedOrg(h, {
      reminderCapPerWeek: 1,
      schedules: { 'checkin-reminders': '0 16 * * 3,5' },
    });
    const idle = await addPerson(h, orgId, 'idle');
    await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'grow', { personId: idle }), 'visits');
    await runDueJobs(h.services, h.clock.now(), { jobNames: ['checkin-reminders'] });
    h.clock.set('2026-11-27T08:00:00Z');
    const [friday] = await runDueJobs(h.services, h.clock.now(), { jobNames: ['checkin-reminders'] });
    expect(friday.stats).toMatchObject({ capped: 1 });
  });
});
