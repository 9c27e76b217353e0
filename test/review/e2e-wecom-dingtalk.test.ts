// The self-assessment card on WeCom (template_card, strict limits in the emulator) and on
// DingTalk (Stream mode, card template): sent by the review start, clicked, recorded once.
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EmulatedCard } from '../../bots/dingtalk/emulator';
import type { EmulatedWecomMessage } from '../../bots/wecom/emulator';
import { reviews } from '../../storage/schema';
import { startStack, type Stack } from '../helpers/e2e';
import { IDS, seedSmallOrg } from '../helpers/fixtures';
import { stackWaitFor } from '../helpers/wait';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  vi.restoreAllMocks();
});
const waitFor = stackWaitFor(() => stack!);
const ADMIN = { Authorization: 'Bearer e2e-admin-token-0123456789abcdef', 'content-type': 'application/json' };
const startReview = () =>
  fetch(`${stack!.base}/api/v1/cycles/${IDS.cycle}/review`, {
    method: 'POST',
    headers: ADMIN,
    body: JSON.stringify({ self_due: '2099-12-31' }),
  });
const aliceReview = async () =>
  (await stack!.store.db.select().from(reviews).where(eq(reviews.personId, IDS.alice)))[0];

describe('the self-assessment card on WeCom and DingTalk', () => {
  it('WeCom: the template card carries the buttons; accepting records the score once', async () => {
    stack = await startStack({ lark: false, wecom: true });
    await seedSmallOrg(stack.store);
    expect((await startReview()).status).toBe(201);
    const wecom = stack.wecom!;
    const buttonsOf = (m: EmulatedWecomMessage) =>
      (m.templateCard?.button_list ?? []) as { text: string; key: string }[];
    const card = await waitFor(
      () => [...wecom.messages.values()].find((m) => m.touser.includes('ZhangWei') && buttonsOf(m).length),
      'the self-assessment card',
    );
    const accept = buttonsOf(card).find((b) => b.key.startsWith('rv.self?'))!;
    expect(accept.text).toBe('采纳 0.4');
    const click = await wecom.clickButton({ userid: 'ZhangWei', msgId: card.msgid, key: accept.key });
    expect(click.status).toBe(200);
    await waitFor(async () => (await aliceReview()).selfScore === 0.4, 'the self score');
    expect((await aliceReview()).version).toBe(1);
  });

  it('DingTalk: the card template carries the buttons; accepting records the score once', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'info').mockImplementation(() => {});
    stack = await startStack({ lark: false, dingtalk: 'stream' });
    await seedSmallOrg(stack.store);
    expect((await startReview()).status).toBe(201);
    const ding = stack.dingtalk!;
    const buttonsOf = (c: EmulatedCard) =>
      JSON.parse(c.cardParamMap.buttons ?? '[]') as { text: string; action: string; value: string }[];
    const card = await waitFor(
      () =>
        [...ding.cards.values()].find(
          (c) => c.openSpaceId === 'dtv1.card//IM_ROBOT.staff_alice' && c.cardParamMap.buttons?.includes('rv.self'),
        ),
      'the self-assessment card',
    );
    const accept = buttonsOf(card).find((b) => b.action === 'rv.self')!;
    const clicked = await ding.clickCard({
      outTrackId: card.outTrackId,
      userId: 'staff_alice',
      actionId: 'polaris_action',
      params: { action: accept.action, value: accept.value },
    });
    expect(clicked).toMatchObject({ delivered: true });
    await waitFor(async () => (await aliceReview()).selfScore === 0.4, 'the self score');
    expect(ding.lost).toEqual([]);
  });
});
