// Goal adjustments through the dispatcher against a real SQLite file: request,
// routing (manager, delegate, admins), decision with audit, resolved cards,
// notifications, reminders and expiry, and the race / forgery cases.
import { plainCardText } from '../../cards/model';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepAdjustments } from '../../src/approvals/sweep';
import { adjustments, claims, keyResults, objectives, outbox, people } from '../../storage/schema';
import { IDS } from '../helpers/fixtures';
import { approvalCard, click, message, startHarness, type Harness } from './harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const kr = async (id: string) => (await h.store.db.select().from(keyResults).where(eq(keyResults.id, id)))[0];
const DAY = 24 * 60 * 60 * 1000;
/** The hourly job's view: the clock moves on, then the sweep runs at that time. */
const sweepAt = (services: Parameters<typeof sweepAdjustments>[0], at: string) => {
  h.clock.set(at);
  return sweepAdjustments(services, h.clock.now());
};

describe('requesting an adjustment', () => {
  it('records a pending request with current and proposed values and sends the manager an approval card', async () => {
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120 原因 新增两个班'));
    const a = await h.adjustment();
    expect(a).toMatchObject({
      kind: 'target',
      status: 'pending',
      requesterId: IDS.alice,
      approverId: IDS.manager,
      keyResultId: IDS.aliceKr1,
      current: { target: 100 },
      proposed: { target: 120 },
      reason: '新增两个班',
      createdAt: '2026-11-27T02:00:00.000Z',
    });
    expect(a.expiresAt).toBe('2026-12-04T02:00:00.000Z');
    const { card, adj } = approvalCard(h, 'ou_manager');
    expect(adj).toBe(a.id);
    const text = JSON.stringify(card);
    for (const part of [
      '张伟',
      '每节课后收集有效反馈',
      '100份',
      '120份',
      '新增两个班',
      '学员续费率提升至68%',
      '同意',
      '拒绝',
    ])
      expect(text).toContain(part);
    const [row] = await h.store.db
      .select()
      .from(outbox)
      .where(eq(outbox.subject, `adjustment:${a.id}`));
    expect(row.operation).toBe('send');
    expect(h.lastText('ou_alice')).toContain('王芳');
  });

  it('refuses a second pending request of the same kind on the same KR, and no-op changes', async () => {
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120'));
    await h.dispatch(message('ou_alice', '调整 KR1 目标 130'));
    expect(h.lastText('ou_alice')).toContain('待审批');
    await h.dispatch(message('ou_alice', '调整 KR2 目标 4.7'));
    expect(h.lastText('ou_alice')).toContain('无需调整');
    expect(await h.store.db.select().from(adjustments)).toHaveLength(1);
  });

  it('the KR card button asks what to change and takes the answer', async () => {
    const result = await h.dispatch(click('ou_alice', 'kr.adjust', { kr: IDS.aliceKr2 }));
    expect(result.toast?.text).toContain('KR2');
    await h.dispatch(message('ou_alice', '目标 4.8 原因 新教材'));
    expect(await h.adjustment()).toMatchObject({
      kind: 'target',
      keyResultId: IDS.aliceKr2,
      proposed: { target: 4.8 },
      reason: '新教材',
    });
    // Someone else's KR: refused.
    const forged = await h.dispatch(click('ou_bob', 'kr.adjust', { kr: IDS.aliceKr2 }));
    expect(forged.toast?.kind).toBe('error');
  });

  it('supports drop, title, weight, start and adding a KR', async () => {
    await h.dispatch(message('ou_alice', '调整 KR3 删除 原因 不再考核'));
    await h.dispatch(message('ou_alice', '调整 KR2 标题 学员满意度'));
    await h.dispatch(message('ou_alice', '调整 KR1 权重 2'));
    await h.dispatch(message('ou_alice', '调整 KR1 起点 10'));
    await h.dispatch(message('ou_alice', '调整 O1 新增KR 家访次数 0→20次 原因 家长要求'));
    const rows = await h.store.db.select().from(adjustments);
    expect(rows.map((r) => r.kind).sort()).toEqual(['add', 'drop', 'start', 'title', 'weight']);
    for (const r of rows) {
      const card = h.sent('ou_manager').find((s) => JSON.stringify(s.message.card ?? '').includes(r.id))!;
      await h.dispatch(click('ou_manager', 'adj.approve', { adj: r.id }, card.messageId));
    }
    expect((await kr(IDS.aliceKr3)).status).toBe('dropped');
    expect((await kr(IDS.aliceKr2)).title).toBe('学员满意度');
    expect(await kr(IDS.aliceKr1)).toMatchObject({ weight: 2, startValue: 10 });
    const added = (
      await h.store.db.select().from(keyResults).where(eq(keyResults.objectiveId, IDS.aliceObjective))
    ).find((k) => k.title === '家访次数');
    expect(added).toMatchObject({ startValue: 0, targetValue: 20, unit: '次', status: 'active' });
    expect((await h.store.db.select().from(adjustments)).every((r) => r.status === 'approved')).toBe(true);
  });
});

