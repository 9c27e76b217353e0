// The guided "new objective" conversation through the dispatcher: persisted
// state (survives a new server over the same file), alignment picker buttons,
// confirmation, approval for non-managers, cancel and expiry.
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cardButtons } from '../../cards/model';
import { adjustments, conversations, keyResults, objectives } from '../../storage/schema';
import { IDS } from '../helpers/fixtures';
import { approvalCard, click, message, startHarness, type Harness } from './harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const lastCard = (to: string) =>
  h
    .sent(to)
    .filter((r) => r.message.card)
    .at(-1)!;
const ownObjectives = (personId: string) =>
  h.store.db.select().from(objectives).where(eq(objectives.ownerPersonId, personId));

describe('new objective', () => {
  it('walks title → KRs → alignment card → confirm, survives a restart, and waits for the manager', async () => {
    await h.dispatch(message('ou_alice', '新目标'));
    expect(h.lastText('ou_alice')).toContain('目标标题');
    await h.dispatch(message('ou_alice', '提升家长满意度'));
    await h.dispatch(message('ou_alice', '家访次数 0→20次\n续费率 60%→68%\n营收 100万→120万元'));
    const picker = lastCard('ou_alice');
    const buttons = cardButtons(picker.message.card!);
    const north = buttons.find((b) => b.value.kr === IDS.northStarKr)!;
    expect(north.actionId).toBe('obj.align');
    expect(buttons.at(-1)!.value.kr).toBe('none');

    // A restart between steps: a new server over the same database carries on.
    const restarted = h.secondInstance();
    await restarted.dispatch(click('ou_alice', 'obj.align', north.value, picker.messageId));
    const confirm = restarted.log.filter((r) => r.message.card).at(-1)!;
    expect(JSON.stringify(confirm.message.card)).toContain('学员续费率提升至68%');
    const create = cardButtons(confirm.message.card!).find((b) => b.actionId === 'obj.confirm')!;
    const result = await restarted.dispatch(click('ou_alice', 'obj.confirm', create.value, confirm.messageId));
    expect(result.toast?.kind).toBe('success');

    const [created] = (await ownObjectives(IDS.alice)).filter((o) => o.title === '提升家长满意度');
    expect(created).toMatchObject({ status: 'pending_approval', parentKrId: IDS.northStarKr, cycleId: IDS.cycle });
    const krs = await h.store.db.select().from(keyResults).where(eq(keyResults.objectiveId, created.id));
    expect(krs.map((k) => [k.title, k.kind, k.startValue, k.targetValue])).toEqual([
      ['家访次数', 'number', 0, 20],
      ['续费率', 'percent', 60, 68],
      ['营收', 'currency', 1_000_000, 1_200_000],
    ]);
    expect(await h.store.db.select().from(conversations)).toHaveLength(0);

    // The manager approves; the objective counts from then on.
    const [request] = await h.store.db.select().from(adjustments).where(eq(adjustments.kind, 'new_objective'));
    expect(request).toMatchObject({ objectiveId: created.id, approverId: IDS.manager, status: 'pending' });
    await restarted.services.outbox.drain();
    const managerCard = restarted.log.find(
      (r) => r.to?.id === 'ou_manager' && JSON.stringify(r.message.card ?? '').includes(request.id),
    )!;
    expect(JSON.stringify(managerCard.message.card)).toContain('新目标审批');
    await restarted.dispatch(click('ou_manager', 'adj.approve', { adj: request.id }, managerCard.messageId));
    expect((await h.store.db.select().from(objectives).where(eq(objectives.id, created.id)))[0].status).toBe('active');
    // A stale click on the old confirm card does nothing.
    const stale = await restarted.dispatch(click('ou_alice', 'obj.confirm', create.value, confirm.messageId));
    expect(stale.toast?.kind).toBe('warning');
    expect((await ownObjectives(IDS.alice)).filter((o) => o.title === '提升家长满意度')).toHaveLength(1);
  });

  it('a rejected new objective is archived', async () => {
    await h.dispatch(message('ou_alice', '新目标'));
    await h.dispatch(message('ou_alice', '减少投诉'));
    await h.dispatch(message('ou_alice', '投诉次数 10→2次'));
    await h.dispatch(message('ou_alice', '0'));
    await h.dispatch(message('ou_alice', '确认'));
    const { adj, messageId } = approvalCard(h, 'ou_manager');
    await h.dispatch(click('ou_manager', 'adj.reject', { adj, note: '和现有 KR3 重复' }, messageId));
    const [o] = (await ownObjectives(IDS.alice)).filter((x) => x.title === '减少投诉');
    expect(o).toMatchObject({ status: 'archived', parentKrId: null });
  });

  it('managers create active objectives at once; bounds ask for the current value; a text reply picks the parent', async () => {
    await h.dispatch(message('ou_manager', 'new objective'));
    await h.dispatch(message('ou_manager', '团队满意度'));
    await h.dispatch(message('ou_manager', '满意度 ≥ 4.7分'));
    expect(h.lastText('ou_manager')).toContain('满意度');
    await h.dispatch(message('ou_manager', '4.3'));
    await h.dispatch(message('ou_manager', '1'));
    await h.dispatch(message('ou_manager', '确认'));
    const [o] = await ownObjectives(IDS.manager);
    expect(o).toMatchObject({ title: '团队满意度', status: 'active', parentKrId: IDS.northStarKr });
    const [kr] = await h.store.db.select().from(keyResults).where(eq(keyResults.objectiveId, o.id));
    expect(kr).toMatchObject({ startValue: 4.3, targetValue: 4.7, currentValue: 4.3 });
    expect(await h.store.db.select().from(adjustments)).toHaveLength(0);
  });

  it('bad KR lines are explained and the step repeats; cancel leaves at any step', async () => {
    await h.dispatch(message('ou_alice', '新目标'));
    await h.dispatch(message('ou_alice', '目标 A'));
    await h.dispatch(message('ou_alice', '家访次数 20→20次'));
    expect(h.lastText('ou_alice')).toContain('第 1 行');
    await h.dispatch(message('ou_alice', '取消'));
    expect(h.lastText('ou_alice')).toContain('已取消');
    expect(await h.store.db.select().from(conversations)).toHaveLength(0);
    await h.dispatch(message('ou_alice', 'KR1 45'));
    expect(
      (
        await h.store.db
          .select()
          .from(keyResults)
          .where(and(eq(keyResults.id, IDS.aliceKr1)))
      )[0].currentValue,
    ).toBe(45);
  });

  it('expires after a quiet period and says so', async () => {
    await h.dispatch(message('ou_alice', '新目标'));
    h.clock.advance(31 * 60 * 1000);
    await h.dispatch(message('ou_alice', '提升家长满意度'));
    expect(h.lastText('ou_alice')).toContain('超时');
    expect(await h.store.db.select().from(objectives).where(eq(objectives.title, '提升家长满意度'))).toHaveLength(0);
  });
});
