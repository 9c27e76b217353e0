// Issue 18, through the dispatcher against a real SQLite file with the
// injected clock: check-ins that cannot corrupt data, commands that win over
// pending prompts, the missing commands, delegation that ends, team leads'
// OKRs, and the new-objective flow's rough edges. Each test names the defect
// it pins down; every one failed on the code before the fix.
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cardButtons } from '../../cards/model';
import {
  adjustments,
  conversations,
  cycles,
  delegations,
  keyResults,
  objectives,
  outbox,
  people,
} from '../../storage/schema';
import { foreignWords } from '../../core/i18n/language';
import { IDS } from '../helpers/fixtures';
import { approvalCard, click, message, startHarness, type Harness } from './harness';

/** A message as JSON, with the userText() span markers (cards/model.ts) left out: what a person sees. */
const visibleJson = (value: unknown) => JSON.stringify(value).replace(/[\uE000\uE001]/g, '');

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const MIN = 60 * 1000;
const DAY = 24 * 60 * MIN;
const kr = async (id: string) => (await h.store.db.select().from(keyResults).where(eq(keyResults.id, id)))[0];
const lastCard = (to: string) =>
  h
    .sent(to)
    .filter((r) => r.message.card)
    .at(-1);
const lastCardText = (to: string) => visibleJson(lastCard(to)?.message.card ?? null);
const say = (user: string, text: string) => h.dispatch(message(user, text));

/** Adds KR4 (yes/no) and KR5 (4 milestones) to Alice's objective. */
async function addKinds() {
  await h.store.atomic([
    h.store.db.insert(keyResults).values([
      {
        id: 'kr_alice_bool',
        orgId: IDS.org,
        objectiveId: IDS.aliceObjective,
        cycleId: IDS.cycle,
        title: '完成公开课',
        kind: 'boolean',
        startValue: 0,
        targetValue: 1,
        currentValue: 0,
        position: 3,
      },
      {
        id: 'kr_alice_ms',
        orgId: IDS.org,
        objectiveId: IDS.aliceObjective,
        cycleId: IDS.cycle,
        title: '课程改版里程碑',
        kind: 'milestone',
        startValue: 0,
        targetValue: 4,
        currentValue: 1,
        position: 4,
      },
    ]),
  ]);
}