describe('dropping a KR others align to', () => {
  it('is refused when requested, and an approval is refused if an objective aligned to it meanwhile (as the API answers 409)', async () => {
    // Bob's objective aligns to Alice's KR3: her request to drop it is refused, nothing pending.
    await h.store.db.update(objectives).set({ parentKrId: IDS.aliceKr3 }).where(eq(objectives.id, IDS.bobObjective));
    await h.dispatch(message('ou_alice', '调整 KR3 删除 原因 不再考核'));
    expect(h.lastText('ou_alice')).toContain('对齐到这个 KR');
    expect(await h.store.db.select().from(adjustments)).toHaveLength(0);

    // Not aligned when asked, aligned before the manager approves: the approval is refused, the KR stays.
    await h.store.db.update(objectives).set({ parentKrId: null }).where(eq(objectives.id, IDS.bobObjective));
    await h.dispatch(message('ou_alice', '调整 KR3 删除 原因 不再考核'));
    const a = await h.adjustment();
    await h.store.db.update(objectives).set({ parentKrId: IDS.aliceKr3 }).where(eq(objectives.id, IDS.bobObjective));
    const { card } = approvalCard(h, 'ou_manager');
    const sent = h.sent('ou_manager').find((x) => JSON.stringify(x.message.card ?? '').includes(a.id))!;
    const result = await h.dispatch(click('ou_manager', 'adj.approve', { adj: a.id }, sent.messageId));
    expect(card).toBeTruthy();
    expect(result.toast?.kind).toBe('error');
    expect(result.toast?.text).toContain('对齐到这个 KR');
    expect((await kr(IDS.aliceKr3)).status).toBe('active');
    expect((await h.adjustment()).status).toBe('pending');
  });
});

describe('deciding', () => {
  it('approve from the card applies the change with an audit entry, resolves the card and tells the requester', async () => {
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120 原因 新增两个班'));
    const { messageId, adj } = approvalCard(h, 'ou_manager');
    const result = await h.dispatch(click('ou_manager', 'adj.approve', { adj }, messageId));
    expect(result.toast).toMatchObject({ kind: 'success' });
    const resolved = JSON.stringify(result.card);
    expect(resolved).toContain('王芳');
    expect(resolved).not.toContain('adj.approve');
    expect(result.card!.header.color).toBe('green');
    expect((await kr(IDS.aliceKr1)).targetValue).toBe(120);
    expect(await h.adjustment(adj)).toMatchObject({
      status: 'approved',
      decidedBy: IDS.manager,
      decidedAt: '2026-11-27T02:00:00.000Z',
    });
    expect(await h.audits('adjustment.approved', adj)).toHaveLength(1);
    expect(h.lastText('ou_alice')).toContain('王芳 已同意');
  });

  it('a second click, a click by someone else and a forged id change nothing', async () => {
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120'));
    const { messageId, adj } = approvalCard(h, 'ou_manager');
    await h.dispatch(click('ou_manager', 'adj.approve', { adj }, messageId));
    const again = await h.dispatch(click('ou_manager', 'adj.reject', { adj, note: 'no' }, messageId));
    expect(again.toast?.kind).toBe('info');
    expect(again.toast?.text).toContain('王芳');
    const bob = await h.dispatch(click('ou_bob', 'adj.approve', { adj }));
    expect(bob.toast?.kind).toBe('error');
    const forged = await h.dispatch(click('ou_manager', 'adj.approve', { adj: 'adj_doesnotexist' }));
    expect(forged.toast?.kind).toBe('error');
    expect(await h.adjustment(adj)).toMatchObject({ status: 'approved', decisionNote: null });
    expect(await h.audits('adjustment.refused')).toHaveLength(2);
    expect(await h.audits('adjustment.approved')).toHaveLength(1);
  });

  it('the requester cannot approve their own request', async () => {
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120'));
    const { adj } = approvalCard(h, 'ou_manager');
    const result = await h.dispatch(click('ou_alice', 'adj.approve', { adj }));
    expect(result.toast?.kind).toBe('error');
    expect((await h.adjustment(adj)).status).toBe('pending');
  });

  it('reject asks for a note, and the next message is the note; every copy of the card is resolved', async () => {
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120'));
    const { messageId, adj } = approvalCard(h, 'ou_manager');
    const ask = await h.dispatch(click('ou_manager', 'adj.reject', { adj }, messageId));
    expect(ask.toast?.kind).toBe('info');
    expect((await h.adjustment(adj)).status).toBe('pending');
    await h.dispatch(message('ou_manager', '目标太低，保持 100'));
    expect(await h.adjustment(adj)).toMatchObject({
      status: 'rejected',
      decisionNote: '目标太低，保持 100',
      decidedBy: IDS.manager,
    });
    expect((await kr(IDS.aliceKr1)).targetValue).toBe(100);
    expect(h.lastText('ou_alice')).toContain('目标太低');
    const update = h.log.find((r) => r.op === 'update' && r.messageId === messageId);
    expect(JSON.stringify(update?.message.card)).toContain('目标太低');
    expect(update?.message.card?.header.color).toBe('red');
  });

  it('reject with a form note decides at once', async () => {
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120'));
    const { messageId, adj } = approvalCard(h, 'ou_manager');
    const result = await h.dispatch(click('ou_manager', 'adj.reject', { adj, note: '不行' }, messageId));
    expect(result.card?.header.color).toBe('red');
    expect(await h.adjustment(adj)).toMatchObject({ status: 'rejected', decisionNote: '不行' });
  });

  it('tells the owner of the parent KR when a child target changes', async () => {
    await h.store.db.update(objectives).set({ ownerPersonId: IDS.ceo }).where(eq(objectives.id, IDS.companyObjective));
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120'));
    const { messageId, adj } = approvalCard(h, 'ou_manager');
    await h.dispatch(click('ou_manager', 'adj.approve', { adj }, messageId));
    expect(h.lastText('ou_ceo')).toContain('学员续费率提升至68%');
  });

  it('shows the current values when the KR changed after the request', async () => {
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120'));
    const { messageId, adj } = approvalCard(h, 'ou_manager');
    await h.store.db.update(keyResults).set({ targetValue: 110 }).where(eq(keyResults.id, IDS.aliceKr1));
    const result = await h.dispatch(click('ou_manager', 'adj.approve', { adj }, messageId));
    expect(JSON.stringify(result.card)).toContain('110份');
    expect((await kr(IDS.aliceKr1)).targetValue).toBe(120);
  });
});

