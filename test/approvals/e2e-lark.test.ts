// Approvals end to end over real HTTP: the Lark emulator pushes signed,
// encrypted messages and card callbacks to the running server, which answers
// through the emulator's open API. Covers: an aligned objective created by
// chat, an adjustment approved from the card (resolved inline), a rejection
// with a note, delegation, expiry, a concurrent double decision and a forgery.
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepAdjustments } from '../../src/approvals/sweep';
import { adjustments, auditLog, keyResults, objectives } from '../../storage/schema';
import { startStack, type Stack } from '../helpers/e2e';
import { stackWaitFor } from '../helpers/wait';
import { IDS, seedSmallOrg } from '../helpers/fixtures';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
  await seedSmallOrg(stack.store);
});
afterEach(async () => {
  await stack?.stop();
});

const lark = () => stack.lark!;
const messagesTo = (openId: string) => [...lark().messages.values()].filter((m) => m.receiveId === openId);
const text = (m: { content: unknown }) => JSON.stringify(m.content);

const waitFor = stackWaitFor(() => stack);

/** The newest message to `openId` whose content contains `needle`. */
const messageWith = (openId: string, needle: string, what = needle) =>
  waitFor(
    () =>
      messagesTo(openId)
        .filter((m) => text(m).includes(needle))
        .at(-1),
    what,
  );

async function say(openId: string, message: string) {
  const delivery = await lark().deliverMessage({ openId, text: message });
  expect(delivery.status).toBe(200);
}

async function pendingAdjustment() {
  return waitFor(
    async () => (await stack.store.db.select().from(adjustments).where(eq(adjustments.status, 'pending'))).at(-1),
    'a pending adjustment',
  );
}