describe('check-ins that cannot corrupt data', () => {
  it('完成 / done on a number KR asks to set it to the target, with a button and a typed fallback; never writes 1', async () => {
    await say('ou_alice', 'KR2 完成');
    expect((await kr(IDS.aliceKr2)).currentValue).toBe(4.4);
    const card = lastCard('ou_alice')!.message.card!;
    expect(visibleJson(card)).toContain('4.7分');
    const yes = cardButtons(card).find((b) => b.actionId === 'kr.checkin')!;
    expect(yes.value).toMatchObject({ kr: IDS.aliceKr2, value: '4.7', confirmed: '1' });
    expect(yes.command).toBe('确认');
    // The typed fallback.
    await say('ou_alice', '确认');
    expect((await kr(IDS.aliceKr2)).currentValue).toBe(4.7);

    // The button, in English, on another KR.
    await say('ou_alice', 'KR1 done');
    const button = cardButtons(lastCard('ou_alice')!.message.card!).find((b) => b.actionId === 'kr.checkin')!;
    const result = await h.dispatch(click('ou_alice', 'kr.checkin', button.value));
    expect(result.toast?.kind).toBe('success');
    expect((await kr(IDS.aliceKr1)).currentValue).toBe(100);
    expect(await h.store.db.select().from(conversations)).toHaveLength(0);
  });

  it('+n and -n are increments', async () => {
    await say('ou_alice', 'KR1 +2');
    expect((await kr(IDS.aliceKr1)).currentValue).toBe(32);
    await say('ou_alice', 'KR1 -5 信心 6');
    expect(await kr(IDS.aliceKr1)).toMatchObject({ currentValue: 27, confidence: 6 });
  });

  it('a value far outside the range, below the start or below zero asks first and writes nothing until confirmed', async () => {
    await say('ou_alice', 'KR2 8');
    expect((await kr(IDS.aliceKr2)).currentValue).toBe(4.4);
    expect(lastCardText('ou_alice')).toContain('远超目标');
    await say('ou_alice', '取消');
    expect(h.lastText('ou_alice')).toContain('没有记录');
    expect((await kr(IDS.aliceKr2)).currentValue).toBe(4.4);

    await say('ou_alice', 'KR2 4.0');
    expect(lastCardText('ou_alice')).toContain('比起点');
    await say('ou_alice', 'KR1 -40');
    expect(lastCardText('ou_alice')).toContain('负数');
    expect((await kr(IDS.aliceKr1)).currentValue).toBe(30);
    await say('ou_alice', '确认');
    expect((await kr(IDS.aliceKr1)).currentValue).toBe(-10);

    // Inside the range, or a little past the target: recorded at once.
    await say('ou_alice', 'KR2 4.8');
    expect((await kr(IDS.aliceKr2)).currentValue).toBe(4.8);
  });

  it('yes/no and milestone KRs take only what fits them; 50% on yes/no is refused, not "not done"', async () => {
    await addKinds();
    for (const text of ['KR4 50%', 'KR4 0.5', 'KR4 7', 'KR4 +1']) {
      await say('ou_alice', text);
      expect(h.lastText('ou_alice')).toContain('是否完成');
    }
    expect((await kr('kr_alice_bool')).lastCheckInAt).toBeNull();
    await say('ou_alice', 'KR4 100%');
    expect((await kr('kr_alice_bool')).currentValue).toBe(1);
    for (const text of ['KR5 2.7', 'KR5 99', 'KR5 +5']) {
      await say('ou_alice', text);
      expect(h.lastText('ou_alice')).toContain('里程碑');
    }
    await say('ou_alice', 'KR5 +1');
    expect((await kr('kr_alice_ms')).currentValue).toBe(2);
    await say('ou_alice', 'KR5 完成');
    expect((await kr('kr_alice_ms')).currentValue).toBe(4);
  });

  it('adjustments fit the kind: a yes/no KR has no target, a milestone target is a whole number', async () => {
    await addKinds();
    await say('ou_alice', '调整 KR4 目标 4.9');
    expect(h.lastText('ou_alice')).toContain('没有目标值');
    await say('ou_alice', '调整 KR5 目标 4.5');
    expect(h.lastText('ou_alice')).toContain('正整数');
    expect(await h.store.db.select().from(adjustments)).toHaveLength(0);
  });

  it('an approved target change updates the number in the title', async () => {
    await h.store.db.update(keyResults).set({ title: '课程满意度 ≥ 4.7' }).where(eq(keyResults.id, IDS.aliceKr2));
    await say('ou_alice', '调整 KR2 目标 4.6 原因 新教材');
    const { adj, messageId } = approvalCard(h, 'ou_manager');
    await h.dispatch(click('ou_manager', 'adj.approve', { adj }, messageId));
    expect(await kr(IDS.aliceKr2)).toMatchObject({ targetValue: 4.6, title: '课程满意度 ≥ 4.6' });
  });

  it('the approval card never shows negative progress (当前进度 -20%)', async () => {
    await h.store.db.update(keyResults).set({ currentValue: -20 }).where(eq(keyResults.id, IDS.aliceKr1));
    await say('ou_alice', '调整 KR1 目标 120');
    const { card } = approvalCard(h, 'ou_manager');
    const progress = card.blocks.find((b) => b.type === 'progress');
    expect(progress).toMatchObject({ percent: 0 });
  });

  it('dropping a KR does not renumber the others', async () => {
    await say('ou_alice', '调整 KR2 删除');
    const { adj, messageId } = approvalCard(h, 'ou_manager');
    await h.dispatch(click('ou_manager', 'adj.approve', { adj }, messageId));
    await say('ou_alice', 'KR3 5');
    expect((await kr(IDS.aliceKr3)).currentValue).toBe(5);
    await say('ou_alice', 'KR2 4.5');
    expect(h.lastText('ou_alice')).toContain('KR2「课程满意度」已删除');
    await say('ou_alice', '我的OKR');
    const text = lastCardText('ou_alice');
    expect(text).toContain('KR3 家长投诉次数');
    expect(text).not.toContain('KR2 课程满意度');
  });

  it('parser gaps: 我的OKR？, 1e3, a confidence with an adjustment, names in any case', async () => {
    await say('ou_alice', '我的OKR？');
    expect(lastCardText('ou_alice')).toContain('张伟的 OKR');
    await say('ou_bob', 'okr?');
    expect(lastCardText('ou_bob')).toContain("Bob Smith's OKRs");
    await say('ou_alice', 'KR1 1e3');
    expect((await kr(IDS.aliceKr1)).currentValue).toBe(30);
    expect(h.lastText('ou_alice')).toContain('没看懂这个数值');
    await say('ou_alice', '调整 KR1 目标 50 信心 3');
    expect(h.lastText('ou_alice')).toContain('KR1 信心 3');
    expect(await h.store.db.select().from(adjustments)).toHaveLength(0);
    await say('ou_manager', '委托 bob smith 3天');
    expect(h.lastText('ou_manager')).toContain('Bob Smith');
    // The example in a Chinese reply is Chinese, whatever the message looked like.
    await say('ou_alice', 'KR3 abc');
    expect(h.lastText('ou_alice')).toContain('KR3 45 信心 7');
  });
});

