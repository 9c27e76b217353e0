// Schedules fire at the right local time across time zones, under a fake clock.
import { plainCardText } from '../../cards/model';
import { afterEach, describe, expect, it } from 'vitest';
import { runDueJobs } from '../../src/jobs';
import { cronMatches, dueSlot, latestSlot } from '../../jobs/schedule';
import { isoWeekKey, weekStart } from '../../core/time';
import { addKr, addObjective, addPerson, addTeam, jobsHarness, seedOrg } from './fixtures';

describe('cron slots in local time', () => {
  it('finds Monday 09:00 in Shanghai and in New York across the DST change', () => {
    expect(latestSlot('0 9 * * 1', 'Asia/Shanghai', new Date('2026-11-30T00:59:00Z'))?.toISOString()).toBe(
      '2026-11-23T01:00:00.000Z',
    );
    expect(latestSlot('0 9 * * 1', 'Asia/Shanghai', new Date('2026-11-30T01:00:00Z'))?.toISOString()).toBe(
      '2026-11-30T01:00:00.000Z',
    );
    // EDT (UTC−4) before 1 November 2026, EST (UTC−5) after.
    expect(latestSlot('0 9 * * 1', 'America/New_York', new Date('2026-10-26T13:00:00Z'))?.toISOString()).toBe(
      '2026-10-26T13:00:00.000Z',
    );
    expect(latestSlot('0 9 * * 1', 'America/New_York', new Date('2026-11-02T13:30:00Z'))?.toISOString()).toBe(
      '2026-10-26T13:00:00.000Z',
    );
    expect(latestSlot('0 9 * * 1', 'America/New_York', new Date('2026-11-02T14:00:00Z'))?.toISOString()).toBe(
      '2026-11-02T14:00:00.000Z',
    );
  });

  it('skips slots older than the catch-up window and keys periods by ISO week', () => {
    const schedule = { cron: '0 16 * * 5', period: 'day' as const, catchUpMs: 4 * 3_600_000 };
    expect(dueSlot(schedule, 'Asia/Shanghai', new Date('2026-11-27T08:00:00Z'))?.period).toBe('2026-11-27');
    expect(dueSlot(schedule, 'Asia/Shanghai', new Date('2026-11-27T12:01:00Z'))).toBeUndefined();
    expect(isoWeekKey(new Date('2026-11-30T01:00:00Z'), 'Asia/Shanghai')).toBe('2026-W49');
    // Sunday 23:30 in Shanghai is still week 48 although it is Sunday 15:30 UTC.
    expect(isoWeekKey(new Date('2026-11-29T15:30:00Z'), 'Asia/Shanghai')).toBe('2026-W48');
    expect(isoWeekKey(new Date('2026-11-29T16:30:00Z'), 'Asia/Shanghai')).toBe('2026-W49');
    expect(weekStart(new Date('2026-11-27T08:00:00Z'), 'Asia/Shanghai').toISOString()).toBe('2026-11-22T16:00:00.000Z');
  });

  it('routes a Cron Trigger by its expression', () => {
    expect(cronMatches('*/15 * * * *', new Date('2026-11-30T01:15:00Z'))).toBe(true);
    expect(cronMatches('*/15 * * * *', new Date('2026-11-30T01:16:00Z'))).toBe(false);
  });
});

describe('weekly digest fires per team time zone', () => {
  let h: ReturnType<typeof jobsHarness>;
  afterEach(() => h?.close());

  it('sends Shanghai teams at 09:00 Shanghai and the New York team at 09:00 New York, once each', async () => {
    h = jobsHarness({ now: '2026-11-30T00:59:00Z' });
    const { orgId, cycleId } = await seedOrg(h);
    const sh = await addTeam(h, orgId, 'Shanghai');
    const ny = await addTeam(h, orgId, 'New York', { timezone: 'America/New_York' });
    const li = await addPerson(h, orgId, 'li', { teamId: sh });
    const ann = await addPerson(h, orgId, 'ann', { teamId: ny, locale: 'en' });
    for (const p of [li, ann])
      await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'grow', { personId: p }), 'visits');
    const tick = async () => {
      const results = await runDueJobs(h.services, h.clock.now(), { jobNames: ['weekly-digest'] });
      await h.services.outbox.drain();
      return results;
    };

    expect(await tick()).toEqual([]);
    expect(h.sent).toHaveLength(0);

    h.clock.set('2026-11-30T01:00:00Z');
    const first = await tick();
    expect(first.map((r) => [r.period, r.outcome])).toEqual([['2026-W49', 'done']]);
    expect(h.sent.map((s) => s.to.id)).toEqual(['ou_li']);

    h.clock.set('2026-11-30T01:15:00Z');
    expect((await tick()).map((r) => r.outcome)).toEqual(['already_done']);

    h.clock.set('2026-11-30T13:59:00Z');
    await tick();
    expect(h.sent).toHaveLength(1);

    h.clock.set('2026-11-30T14:00:00Z');
    const ny9 = await tick();
    expect(ny9.map((r) => [r.period, r.outcome])).toEqual([
      ['2026-W49', 'already_done'],
      ['2026-W49@America/New_York', 'done'],
    ]);
    expect(h.sent.map((s) => s.to.id)).toEqual(['ou_li', 'ou_ann']);
    const card = h.sent[1].message.card!;
    expect(plainCardText(card.header.title)).toBe('New York · weekly digest');
  });

  it("sends reminders on Friday 16:00 in the person's zone and honours a per-org schedule", async () => {
    h = jobsHarness({ now: '2026-11-27T07:59:00Z' });
    const { orgId, cycleId } = await seedOrg(h, { schedules: { 'checkin-reminders': '30 17 * * 5' } });
    const li = await addPerson(h, orgId, 'li');
    await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'grow', { personId: li }), 'visits');
    const run = () => runDueJobs(h.services, h.clock.now(), { jobNames: ['checkin-reminders'] });
    h.clock.set('2026-11-27T08:00:00Z'); // 16:00 Shanghai: the default slot, overridden
    expect(await run()).toEqual([]);
    h.clock.set('2026-11-27T09:30:00Z'); // 17:30 Shanghai
    expect((await run()).map((r) => [r.period, r.outcome, r.stats.reminders])).toEqual([['2026-11-27', 'done', 1]]);
  });
});
