// Carrying unfinished KRs into the next cycle from the self-assessment card (docs/review.md#carrying-unfinished-krs):
// a button per unfinished KR and the typed `延续 KR2` / `carry KR2`; a copy with what is left as its
// target, linked to its source, under one copy of its objective, for the same owner; once however
// often it is clicked or delivered; only the owner; a clear answer naming what HR must create when
// the next cycle is missing; allowed while reviewing and after close, never into a closed cycle.
import { and, eq, isNotNull } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claims, cycles, keyResults, objectives } from '../../storage/schema';
import { IDS } from '../helpers/fixtures';
import { cardText, click, message, startReviewHarness, type ReviewHarness } from './harness';

let h: ReviewHarness;
beforeEach(async () => {
  h = await startReviewHarness();
});
afterEach(async () => {
  await h.close();
});

const start = () =>
  h.api('POST', `/api/v1/cycles/${IDS.cycle}/review`, { self_due: '2026-12-25', calibration_due: '2026-12-30' });

const addNextCycle = (status: 'planning' | 'active' | 'closed' = 'planning') =>
  h.store.db.insert(cycles).values({
    id: 'cyc_q1',
    orgId: IDS.org,
    name: '2027 Q1',
    startsOn: '2027-01-01',
    endsOn: '2027-03-31',
    status,
  });

const copies = () => h.store.db.select().from(keyResults).where(isNotNull(keyResults.carriedFromId));
const nextObjectives = () => h.store.db.select().from(objectives).where(eq(objectives.cycleId, 'cyc_q1'));

/** The newest self-assessment card sent to `to` and its carry buttons. */
function carryButtons(to: string) {
  const sent = h
    .sent(to)
    .filter((r) => JSON.stringify(r.message.card ?? '').includes('rv.self'))
    .at(-1);
  if (!sent) throw new Error(`no self-assessment card for ${to}`);
  const buttons = sent.message.card!.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : []));
  return { sent, carry: buttons.filter((b) => b.actionId === 'rv.carry') };
}