describe('commands always win over a pending prompt', () => {
  it('拒绝, then 团队: the team card, and the request is still pending (not rejected with the reason 团队)', async () => {
    await say('ou_alice', '调整 KR1 目标 120');
    const { adj, messageId } = approvalCard(h, 'ou_manager');
    await h.dispatch(click('ou_manager', 'adj.reject', { adj }, messageId));
    expect(h.lastText('ou_manager')).toContain('取消');
    await say('ou_manager', '团队');
    expect((await h.adjustment(adj)).status).toBe('pending');
    expect(h.lastText('ou_manager')).toContain('已放弃拒绝');
    expect(lastCardText('ou_manager')).toContain('团队进度');
  });

  it('after 申请调整, 我的OKR, KR1 45 and 帮助 are commands, not answers', async () => {
    for (const [text, expected] of [
      ['我的OKR', '张伟的 OKR'],
      ['KR1 45', '已记录'],
      ['帮助', '使用帮助'],
    ]) {
      await h.dispatch(click('ou_alice', 'kr.adjust', { kr: IDS.aliceKr2 }));
      expect(h.lastText('ou_alice')).toContain('取消');
      await say('ou_alice', text);
      const all = h
        .sent('ou_alice')
        .slice(-2)
        .map((r) => visibleJson(r.message))
        .join();
      expect(all).toContain(expected);
      expect(all).not.toContain('请说明要调整什么');
      expect(await h.store.db.select().from(conversations)).toHaveLength(0);
    }
    expect((await kr(IDS.aliceKr1)).currentValue).toBe(45);
  });

  it('in 新目标, 我的OKR is the card (the draft waits), not the title; KR1 45 is a check-in, not a KR', async () => {
    await say('ou_alice', '新目标');
    await say('ou_alice', '我的OKR');
    expect(lastCardText('ou_alice')).toContain('张伟的 OKR');
    expect(h.lastText('ou_alice')).toContain('取消');
    await say('ou_alice', '提升家长满意度');
    expect(h.lastText('ou_alice')).toContain('关键结果');
    await say('ou_alice', 'KR1 45');
    expect((await kr(IDS.aliceKr1)).currentValue).toBe(45);
    const [conv] = await h.store.db.select().from(conversations);
    expect(conv).toMatchObject({ flow: 'new_objective', step: 'krs' });
    expect(conv.data).toMatchObject({ title: '提升家长满意度' });
  });

  it('prompts expire on the injected clock: a late answer is not read as the change', async () => {
    await h.dispatch(click('ou_alice', 'kr.adjust', { kr: IDS.aliceKr2 }));
    h.clock.advance(31 * MIN);
    await say('ou_alice', '目标 4.8');
    expect(h.lastText('ou_alice')).toContain('超时');
    expect(await h.store.db.select().from(adjustments)).toHaveLength(0);

    await say('ou_alice', 'KR2 9');
    h.clock.advance(11 * MIN);
    await say('ou_alice', '确认');
    expect(h.lastText('ou_alice')).toContain('超时');
    expect((await kr(IDS.aliceKr2)).currentValue).toBe(4.4);
  });

  it('unknown text gets one line pointing to 帮助', async () => {
    for (const text of ['谢谢', 'hi']) {
      await say('ou_alice', text);
      const reply = h.lastText('ou_alice');
      expect(reply.split('\n')).toHaveLength(1);
      expect(reply).toContain('帮助');
    }
    await say('ou_bob', 'thanks');
    expect(h.lastText('ou_bob')).toBe('I didn\'t understand that. Send "help" to see all commands.');
  });
});