describe('platforms without inline card updates (WeCom, DingTalk)', () => {
  it('a reject with a note updates the clicked card through the platform API', async () => {
    h.close();
    h = await startHarness({ inlineCardUpdates: false });
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120'));
    const { messageId, adj } = approvalCard(h, 'ou_manager');
    await h.dispatch(click('ou_manager', 'adj.reject', { adj, note: '保持原目标' }, messageId));
    const updates = h.log.filter((r) => r.op === 'update' && r.messageId === messageId);
    expect(updates).toHaveLength(1);
    expect(updates[0].message.card?.header.color).toBe('red');
    expect(JSON.stringify(updates[0].message.card)).toContain('保持原目标');
  });
});

describe('concurrency', () => {
  it('two approvers clicking at the same moment on two servers: exactly one decision', async () => {
    await h.dispatch(message('ou_manager', '委托 李总 7天'));
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120'));
    const adj = (await h.adjustment()).id;
    const other = h.secondInstance();
    const [a, b] = await Promise.all([
      h.dispatch(click('ou_manager', 'adj.approve', { adj })),
      other.dispatch(click('ou_ceo', 'adj.reject', { adj, note: 'no' })),
    ]);
    const kinds = [a.toast?.kind, b.toast?.kind].sort();
    expect(kinds).toEqual(['info', 'success']);
    const row = await h.adjustment(adj);
    expect(['approved', 'rejected']).toContain(row.status);
    expect(
      await h.store.db
        .select()
        .from(claims)
        .where(eq(claims.key, `adjustment:${adj}:decision`)),
    ).toHaveLength(1);
    const decisions = [
      ...(await h.audits('adjustment.approved', adj)),
      ...(await h.audits('adjustment.rejected', adj)),
    ];
    expect(decisions).toHaveLength(1);
    expect((await kr(IDS.aliceKr1)).targetValue).toBe(row.status === 'approved' ? 120 : 100);
  });

  it('the same callback delivered twice at once: one decision', async () => {
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120'));
    const adj = (await h.adjustment()).id;
    const event = click('ou_manager', 'adj.approve', { adj }, undefined, 'ev_same_click');
    const other = h.secondInstance();
    await Promise.all([h.dispatch(event), other.dispatch(event), h.dispatch(event)]);
    expect(await h.audits('adjustment.approved', adj)).toHaveLength(1);
    expect((await h.adjustment(adj)).status).toBe('approved');
  });
});