describe('carrying unfinished KRs into the next cycle', () => {
  it('the next cycle missing: a clear answer naming the cycle HR must create, and nothing is written', async () => {
    await start();
    await h.dispatch(message('ou_alice', '延续 KR2'));
    expect(h.lastText('ou_alice')).toContain('下个周期还没有建立');
    expect(h.lastText('ou_alice')).toContain('请人事管理员先建立一个从 2027-01-01 开始的周期');
    await h.dispatch(message('ou_bob', 'carry KR1'));
    expect(h.lastText('ou_bob')).toContain('Ask HR to create a cycle starting on 2027-01-01');
    expect(await copies()).toHaveLength(0);
    expect(await h.audits('review.carry')).toHaveLength(0);
  });

  it('a button per unfinished KR; a click carries the rest of the target once, linked to its source; the card shows it', async () => {
    await addNextCycle();
    await start();
    const { sent, carry } = carryButtons('ou_alice');
    // Alice's three KRs are all unfinished (30%, 40%, 50%).
    expect(carry.map((b) => b.command)).toEqual(['延续 KR1', '延续 KR2', '延续 KR3']);
    expect(carry[1].value).toEqual({ rv: (await h.review(IDS.alice)).id, kr: IDS.aliceKr2 });
    const first = await h.dispatch(click('ou_alice', 'rv.carry', carry[1].value, sent.messageId, 'ev_carry_1'));
    expect(first.toast?.kind).toBe('success');
    expect(first.toast?.text).toContain('已把 KR2「课程满意度」延续到“2027 Q1”：从 4.4分 到 4.7分');
    expect(cardText(first.card)).toContain('KR2 课程满意度 已延续到“2027 Q1”');
    // The repeated delivery is dropped by the event ledger; a second click finds it carried.
    await h.dispatch(click('ou_alice', 'rv.carry', carry[1].value, sent.messageId, 'ev_carry_1'));
    const again = await h.dispatch(click('ou_alice', 'rv.carry', carry[1].value, sent.messageId));
    expect(again.toast?.kind).toBe('info');
    expect(again.toast?.text).toContain('已经延续到“2027 Q1”');
    const [copy] = await copies();
    expect(await copies()).toHaveLength(1);
    expect(copy).toMatchObject({
      cycleId: 'cyc_q1',
      carriedFromId: IDS.aliceKr2,
      title: '课程满意度',
      startValue: 4.4,
      currentValue: 4.4,
      targetValue: 4.7,
      unit: '分',
      status: 'active',
    });
    const [objective] = await nextObjectives();
    expect(objective).toMatchObject({
      id: copy.objectiveId,
      title: '提升课程满意度',
      ownerType: 'person',
      ownerPersonId: IDS.alice,
      status: 'active',
      parentKrId: null,
    });
    // The source KR is untouched.
    const [source] = await h.store.db.select().from(keyResults).where(eq(keyResults.id, IDS.aliceKr2));
    expect(source).toMatchObject({ startValue: 4.2, currentValue: 4.4, targetValue: 4.7, cycleId: IDS.cycle });
    expect(await h.audits('review.carry')).toHaveLength(1);

    // The typed form carries another KR under the same objective copy; the card lists both.
    await h.dispatch(message('ou_alice', '延续 KR3'));
    expect(h.lastText('ou_alice')).toContain('从 6次 到 2次');
    expect(await copies()).toHaveLength(2);
    expect(await nextObjectives()).toHaveLength(1);
    const card = cardText(carryButtons('ou_alice').sent.message.card);
    expect(card).toContain('KR2 课程满意度 已延续到');
    expect(card).toContain('KR3 家长投诉次数 已延续到');
    expect(carryButtons('ou_alice').carry.map((b) => b.command)).toEqual(['延续 KR1']);
    await h.dispatch(message('ou_alice', '延续 KR3'));
    expect(h.lastText('ou_alice')).toContain('已经延续到');
    expect(await copies()).toHaveLength(2);
  });

  it('two clicks racing on the same KR, or on two KRs of one objective, make one copy each and one objective', async () => {
    await addNextCycle();
    await start();
    const { sent, carry } = carryButtons('ou_alice');
    const results = await Promise.all([
      h.services.dispatch(click('ou_alice', 'rv.carry', carry[0].value, sent.messageId)),
      h.services.dispatch(click('ou_alice', 'rv.carry', carry[0].value, sent.messageId)),
      h.services.dispatch(click('ou_alice', 'rv.carry', carry[2].value, sent.messageId)),
    ]);
    expect(results.filter((r) => r.toast?.kind === 'success')).toHaveLength(2);
    const made = await copies();
    expect(made.map((k) => k.carriedFromId).sort()).toEqual([IDS.aliceKr1, IDS.aliceKr3]);
    expect(await nextObjectives()).toHaveLength(1);
    expect(new Set(made.map((k) => k.objectiveId)).size).toBe(1);
  });

  it('only the owner carries: a forged click changes nothing and is audited', async () => {
    await addNextCycle();
    await start();
    const { sent, carry } = carryButtons('ou_alice');
    const byBob = await h.dispatch(click('ou_bob', 'rv.carry', carry[0].value, sent.messageId));
    expect(byBob.toast?.kind).toBe('error');
    // Alice naming Bob's KR on her own review, and a review that does not exist.
    const otherKr = await h.dispatch(click('ou_alice', 'rv.carry', { rv: carry[0].value.rv, kr: IDS.bobKr1 }));
    expect(otherKr.toast?.kind).toBe('error');
    const noReview = await h.dispatch(click('ou_alice', 'rv.carry', { rv: 'rv_nope', kr: IDS.aliceKr1 }));
    expect(noReview.toast?.kind).toBe('error');
    expect(await copies()).toHaveLength(0);
    expect(await nextObjectives()).toHaveLength(0);
    const refused = await h.audits('review.refused');
    expect(refused).toHaveLength(3);
    expect(
      await h.store.db
        .select()
        .from(claims)
        .where(eq(claims.key, `carry:${IDS.aliceKr1}`)),
    ).toHaveLength(0);
  });

  it('before the review: refused; after close: still allowed; into a closed next cycle: refused', async () => {
    await addNextCycle();
    await h.dispatch(message('ou_alice', '延续 KR1'));
    expect(h.lastText('ou_alice')).toContain('当前没有需要你参与的绩效复盘');
    await start();
    await h.api('POST', `/api/v1/cycles/${IDS.cycle}/close`);
    await h.dispatch(message('ou_bob', 'carry KR1'));
    expect(h.lastText('ou_bob')).toContain('Carried KR1 "Renewal rate" into "2027 Q1": from 55% to 70%');
    expect(await copies()).toHaveLength(1);
    // A KR that does not exist on the review, and one that is done.
    await h.dispatch(message('ou_bob', 'carry KR7'));
    expect(h.lastText('ou_bob')).toContain('no KR7');
    await h.store.db.update(cycles).set({ status: 'closed' }).where(eq(cycles.id, 'cyc_q1'));
    await h.dispatch(message('ou_alice', '延续 KR1'));
    expect(h.lastText('ou_alice')).toContain('下个周期“2027 Q1”已关闭');
    expect(await copies()).toHaveLength(1);
  });

  it('a finished KR offers no button and is not carried', async () => {
    await addNextCycle();
    await h.store.db.update(keyResults).set({ currentValue: 100 }).where(eq(keyResults.id, IDS.aliceKr1));
    await start();
    expect(carryButtons('ou_alice').carry.map((b) => b.command)).toEqual(['延续 KR2', '延续 KR3']);
    await h.dispatch(message('ou_alice', '延续 KR1'));
    expect(h.lastText('ou_alice')).toContain('已经完成');
    expect(
      await h.store.db
        .select()
        .from(keyResults)
        .where(and(eq(keyResults.cycleId, 'cyc_q1'))),
    ).toHaveLength(0);
  });
});
