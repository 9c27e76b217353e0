// Approvals end to end over real HTTP on WeCom and DingTalk: the emulators push
// signed, encrypted callbacks (WeCom) and Stream frames (DingTalk) to the running
// server, which answers through the emulated APIs. Covers a rejection with a note
// on WeCom (plus a stale second click and a forged click) and an approval from a
// DingTalk card (plus a callback re-pushed after a lost ACK).
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EmulatedCard } from '../../bots/dingtalk/emulator';
import type { EmulatedWecomMessage } from '../../bots/wecom/emulator';
import { adjustments, auditLog, keyResults } from '../../storage/schema';
import { startStack, WECOM, type Stack } from '../helpers/e2e';
import { IDS, seedSmallOrg } from '../helpers/fixtures';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  vi.restoreAllMocks();
});

async function waitFor<T>(
  fn: () => T | undefined | false | 0 | Promise<T | undefined | false | 0>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await stack!.flush();
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const pendingAdjustment = () =>
  waitFor(
    async () => (await stack!.store.db.select().from(adjustments).where(eq(adjustments.status, 'pending'))).at(-1),
    'a pending adjustment',
  );
const adjustmentRow = async (id: string) =>
  (await stack!.store.db.select().from(adjustments).where(eq(adjustments.id, id)))[0];
const auditsOf = (id: string) => stack!.store.db.select().from(auditLog).where(eq(auditLog.entityId, id));
const kr1 = async () => (await stack!.store.db.select().from(keyResults).where(eq(keyResults.id, IDS.aliceKr1)))[0];
const decisions = async (id: string) =>
  (await auditsOf(id)).filter((a) => a.action === 'adjustment.approved' || a.action === 'adjustment.rejected');

describe('approvals over WeCom', () => {
  beforeEach(async () => {
    stack = await startStack({ lark: false, wecom: true });
    await seedSmallOrg(stack.store);
  });

  const wecom = () => stack!.wecom!;
  const messagesTo = (userid: string) => [...wecom().messages.values()].filter((m) => m.touser.includes(userid));
  /** What the member sees of a message: its text, markdown or template card as it stands now. */
  const shown = (m: EmulatedWecomMessage) => JSON.stringify(m.templateCard ?? m.body);
  const buttonsOf = (m: EmulatedWecomMessage) => (m.templateCard?.button_list ?? []) as { text: string; key: string }[];
  const messageWith = (userid: string, needle: string, what = needle) =>
    waitFor(
      () =>
        messagesTo(userid)
          .filter((m) => shown(m).includes(needle))
          .at(-1),
      what,
    );

  /** A template_card_event as WeCom would push it, for a click the emulator's UI would not allow. */
  function forgedClick(userid: string, card: EmulatedWecomMessage, key: string) {
    const xml =
      `<xml><ToUserName><![CDATA[${WECOM.corpId}]]></ToUserName><FromUserName><![CDATA[${userid}]]></FromUserName>` +
      `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>` +
      `<EventKey><![CDATA[${key}]]></EventKey><TaskId><![CDATA[${card.taskId}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>` +
      `<ResponseCode><![CDATA[forged_${userid}_${Date.now()}]]></ResponseCode><AgentID>${WECOM.agentId}</AgentID></xml>`;
    return wecom().deliverXml(xml);
  }

  it('reject with a note: the card shows who decided, the requester gets the note, nothing else changes', async () => {
    const asked = await wecom().deliverText({ userid: 'ZhangWei', content: '调整 KR1 目标 80 原因 家长反馈周期变长' });
    expect(asked.status).toBe(200);
    const request = await pendingAdjustment();
    expect(request).toMatchObject({
      requesterId: IDS.alice,
      approverId: IDS.manager,
      kind: 'target',
      reason: '家长反馈周期变长',
    });
    await messageWith('ZhangWei', '王芳', 'the acknowledgement');

    // 王芳 receives a button_interaction card with Approve and Reject.
    const card = await waitFor(
      () => messagesTo('WangFang').find((m) => buttonsOf(m).some((b) => b.key.includes(request.id))),
      'the approval card',
    );
    expect(card.templateCard).toMatchObject({ card_type: 'button_interaction' });
    expect(card.delivered).toEqual(['WangFang']);
    const approveKey = buttonsOf(card).find((b) => b.key.startsWith('adj.approve?'))!.key;
    const rejectKey = buttonsOf(card).find((b) => b.key.startsWith('adj.reject?'))!.key;
    expect(buttonsOf(card).map((b) => b.text)).toEqual(['同意', '拒绝']);
    expect(messagesTo('WangFang').map(shown).join('\n')).toContain('家长反馈周期变长');
    const original = card.templateCard;

    // 张伟 never got the card: the emulator will not let him click it, so he forges the callback.
    await expect(wecom().clickButton({ userid: 'ZhangWei', msgId: card.msgid, key: approveKey })).rejects.toThrow(
      /never received/,
    );
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect((await forgedClick('ZhangWei', card, approveKey)).status).toBe(200);
    const refused = await stack!.store.db.select().from(auditLog).where(eq(auditLog.action, 'adjustment.refused'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actorId: IDS.alice, entityId: request.id });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('refused adjustment decision by per_alice'));
    expect((await adjustmentRow(request.id)).status).toBe('pending');
    expect((await kr1()).targetValue).toBe(100);
    expect(card.updates).toHaveLength(0);

    // Reject: she is asked for a note, and answers with a message.
    const click = await wecom().clickButton({ userid: 'WangFang', msgId: card.msgid, key: rejectKey });
    expect(click.status).toBe(200);
    await messageWith('WangFang', '拒绝原因', 'the note prompt');
    expect((await adjustmentRow(request.id)).status).toBe('pending');
    await wecom().deliverText({ userid: 'WangFang', content: '80 太低，保持 100' });

    await waitFor(async () => (await adjustmentRow(request.id)).status === 'rejected', 'the rejection');
    expect(await adjustmentRow(request.id)).toMatchObject({
      status: 'rejected',
      decidedBy: IDS.manager,
      decisionNote: '80 太低，保持 100',
    });
    expect((await kr1()).targetValue).toBe(100);

    // The card 王芳 sees now carries the outcome (who decided, the note) and no buttons.
    await waitFor(() => card.updates.length, 'the card update');
    expect(shown(card)).toContain('王芳 已于');
    expect(shown(card)).toContain('80 太低');
    expect(buttonsOf(card)).toEqual([]);
    const updates = wecom().calls.filter((c) => c.path === '/cgi-bin/message/update_template_card');
    expect(updates.map((u) => u.response.errcode)).toEqual([0]);

    // 张伟 is told, with the note.
    const told = await messageWith('ZhangWei', '80 太低', 'the rejection notice');
    expect(shown(told)).toContain('王芳 拒绝了你的调整');

    // A second click on the card, from a client still showing the buttons (the emulator's card is set
    // back to what that client shows): no second decision; the click's own ResponseCode puts the
    // outcome back on the card.
    const resolved = card.templateCard;
    card.templateCard = original;
    const again = await wecom().clickButton({ userid: 'WangFang', msgId: card.msgid, key: approveKey });
    expect(again.status).toBe(200);
    await waitFor(() => card.updates.length === 2, 'the answer to the second click');
    expect(card.templateCard).not.toBe(original);
    expect(
      wecom()
        .calls.filter((c) => c.path === '/cgi-bin/message/update_template_card')
        .at(-1)!.body,
    ).toMatchObject({ response_code: again.responseCode });
    expect(JSON.stringify(card.templateCard)).toBe(JSON.stringify(resolved));
    expect(shown(card)).toContain('王芳 已于');
    expect(shown(card)).toContain('80 太低');
    expect(await adjustmentRow(request.id)).toMatchObject({ status: 'rejected', decisionNote: '80 太低，保持 100' });
    expect((await kr1()).targetValue).toBe(100);
    expect(await decisions(request.id)).toHaveLength(1);
    expect(await stack!.store.db.select().from(auditLog).where(eq(auditLog.action, 'adjustment.refused'))).toHaveLength(
      1,
    );
    expect(
      wecom()
        .calls.filter((c) => c.path === '/cgi-bin/message/update_template_card')
        .every((c) => c.response.errcode === 0),
    ).toBe(true);
  });

  it("approve from the card: the card is updated once, with the click's ResponseCode", async () => {
    await wecom().deliverText({ userid: 'ZhangWei', content: '调整 KR1 目标 80 原因 家长反馈周期变长' });
    const request = await pendingAdjustment();
    const card = await waitFor(
      () => messagesTo('WangFang').find((m) => buttonsOf(m).some((b) => b.key.includes(request.id))),
      'the approval card',
    );
    const approveKey = buttonsOf(card).find((b) => b.key.startsWith('adj.approve?'))!.key;
    const click = await wecom().clickButton({ userid: 'WangFang', msgId: card.msgid, key: approveKey });
    expect(click.status).toBe(200);
    await waitFor(async () => (await kr1()).targetValue === 80, 'the new target');
    await messageWith('ZhangWei', '王芳 已同意你的调整', 'the approval notice');
    await waitFor(() => card.updates.length, 'the card update');
    await new Promise((r) => setTimeout(r, 100));
    await stack!.flush();
    // The clicked card is answered through the click; the copy update would spend the send's code on the same card.
    const updates = wecom().calls.filter((c) => c.path === '/cgi-bin/message/update_template_card');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ body: { response_code: click.responseCode }, response: { errcode: 0 } });
    expect(shown(card)).toContain('王芳 已于');
    expect(buttonsOf(card)).toEqual([]);
  });
});

