// The review-sweep job (jobs/review-sweep.ts): auto-start before ends_on, self-assessment
// reminders that share the weekly reminder cap, and team cards at self_due.
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runJobNow } from '../../src/jobs';
import { cycles, organizations } from '../../storage/schema';
import { IDS } from '../helpers/fixtures';
import { message, startReviewHarness, type ReviewHarness } from './harness';

let h: ReviewHarness;
beforeEach(async () => {
  h = await startReviewHarness({ now: '2026-12-20T02:00:00Z' });
});
afterEach(async () => {
  await h.close();
});

const run = async (now: string) => {
  h.clock.set(now);
  const [result] = await runJobNow(h.services, 'review-sweep', { now: new Date(now), force: true });
  await h.services.outbox.drain();
  return result.stats as Record<string, number>;
};
const cycleStatus = async () => (await h.store.db.select().from(cycles).where(eq(cycles.id, IDS.cycle)))[0];
const setSettings = (settings: Record<string, unknown>) =>
  h.store.db.update(organizations).set({ settings }).where(eq(organizations.id, IDS.org));

describe('review-sweep', () => {
  it('never starts a review on its own by default; starts it review_auto_start_days before ends_on when set', async () => {
    expect((await run('2026-12-20T01:00:00Z')).started).toBe(0);
    expect((await cycleStatus()).status).toBe('active');
    await setSettings({ reviewAutoStartDays: 7 });
    // 2026-12-23 local: ends_on 2026-12-31 is 8 days away: not yet.
    expect((await run('2026-12-23T01:00:00Z')).started).toBe(0);
    expect((await run('2026-12-24T01:00:00Z')).started).toBe(1);
    const cycle = await cycleStatus();
    expect(cycle).toMatchObject({ status: 'reviewing', selfDue: '2026-12-31' });
    expect(h.sent('ou_alice').some((r) => JSON.stringify(r.message.card ?? '').includes('rv.self'))).toBe(true);
    expect((await run('2026-12-25T01:00:00Z')).started).toBe(0);
  });

  it('reminds people still to assess from two days before self_due, within the weekly cap', async () => {
    await h.api('POST', `/api/v1/cycles/${IDS.cycle}/review`, {
      self_due: '2026-12-24',
      calibration_due: '2026-12-28',
    });
    await h.dispatch(message('ou_alice', '自评 O1 0.7'));
    // 12-21 is three days before: no reminder.
    expect((await run('2026-12-21T01:00:00Z')).reminded ?? 0).toBe(0);
    expect((await run('2026-12-22T01:00:00Z')).reminded).toBe(1);
    expect(h.lastText('ou_bob')).toContain('self-assessment for "2026 Q4" by 2026-12-24');
    expect(h.lastText('ou_alice')).not.toContain('自评提醒');
    // The cap (1 a week here) counts check-in and review reminders together.
    await setSettings({ reminderCapPerWeek: 1 });
    const capped = await run('2026-12-23T01:00:00Z');
    expect(capped.reminded ?? 0).toBe(0);
    expect(capped.capped).toBe(1);
  });

  it('at self_due, managers whose team card has not gone out get it once', async () => {
    await h.api('POST', `/api/v1/cycles/${IDS.cycle}/review`, {
      self_due: '2026-12-24',
      calibration_due: '2026-12-28',
    });
    await h.dispatch(message('ou_alice', '自评 O1 0.7'));
    expect((await run('2026-12-23T01:00:00Z')).calibrationCards).toBe(0);
    expect((await run('2026-12-24T01:00:00Z')).calibrationCards).toBe(1);
    const cards = h.sent('ou_manager').filter((r) => JSON.stringify(r.message.card ?? '').includes('rv.confirmAll'));
    expect(cards).toHaveLength(1);
    expect((await run('2026-12-25T01:00:00Z')).calibrationCards).toBe(0);
  });
});