describe('the missing commands', () => {
  it('撤回 withdraws one’s own pending request and turns its card into "withdrawn"', async () => {
    await say('ou_alice', '调整 KR1 目标 120');
    await say('ou_alice', '调整 KR2 目标 4.8');
    await say('ou_alice', '撤回');
    expect(h.lastText('ou_alice')).toContain('撤回 编号');
    await say('ou_alice', '撤回 KR1');
    expect(h.lastText('ou_alice')).toContain('已撤回');
    const [first] = await h.store.db.select().from(adjustments).where(eq(adjustments.keyResultId, IDS.aliceKr1));
    expect(first).toMatchObject({ status: 'withdrawn', decidedBy: IDS.alice });
    const updates = h.log.filter((r) => r.op === 'update' && visibleJson(r.message).includes('撤回'));
    expect(updates).toHaveLength(1);
    // The manager's click on the withdrawn card changes nothing.
    const result = await h.dispatch(click('ou_manager', 'adj.approve', { adj: first.id }));
    expect(result.toast?.text).toContain('撤回');
    expect((await kr(IDS.aliceKr1)).targetValue).toBe(100);
    await say('ou_alice', 'withdraw 1');
    expect((await h.adjustment()).status).toBe('withdrawn');
    await say('ou_alice', '撤回');
    expect(h.lastText('ou_alice')).toContain('没有待审批');
  });

  it('待审批 lists the manager’s pending requests as actionable cards', async () => {
    await say('ou_manager', '待审批');
    expect(h.lastText('ou_manager')).toContain('没有等你审批');
    await say('ou_alice', '调整 KR1 目标 120');
    await say('ou_bob', 'adjust KR1 target 75');
    const before = h.sent('ou_manager').length;
    await say('ou_manager', '待审批');
    const replies = h.sent('ou_manager').slice(before);
    expect(replies[0].message.text).toContain('2 个申请');
    expect(replies.filter((r) => r.message.card)).toHaveLength(2);
    const card = replies[1].message.card!;
    const approve = cardButtons(card).find((b) => b.actionId === 'adj.approve')!;
    await h.dispatch(click('ou_manager', 'adj.approve', approve.value, replies[1].messageId));
    expect((await kr(IDS.aliceKr1)).targetValue).toBe(120);
  });

  it('KR1 信心 6 records the confidence alone', async () => {
    await say('ou_alice', 'KR1 信心 6');
    expect(await kr(IDS.aliceKr1)).toMatchObject({ currentValue: 30, confidence: 6 });
  });

  it('查看 <name> lets a manager (or one above) read a report’s OKRs, and no one else', async () => {
    await say('ou_manager', '查看 张伟');
    const text = lastCardText('ou_manager');
    expect(text).toContain('张伟的 OKR');
    expect(text).toContain('每节课后收集有效反馈');
    expect(cardButtons(lastCard('ou_manager')!.message.card!)).toHaveLength(0);
    await say('ou_ceo', 'show bob smith');
    expect(lastCardText('ou_ceo')).toContain('Renewal rate');
    await say('ou_bob', 'show 张伟');
    expect(h.lastText('ou_bob')).toContain('only view');
    await say('ou_alice', '查看 王芳');
    expect(h.lastText('ou_alice')).toContain('只能查看');
    expect(await h.audits('okrs.show.refused')).toHaveLength(2);
  });

  it('催一下 <name> sends the report a reminder in their language, once a day', async () => {
    const before = h.sent('ou_bob').length;
    await say('ou_manager', '催一下 Bob Smith');
    expect(h.lastText('ou_manager')).toContain('已提醒');
    expect(h.sent('ou_bob').slice(before)[0].message.text).toContain('王芳 asks you to update');
    await say('ou_manager', '催一下 bob smith');
    expect(h.lastText('ou_manager')).toContain('今天已经提醒过');
    expect(h.sent('ou_bob').length).toBe(before + 1);
    await say('ou_alice', '催一下 Bob Smith');
    expect(h.lastText('ou_alice')).toContain('只能查看和提醒');
    h.clock.advance(DAY);
    await say('ou_manager', 'nudge Bob Smith');
    expect(h.sent('ou_bob').length).toBe(before + 2);
  });
});