describe('routing', () => {
  it('a delegate receives new cards and waiting ones, and may decide; the delegation ends on time', async () => {
    await h.dispatch(message('ou_alice', '调整 KR2 目标 4.8'));
    await h.dispatch(message('ou_manager', '委托 李总 3天'));
    expect(h.lastText('ou_manager')).toContain('李总');
    // The waiting request is forwarded, with "on behalf of".
    expect(plainCardText(JSON.stringify(approvalCard(h, 'ou_ceo').card))).toContain('代 王芳 审批');
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120'));
    const { adj, messageId } = approvalCard(h, 'ou_ceo');
    const result = await h.dispatch(click('ou_ceo', 'adj.approve', { adj }, messageId));
    expect(result.toast?.kind).toBe('success');
    expect(await h.adjustment(adj)).toMatchObject({ status: 'approved', decidedBy: IDS.ceo, approverId: IDS.manager });
    h.clock.advance(4 * DAY);
    await h.dispatch(message('ou_alice', '调整 KR3 目标 1'));
    const later = await h.adjustment();
    expect(approvalCard(h, 'ou_manager').adj).toBe(later.id);
    // The former delegate's click no longer decides: it says who handles the request now (issue 18).
    const stale = await h.dispatch(click('ou_ceo', 'adj.approve', { adj: later.id }));
    expect(stale.toast).toMatchObject({ kind: 'info', text: expect.stringContaining('王芳 处理') });
    expect((await h.adjustment(later.id)).status).toBe('pending');
  });

  it('without a manager the request goes to the admins; at the top it applies at once', async () => {
    await h.store.db.update(people).set({ managerId: null }).where(eq(people.id, IDS.alice));
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120'));
    expect(await h.adjustment()).toMatchObject({ approverId: IDS.ceo, status: 'pending' });
    expect(approvalCard(h, 'ou_ceo').adj).toBeTruthy();
    await h.store.atomic([
      h.store.db
        .update(objectives)
        .set({ ownerType: 'person', ownerPersonId: IDS.ceo })
        .where(eq(objectives.id, IDS.companyObjective)),
    ]);
    await h.dispatch(message('ou_ceo', '调整 KR1 目标 70'));
    expect(await h.adjustment()).toMatchObject({ requesterId: IDS.ceo, status: 'approved', decidedBy: IDS.ceo });
    expect((await kr(IDS.northStarKr)).targetValue).toBe(70);
  });
});

describe('sweep', () => {
  it('reminds after 2 days and expires after 7, once each, telling the requester and resolving the card', async () => {
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120'));
    const { adj, messageId } = approvalCard(h, 'ou_manager');
    const services = { store: h.store, clock: h.clock, config: h.config };
    expect(await sweepAt(services, '2026-11-28T02:00:00Z')).toEqual({ reminded: 0, expired: 0 });
    expect(await sweepAt(services, '2026-11-29T03:00:00Z')).toEqual({ reminded: 1, expired: 0 });
    expect(await sweepAt(services, '2026-11-29T04:00:00Z')).toEqual({ reminded: 0, expired: 0 });
    await h.services.outbox.drain();
    expect(h.lastText('ou_manager')).toContain('张伟');
    expect(await sweepAt(services, '2026-12-04T03:00:00Z')).toEqual({ reminded: 0, expired: 1 });
    expect(await sweepAt(services, '2026-12-04T04:00:00Z')).toEqual({ reminded: 0, expired: 0 });
    await h.services.outbox.drain();
    expect((await h.adjustment(adj)).status).toBe('expired');
    expect(h.lastText('ou_alice')).toContain('过期');
    const update = h.log.find((r) => r.op === 'update' && r.messageId === messageId);
    expect(update?.message.card?.header.color).toBe('grey');
    const late = await h.dispatch(click('ou_manager', 'adj.approve', { adj }, messageId));
    expect(late.toast?.kind).toBe('info');
    expect((await kr(IDS.aliceKr1)).targetValue).toBe(100);
  });

  it('uses the org settings for the periods', async () => {
    const { organizations } = await import('../../storage/schema');
    await h.store.db
      .update(organizations)
      .set({ settings: { adjustmentRemindDays: 1, adjustmentExpireDays: 3 } })
      .where(eq(organizations.id, IDS.org));
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120'));
    const services = { store: h.store, clock: h.clock, config: h.config };
    expect(await sweepAt(services, '2026-11-28T03:00:00Z')).toEqual({ reminded: 1, expired: 0 });
    expect(await sweepAt(services, '2026-11-30T03:00:00Z')).toEqual({ reminded: 0, expired: 1 });
  });
});
