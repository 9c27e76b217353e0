// The final-score message at close (docs/review.md#close): each reviewed person gets one message
// with their final score, in their language, through the outbox; whether it counts for appraisal
// follows the observation period; closing twice, enqueuing twice at once, or the review-sweep's
// check after a close sends nothing twice; a close whose messages were lost gets them from the sweep.
import { eq, like } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cycles, organizations, outbox } from '../../storage/schema';
import { runJobNow } from '../../src/jobs';
import { closeCycle, sendFinalMessages } from '../../src/review/service';
import { IDS } from '../helpers/fixtures';
import { message, startReviewHarness, type ReviewHarness } from './harness';

let h: ReviewHarness;
beforeEach(async () => {
  h = await startReviewHarness();
  await h.api('POST', `/api/v1/cycles/${IDS.cycle}/review`, { self_due: '2026-12-25', calibration_due: '2026-12-30' });
  await h.dispatch(message('ou_alice', '自评 O1 0.7'));
  await h.dispatch(message('ou_manager', '校准 张伟 0.6 原因 满意度未达标'));
});
afterEach(async () => {
  await h.close();
});

const finalTexts = (to: string) =>
  h
    .sent(to)
    .map((r) => r.message.text ?? '')
    .filter((text) => text.includes('最终绩效得分') || text.includes('final performance score'));

const finalRows = () => h.store.db.select().from(outbox).where(like(outbox.subject, 'review-final:%'));

describe('the final-score message at close', () => {
  it('tells each person their final score once, in their language; closing twice sends nothing twice', async () => {
    await h.api('POST', `/api/v1/cycles/${IDS.cycle}/close`);
    // Alice (zh-CN): calibrated 0.6; Bob (en): no self score, computed 0.3.
    expect(finalTexts('ou_alice')).toEqual([
      '周期“2026 Q4”已关闭，你的最终绩效得分是 0.6（0.0–1.0）。\n这个得分计入本周期的绩效考核。回复“复盘”可以查看各目标的得分。',
    ]);
    expect(finalTexts('ou_bob')).toHaveLength(1);
    expect(finalTexts('ou_bob')[0]).toContain('Your final performance score is 0.3 (0.0–1.0)');
    expect(finalTexts('ou_bob')[0]).toContain('counts for this cycle');
    expect(finalTexts('ou_bob')[0]).not.toMatch(/[\u4e00-\u9fff]/);
    // Nobody else was reviewed, so nobody else is told.
    expect(finalTexts('ou_manager')).toHaveLength(0);
    expect(await finalRows()).toHaveLength(2);

    const again = (await (await h.api('POST', `/api/v1/cycles/${IDS.cycle}/close`)).json()) as any;
    expect(again).toMatchObject({ changed: false });
    expect(finalTexts('ou_alice')).toHaveLength(1);
    expect(await finalRows()).toHaveLength(2);
  });

  it('enqueuing twice at once sends once; a close whose messages were lost gets them from the review-sweep, once', async () => {
    const [cycle] = await h.store.db.select().from(cycles).where(eq(cycles.id, IDS.cycle));
    const [org] = await h.store.db.select().from(organizations).where(eq(organizations.id, IDS.org));
    // The process stopped right after the close: the lock and scores are there, no message.
    const closed = await closeCycle(h.services, org, cycle, { type: 'admin' });
    expect(closed.changed).toBe(true);
    expect(await finalRows()).toHaveLength(0);
    expect(await sendFinalMessages(h.services, org, cycle)).toBe(0); // not closed in this (stale) row: nothing
    // The next morning's review-sweep finds them missing and enqueues them.
    h.clock.advance(31 * 3_600_000); // 2026-12-21 09:00 Asia/Shanghai
    await runJobNow(h.services, 'review-sweep');
    await h.services.outbox.drain();
    expect(await finalRows()).toHaveLength(2);
    expect(finalTexts('ou_alice')).toHaveLength(1);
    // Two callers at once (a close retried while the sweep runs) and the next day's sweep: nothing more.
    const [a, b] = await Promise.all([
      sendFinalMessages(h.services, org, closed.cycle),
      sendFinalMessages(h.services, org, closed.cycle),
    ]);
    expect(a + b).toBe(0);
    h.clock.advance(24 * 3_600_000);
    await runJobNow(h.services, 'review-sweep');
    await h.services.outbox.drain();
    expect(await finalRows()).toHaveLength(2);
    expect(finalTexts('ou_alice')).toHaveLength(1);
  });

  it('two enqueues racing on a fresh close insert each message once', async () => {
    const [cycle] = await h.store.db.select().from(cycles).where(eq(cycles.id, IDS.cycle));
    const [org] = await h.store.db.select().from(organizations).where(eq(organizations.id, IDS.org));
    const closed = await closeCycle(h.services, org, cycle, { type: 'admin' });
    const counts = await Promise.all([
      sendFinalMessages(h.services, org, closed.cycle),
      sendFinalMessages(h.services, org, closed.cycle),
    ]);
    expect(counts.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(2);
    await h.services.outbox.drain();
    expect(await finalRows()).toHaveLength(2);
    expect(finalTexts('ou_alice')).toHaveLength(1);
    expect(finalTexts('ou_bob')).toHaveLength(1);
  });

  it('during the observation period the message says the score does not count for appraisal', async () => {
    await h.store.db
      .update(organizations)
      .set({ settings: { observationUntil: '2027-06-30' } })
      .where(eq(organizations.id, IDS.org));
    await h.api('POST', `/api/v1/cycles/${IDS.cycle}/close`);
    expect(finalTexts('ou_alice')[0]).toContain('观察期：这个得分只做参考，不计入绩效考核');
    expect(finalTexts('ou_bob')[0]).toContain('does not count for appraisal');
  });
});