describe('delegation that ends', () => {
  const running = async () =>
    (await h.store.db.select().from(delegations)).filter((d) => d.endsAt > h.clock.now().toISOString());

  it('委托 with no days lasts the default 7 days, says until when, and 结束委托 ends it', async () => {
    await say('ou_manager', '委托 李总');
    const [d] = await running();
    expect(d.endsAt).toBe('2026-12-04T02:00:00.000Z');
    expect(h.lastText('ou_manager')).toContain('2026-12-04 10:00');
    expect(h.lastText('ou_manager')).toContain('结束委托');
    await say('ou_manager', '委托');
    expect(h.lastText('ou_manager')).toContain('李总，至 2026-12-04 10:00');
    await say('ou_manager', '结束委托');
    expect(await running()).toHaveLength(0);
    expect(h.lastText('ou_ceo')).toContain('结束');
    await say('ou_manager', '委托 取消');
    expect(h.lastText('ou_manager')).toContain('没有进行中的委托');
  });

  it('a newer delegation replaces the running one, so the older never comes back', async () => {
    await say('ou_manager', '委托 李总');
    await say('ou_manager', '委托 Bob Smith 1天');
    h.clock.advance(2 * DAY);
    await say('ou_alice', '调整 KR1 目标 120');
    expect(h.sent('ou_ceo').filter((r) => r.message.card)).toHaveLength(0);
    expect(approvalCard(h, 'ou_manager').adj).toBe((await h.adjustment()).id);
  });

  it('during a delegation the manager gets the card too; an ended delegate’s old card says who handled it', async () => {
    await say('ou_manager', '委托 李总 3天');
    await say('ou_alice', '调整 KR1 目标 120');
    const forDelegate = approvalCard(h, 'ou_ceo');
    const forManager = approvalCard(h, 'ou_manager');
    expect(forManager.adj).toBe(forDelegate.adj);
    await h.dispatch(click('ou_manager', 'adj.approve', { adj: forManager.adj }, forManager.messageId));
    h.clock.advance(4 * DAY);
    const late = await h.dispatch(click('ou_ceo', 'adj.approve', { adj: forDelegate.adj }, forDelegate.messageId));
    expect(late.toast?.kind).toBe('info');
    expect(late.toast?.text).toContain('王芳');
    expect(visibleJson(late.card)).toContain('同意');
  });
});

