// Most improved (进步奖) in the weekly company digest (docs/review.md#most-improved): the admins'
// company digest names the people and teams whose final score rose most in the cycle closed
// last, against the cycle reviewed before it — the same src/review/improved.ts as the close's
// answer — for four weeks after the close, and nothing otherwise.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCompanyDigestCard } from '../../cards/company-digest';
import { cycles, reviews } from '../../storage/schema';
import { runJobNow } from '../../src/jobs';
import { IDS } from '../helpers/fixtures';
import { cardText, message, startReviewHarness, type ReviewHarness } from './harness';

let h: ReviewHarness;
beforeEach(async () => {
  h = await startReviewHarness();
  // Q3 was reviewed: Alice 0.3, Bob 0.5.
  await h.store.atomic([
    h.store.db.insert(cycles).values({
      id: 'cyc_q3',
      orgId: IDS.org,
      name: '2026 Q3',
      startsOn: '2026-07-01',
      endsOn: '2026-09-30',
      status: 'closed',
      closedAt: '2026-10-08T02:00:00.000Z',
    }),
    h.store.db.insert(reviews).values([
      {
        id: 'rv_q3_a',
        orgId: IDS.org,
        cycleId: 'cyc_q3',
        personId: IDS.alice,
        teamId: IDS.team,
        computedScore: 0.3,
        finalScore: 0.3,
      },
      {
        id: 'rv_q3_b',
        orgId: IDS.org,
        cycleId: 'cyc_q3',
        personId: IDS.bob,
        teamId: IDS.team,
        computedScore: 0.5,
        finalScore: 0.5,
      },
    ]),
  ]);
  await h.api('POST', `/api/v1/cycles/${IDS.cycle}/review`, { self_due: '2026-12-25', calibration_due: '2026-12-30' });
  await h.dispatch(message('ou_alice', '自评 O1 0.7'));
  await h.dispatch(message('ou_manager', '校准 张伟 0.6 原因 满意度未达标'));
});
afterEach(async () => {
  await h.close();
});

const companyDigests = () => h.sent('ou_ceo').filter((r) => cardText(r.message.card ?? '').includes('公司周报'));

describe('most improved in the company digest', () => {
  it('names the people and teams that rose most in the cycle just closed, with their scores', async () => {
    await h.api('POST', `/api/v1/cycles/${IDS.cycle}/close`);
    h.clock.advance(24 * 3_600_000); // Monday 2026-12-21, 10:00 Asia/Shanghai
    await runJobNow(h.services, 'weekly-digest');
    await h.services.outbox.drain();
    const [digest] = companyDigests();
    expect(digest).toBeDefined();
    const text = cardText(digest.message.card);
    // Alice 0.3 → 0.6 (calibrated); Bob 0.5 → 0.3 fell and is not named; the team's mean 0.4 → 0.45.
    expect(text).toContain('进步奖 · 2026 Q4');
    expect(text).toContain('对比 2026 Q3');
    expect(text).toContain('个人：张伟 0.3 → 0.6（+0.3）');
    expect(text).toContain('团队：销售一部 0.4 → 0.45（+0.05）');
    expect(text).not.toContain('Bob Smith');
  });

  it('names nobody while the review still runs, or once the close is more than four weeks old', async () => {
    h.clock.advance(24 * 3_600_000);
    await runJobNow(h.services, 'weekly-digest');
    await h.services.outbox.drain();
    expect(companyDigests()).toHaveLength(1);
    expect(cardText(companyDigests()[0].message.card)).not.toContain('进步奖');

    await h.api('POST', `/api/v1/cycles/${IDS.cycle}/close`);
    h.clock.advance(29 * 24 * 3_600_000); // five weeks on, still Monday
    await runJobNow(h.services, 'weekly-digest');
    await h.services.outbox.drain();
    expect(companyDigests()).toHaveLength(2);
    expect(cardText(companyDigests()[1].message.card)).not.toContain('进步奖');
  });

  it('the card speaks English to an English admin and shows scores on the org scale', () => {
    const card = buildCompanyDigestCard(
      {
        orgName: 'Acme',
        cycleName: '2026 Q4',
        week: '2026-W52',
        alignmentRate: 1,
        checkInRate: 1,
        adjustmentRatePer100: 0,
        people: 2,
        objectives: 2,
        statusCounts: { on_track: 1, at_risk: 0, off_track: 0, done: 0, not_started: 1 },
        pendingAdjustments: 0,
        mostImproved: {
          cycleName: '2026 Q4',
          previousCycleName: '2026 Q3',
          scale: '0-100',
          people: [{ name: 'Bob Smith', previous: 0.3, current: 0.6, delta: 0.3 }],
          teams: [],
        },
      },
      'en',
    );
    const text = cardText(card);
    expect(text).toContain('Most improved · 2026 Q4** (against 2026 Q3)');
    expect(text).toContain('People: Bob Smith 30 → 60 (+30)');
    expect(text).not.toContain('Teams:');
    expect(text).not.toMatch(/[\u4e00-\u9fff]/);
  });
});