describe('approvals over Lark', () => {
  it('creates an aligned objective by chat, approved by the manager from the card', async () => {
    await say('ou_alice', '新目标');
    await messageWith('ou_alice', '目标标题');
    await say('ou_alice', '提升家长满意度');
    await messageWith('ou_alice', '关键结果');
    await say('ou_alice', '家访次数 0→20次\n续费率 60%→68%');
    const picker = await messageWith('ou_alice', 'obj.align', 'the alignment picker');
    const pick = await lark().clickButton({
      openId: 'ou_alice',
      messageId: picker.messageId,
      text: '1. 学员续费率提升至68%',
    });
    expect(pick.status).toBe(200);
    const confirm = await messageWith('ou_alice', 'obj.confirm', 'the confirmation card');
    await lark().clickButton({ openId: 'ou_alice', messageId: confirm.messageId, text: '确认创建' });
    const request = await pendingAdjustment();
    expect(request.kind).toBe('new_objective');
    const card = await messageWith('ou_manager', request.id, 'the approval card');
    const approve = await lark().clickButton({ openId: 'ou_manager', messageId: card.messageId, text: '同意' });
    expect((approve.body as { toast?: { type: string } }).toast?.type).toBe('success');
    const [created] = await stack.store.db.select().from(objectives).where(eq(objectives.id, request.objectiveId!));
    expect(created).toMatchObject({ title: '提升家长满意度', parentKrId: IDS.northStarKr, status: 'active' });
    await messageWith('ou_alice', '王芳 已同意');
  });

  it('an adjustment requested in chat is approved from the card, which turns into the resolved card', async () => {
    await say('ou_alice', '调整 KR1 目标 120 原因 新增两个班');
    const request = await pendingAdjustment();
    const card = await messageWith('ou_manager', request.id, 'the approval card');
    expect(text(card)).toContain('新增两个班');
    const click = await lark().clickButton({ openId: 'ou_manager', messageId: card.messageId, text: '同意' });
    expect(click.cardError).toBeUndefined();
    const shown = text(lark().messages.get(card.messageId)!);
    expect(shown).toContain('王芳 已于');
    expect(shown).not.toContain('adj.approve');
    const [kr] = await stack.store.db.select().from(keyResults).where(eq(keyResults.id, IDS.aliceKr1));
    expect(kr.targetValue).toBe(120);
    await messageWith('ou_alice', '王芳 已同意');
    // A second click on the resolved card: a toast saying why, nothing changes.
    const again = await lark().clickCard({
      openId: 'ou_manager',
      messageId: card.messageId,
      value: { action_id: 'adj.reject', params: { adj: request.id } },
    });
    expect(again.status).toBe(200);
    const audits = await stack.store.db.select().from(auditLog).where(eq(auditLog.entityId, request.id));
    expect(audits.filter((a) => a.action === 'adjustment.approved')).toHaveLength(1);
    expect(audits.filter((a) => a.action === 'adjustment.rejected')).toHaveLength(0);
  });

  it('reject asks for a note; the note reaches the requester and the card', async () => {
    await say('ou_alice', '调整 KR2 目标 4.9');
    const request = await pendingAdjustment();
    const card = await messageWith('ou_manager', request.id, 'the approval card');
    await lark().clickButton({ openId: 'ou_manager', messageId: card.messageId, text: '拒绝' });
    await messageWith('ou_manager', '拒绝原因');
    await say('ou_manager', '4.9 不现实，保持 4.7');
    await messageWith('ou_alice', '4.9 不现实');
    await waitFor(() => text(lark().messages.get(card.messageId)!).includes('4.9 不现实'), 'the resolved card');
    const [row] = await stack.store.db.select().from(adjustments).where(eq(adjustments.id, request.id));
    expect(row).toMatchObject({ status: 'rejected', decisionNote: '4.9 不现实，保持 4.7' });
  });

  it('delegation: the delegate gets the card and decides; a forged click by someone else is refused and logged', async () => {
    await say('ou_manager', '委托 李总 7天');
    await messageWith('ou_manager', '李总');
    await say('ou_alice', '调整 KR1 目标 110');
    const request = await pendingAdjustment();
    const card = await messageWith('ou_ceo', request.id, 'the delegated card');
    const forged = await lark().clickCard({
      openId: 'ou_bob',
      messageId: card.messageId,
      value: { action_id: 'adj.approve', params: { adj: request.id } },
    });
    expect((forged.body as { toast?: { type: string } }).toast?.type).toBe('error');
    const refused = await stack.store.db.select().from(auditLog).where(eq(auditLog.action, 'adjustment.refused'));
    expect(refused).toHaveLength(1);
    await lark().clickButton({ openId: 'ou_ceo', messageId: card.messageId, text: '同意' });
    const [row] = await stack.store.db.select().from(adjustments).where(eq(adjustments.id, request.id));
    expect(row).toMatchObject({ status: 'approved', decidedBy: IDS.ceo });
  });

  it('two approvers clicking at once make exactly one decision', async () => {
    await say('ou_alice', '调整 KR1 目标 110');
    const request = await pendingAdjustment();
    const managerCard = await messageWith('ou_manager', request.id, "the manager's copy");
    // Delegating afterwards forwards the waiting request: now two people hold a live card.
    await say('ou_manager', '委托 李总 7天');
    const ceoCard = await messageWith('ou_ceo', request.id, "the delegate's copy");
    const [a, b] = await Promise.all([
      lark().clickCard({
        openId: 'ou_manager',
        messageId: managerCard.messageId,
        value: { action_id: 'adj.approve', params: { adj: request.id } },
      }),
      lark().clickCard({
        openId: 'ou_ceo',
        messageId: ceoCard.messageId,
        value: { action_id: 'adj.reject', params: { adj: request.id, note: 'no' } },
      }),
    ]);
    const toasts = [a, b].map((r) => (r.body as { toast?: { type: string } }).toast?.type).sort();
    expect(toasts).toEqual(['info', 'success']);
    const audits = await stack.store.db.select().from(auditLog).where(eq(auditLog.entityId, request.id));
    expect(audits.filter((x) => x.action === 'adjustment.approved' || x.action === 'adjustment.rejected')).toHaveLength(
      1,
    );
  });

  it('expiry resolves the card and tells the requester', async () => {
    await say('ou_alice', '调整 KR1 目标 110');
    const request = await pendingAdjustment();
    const card = await messageWith('ou_manager', request.id, 'the approval card');
    const later = new Date(Date.parse(request.expiresAt!) + 60_000);
    expect(await sweepAdjustments(stack.services, later)).toEqual({ reminded: 0, expired: 1 });
    expect(await sweepAdjustments(stack.services, later)).toEqual({ reminded: 0, expired: 0 });
    await messageWith('ou_alice', '过期');
    await waitFor(() => lark().messages.get(card.messageId)!.updates > 0, 'the expired card');
    expect(text(lark().messages.get(card.messageId)!)).toContain('过期');
  });
});