describe('team leads, and the new objective flow', () => {
  it('a team lead’s 我的OKR includes the objectives of the team they lead', async () => {
    await h.store.atomic([
      h.store.db.insert(objectives).values({
        id: 'obj_team',
        orgId: IDS.org,
        cycleId: IDS.cycle,
        title: '销售一部续费率 ≥ 68%',
        ownerType: 'team',
        ownerTeamId: IDS.team,
      }),
      h.store.db.insert(keyResults).values({
        id: 'kr_team',
        orgId: IDS.org,
        objectiveId: 'obj_team',
        cycleId: IDS.cycle,
        title: '续费率',
        kind: 'percent',
        startValue: 52,
        targetValue: 68,
        currentValue: 60,
        unit: '%',
      }),
    ]);
    await say('ou_manager', '我的OKR');
    expect(lastCardText('ou_manager')).toContain('销售一部续费率 ≥ 68%');
    await say('ou_manager', 'KR1 62');
    expect((await kr('kr_team')).currentValue).toBe(62);
  });

  it('takes KRs on one line, echoes the draft, labels parent-team KRs with their own team, and shows 待审批', async () => {
    await h.store.atomic([
      h.store.db.insert(objectives).values({
        id: 'obj_team',
        orgId: IDS.org,
        cycleId: IDS.cycle,
        title: '销售一部目标',
        ownerType: 'team',
        ownerTeamId: IDS.team,
      }),
      h.store.db.insert(keyResults).values({
        id: 'kr_team',
        orgId: IDS.org,
        objectiveId: 'obj_team',
        cycleId: IDS.cycle,
        title: '团队续费率',
        kind: 'percent',
        startValue: 52,
        targetValue: 68,
        currentValue: 60,
        unit: '%',
      }),
    ]);
    await say('ou_alice', '新目标');
    await say('ou_alice', '提升家长满意度');
    expect(h.lastText('ou_alice')).toContain('；');
    await say('ou_alice', '家访次数 0→20次；续费率 60%→68%');
    const draft = h.lastText('ou_alice');
    expect(draft).toContain('提升家长满意度');
    expect(draft).toContain('KR1 家访次数');
    expect(draft).toContain('KR2 续费率');
    const picker = lastCard('ou_alice')!.message.card!;
    const text = visibleJson(picker);
    expect(text).toContain('团队续费率（销售一部）');
    const team = cardButtons(picker).find((b) => b.value.kr === 'kr_team')!;
    await h.dispatch(click('ou_alice', 'obj.align', team.value));
    const confirm = cardButtons(lastCard('ou_alice')!.message.card!).find((b) => b.actionId === 'obj.confirm')!;
    await h.dispatch(click('ou_alice', 'obj.confirm', confirm.value));
    await say('ou_alice', '我的OKR');
    expect(lastCardText('ou_alice')).toContain('待审批');
  });

  it('confirming an objective that needs no approver says it was created, not "调整已直接生效"', async () => {
    // The sole admin with no reports: their objective needs approval, but nobody is above them.
    await h.store.db.update(people).set({ managerId: null }).where(eq(people.id, IDS.manager));
    await say('ou_ceo', '新目标');
    await say('ou_ceo', '公司品牌建设');
    await say('ou_ceo', '家长推荐数 0→50');
    const none = cardButtons(lastCard('ou_ceo')!.message.card!).find((b) => b.value.kr === 'none');
    if (none) await h.dispatch(click('ou_ceo', 'obj.align', none.value));
    const confirm = cardButtons(lastCard('ou_ceo')!.message.card!).find((b) => b.actionId === 'obj.confirm')!;
    const result = await h.dispatch(click('ou_ceo', 'obj.confirm', confirm.value));
    expect(result.toast?.text).toContain('已创建目标「公司品牌建设」');
    expect(result.toast?.text).not.toContain('调整');
    const [created] = await h.store.db
      .select()
      .from(objectives)
      .where(and(eq(objectives.ownerPersonId, IDS.ceo), eq(objectives.title, '公司品牌建设')));
    expect(created.status).toBe('active');
    void outbox;
  });
});