describe('approvals over DingTalk (Stream mode, card template)', () => {
  // The official SDK logs every (re)connect to stdout.
  beforeEach(async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'info').mockImplementation(() => {});
    stack = await startStack({ lark: false, dingtalk: 'stream' });
    await seedSmallOrg(stack.store);
  });
  // Stop first: the SDK logs its disconnect too.
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    vi.restoreAllMocks();
  });

  const ding = () => stack!.dingtalk!;
  const cardsTo = (staffId: string) =>
    [...ding().cards.values()].filter((c) => c.openSpaceId === `dtv1.card//IM_ROBOT.${staffId}`);
  const buttonsOf = (card: EmulatedCard) =>
    JSON.parse(card.cardParamMap.buttons) as { text: string; action: string; value: string }[];
  const textsTo = (staffId: string) =>
    ding()
      .messages.filter((m) => m.to === staffId)
      .map((m) => JSON.stringify(m.msgParam));
  const cardUpdates = () => ding().calls.filter((c) => c.method === 'PUT' && c.path === '/v1.0/card/instances');

  /** 张伟 asks; returns the request and the approval card 王芳 received. */
  async function requestAndCard(text: string) {
    await ding().deliverText({ staffId: 'staff_alice', text });
    const request = await pendingAdjustment();
    const card = await waitFor(
      () => cardsTo('staff_mgr').find((c) => c.cardParamMap.buttons.includes(request.id)),
      'the approval card',
    );
    expect(card).toMatchObject({ callbackType: 'STREAM' });
    expect(buttonsOf(card).map((b) => b.action)).toEqual(['adj.approve', 'adj.reject']);
    const approve = buttonsOf(card).find((b) => b.action === 'adj.approve')!;
    return { request, card, approve };
  }

  it('approved from the card: the KR changes, the card is updated in place, the requester is told', async () => {
    const { request, card, approve } = await requestAndCard('调整 KR1 目标 80 原因 家长反馈周期变长');
    expect(card.cardParamMap.markdown).toContain('家长反馈周期变长');
    const clicked = await ding().clickCard({
      outTrackId: card.outTrackId,
      userId: 'staff_mgr',
      actionId: 'polaris_action',
      params: { action: approve.action, value: approve.value },
    });
    expect(clicked).toMatchObject({ delivered: true, via: 'stream' });

    await waitFor(async () => (await kr1()).targetValue === 80, 'the new target');
    expect(await adjustmentRow(request.id)).toMatchObject({ status: 'approved', decidedBy: IDS.manager });
    await waitFor(() => card.updates >= 1, 'the card update');
    expect(cardUpdates().map((c) => (c.body as { outTrackId: string }).outTrackId)).toEqual([card.outTrackId]);
    expect(card.cardParamMap.markdown).toContain('王芳 已于');
    expect(card.cardParamMap.hasButtons).toBe('false');
    await waitFor(() => textsTo('staff_alice').some((t) => t.includes('王芳 已同意你的调整')), 'the approval notice');
    expect(ding().lost).toEqual([]);
  });

  it('a click whose ACK is lost is re-pushed and decided exactly once', async () => {
    const { request, card, approve } = await requestAndCard('调整 KR1 目标 80');
    ding().stream.loseAcks(1);
    const clicked = await ding().clickCard({
      outTrackId: card.outTrackId,
      userId: 'staff_mgr',
      actionId: 'polaris_action',
      params: { action: approve.action, value: approve.value },
    });
    if (!clicked.delivered || !('messageId' in clicked) || !clicked.messageId)
      throw new Error('the click was not pushed over the stream');
    const ack = await waitFor(
      () => ding().stream.acks.find((a) => a.messageId === clicked.messageId),
      'the ACK of the re-push',
    );
    expect(ack.attempts).toBe(2);
    await new Promise((r) => setTimeout(r, 100));
    await stack!.flush();

    expect(await decisions(request.id)).toHaveLength(1);
    expect((await kr1()).targetValue).toBe(80);
    expect(cardUpdates()).toHaveLength(1);
    expect(textsTo('staff_alice').filter((t) => t.includes('王芳 已同意你的调整'))).toHaveLength(1);
    expect(ding().stream.pending.size).toBe(0);
  });
});