describe('one language per reply', () => {
  it('no reply to a zh-CN or an en person mixes languages, across every command and error', async () => {
    await addKinds();
    const zhScript = [
      '帮助',
      '我的OKR',
      'KR1 45',
      'KR3 abc',
      'KR2 完成',
      '取消',
      'KR5 2.7',
      'KR4 50%',
      'KR9 5',
      '调整 KR1 目标 120 原因 新增两个班',
      '调整 KR4 目标 3',
      '调整 KR1 目标 50 信心 3',
      '撤回',
      '委托',
      '谢谢',
      'hi',
      '新目标',
      '取消',
      '查看 王芳',
      '催一下 Bob Smith',
      'KR1 1e3',
      'KR1 信心 6',
      '待审批',
      '团队',
      '结束委托',
      'KR1 +2',
      'KR2 8',
    ];
    const enScript = [
      'help',
      'my okrs',
      'KR1 60',
      'KR1 abc',
      'KR1 done',
      'cancel',
      'KR9 5',
      'adjust KR1 target 75 because more classes',
      'withdraw',
      'delegate',
      'thanks',
      '谢谢',
      'new objective',
      'cancel',
      'show 王芳',
      'nudge 张伟',
      'KR1 1e3',
      'KR1 confidence 6',
      'approvals',
      'team',
      'end delegation',
      'KR1 +2',
      'KR1 500',
    ];
    for (const text of zhScript) await say('ou_alice', text);
    for (const text of enScript) await say('ou_bob', text);
    // The manager decides Alice's request in Chinese; Bob is told in English.
    await say('ou_bob', 'adjust KR1 target 72 because more classes');
    const { adj, messageId } = approvalCard(h, 'ou_manager');
    await h.dispatch(click('ou_manager', 'adj.approve', { adj }, messageId));

    // What people wrote (names, titles) is theirs, in whatever language; everything else must match the reader.
    const data = [
      ...(await h.store.db.select().from(objectives)).map((o) => o.title),
      ...(await h.store.db.select().from(keyResults)).map((k) => k.title),
      '张伟',
      '王芳',
      '李总',
      'Bob Smith',
      '销售一部',
      'Acme 教育',
      '2026 Q4',
      '新增两个班',
      'more classes',
      'abc',
      'hi',
      '谢谢',
    ];
    const { cardToText } = await import('../../cards/text');
    const check = (user: string, locale: 'zh-CN' | 'en') =>
      h
        .sent(user)
        .map((r) => (r.message.card ? cardToText(r.message.card, locale) : (r.message.text ?? '')))
        .map((text) => ({ text, foreign: foreignWords(text, locale, data) }))
        .filter((r) => r.foreign.length);
    expect(check('ou_alice', 'zh-CN')).toEqual([]);
    expect(check('ou_bob', 'en')).toEqual([]);
    expect(h.sent('ou_alice').length).toBeGreaterThan(25);
    expect(h.sent('ou_bob').length).toBeGreaterThan(20);
  });
});

describe('an annual cycle beside the quarter (issue 20)', () => {
  it('lists annual objectives after the quarter’s and addresses their KRs by the next numbers', async () => {
    await h.store.atomic([
      h.store.db.insert(cycles).values({
        id: 'cyc_2026',
        orgId: IDS.org,
        name: '2026 年度',
        startsOn: '2026-01-01',
        endsOn: '2026-12-31',
        status: 'active',
      }),
      h.store.db.insert(objectives).values({
        id: 'obj_alice_annual',
        orgId: IDS.org,
        cycleId: 'cyc_2026',
        ownerType: 'person',
        ownerPersonId: IDS.alice,
        title: '年度教研成果',
        status: 'active',
      }),
      h.store.db.insert(keyResults).values({
        id: 'kr_alice_annual',
        orgId: IDS.org,
        cycleId: 'cyc_2026',
        objectiveId: 'obj_alice_annual',
        title: '发表教研论文',
        startValue: 0,
        targetValue: 12,
        currentValue: 0,
      }),
    ]);
    await say('ou_alice', '我的OKR');
    const list = lastCardText('ou_alice');
    expect(list).toContain('KR4 发表教研论文');
    expect(list).toContain('所属周期：2026 年度');
    const quarter = (await kr(IDS.aliceKr1)).currentValue;
    await say('ou_alice', 'KR4 6');
    expect((await kr('kr_alice_annual')).currentValue).toBe(6);
    // The quarter's KR1 is untouched.
    expect((await kr(IDS.aliceKr1)).currentValue).toBe(quarter);
  });
});
