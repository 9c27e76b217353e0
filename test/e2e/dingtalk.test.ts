// DingTalk (钉钉) end to end over real HTTP and a real websocket: the emulator
// plays DingTalk (signed robot callbacks, encrypted card callbacks, the Stream
// gateway) against the running server, which answers through the emulated OpenAPI.
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EmulatedCard } from '../../bots/dingtalk/emulator';
import { TOPIC_CARD } from '../../bots/dingtalk/emulator';
import { encryptCallback } from '../../bots/common/callback-crypto';
import { robotSign } from '../../bots/dingtalk/verify';
import { checkIns, keyResults, outbox, processedEvents } from '../../storage/schema';
import { IDS, seedSmallOrg } from '../helpers/fixtures';
import { DINGTALK, startStack, type Stack, type StackOptions } from '../helpers/e2e';
import { stackWaitFor } from '../helpers/wait';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function start(options: StackOptions) {
  stack = await startStack({ lark: false, ...options });
  await seedSmallOrg(stack.store);
  return stack;
}

const ding = () => stack!.dingtalk!;
const cardsTo = (staffId: string) =>
  [...ding().cards.values()].filter((c) => c.openSpaceId === `dtv1.card//IM_ROBOT.${staffId}`);
const checkInsOf = (krId: string) => stack!.store.db.select().from(checkIns).where(eq(checkIns.keyResultId, krId));

const waitFor = stackWaitFor(() => stack!);

interface TemplateButton {
  text: string;
  action: string;
  value: string;
}
const buttonsOf = (card: EmulatedCard) => JSON.parse(card.cardParamMap.buttons) as TemplateButton[];

/** Clicks a card button the way the generic template posts it (docs/dingtalk-card-template.md). */
function click(card: EmulatedCard, staffId: string, button: TemplateButton) {
  return ding().clickCard({
    outTrackId: card.outTrackId,
    userId: staffId,
    actionId: 'polaris_action',
    params: { action: button.action, value: button.value },
  });
}

async function postRobot(payload: unknown, timestamp: string, sign: string) {
  return fetch(`${stack!.base}/webhooks/dingtalk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', timestamp, sign },
    body: JSON.stringify(payload),
  });
}

async function expectNothingStored() {
  expect(await stack!.store.db.select().from(checkIns)).toHaveLength(0);
  expect(await stack!.store.db.select().from(processedEvents)).toHaveLength(0);
  expect(await stack!.store.db.select().from(outbox)).toHaveLength(0);
}

describe('DingTalk HTTP mode with a card template', () => {
  it('answers the event-subscription URL check', async () => {
    await start({ dingtalk: 'http' });
    const result = await ding().checkUrl();
    expect(result).toMatchObject({ status: 200, reply: 'success', ok: true });
  });

  it('registers the card callback route at startup, before any card is sent', async () => {
    await start({ dingtalk: 'http' });
    const route = await waitFor(() => ding().cardRoutes.get(`polaris_${DINGTALK.clientId}`), 'the route registration');
    expect(route.callbackUrl).toMatch(new RegExp(`^${stack!.base}/webhooks/dingtalk/card\\?token=[0-9a-f]{48}$`));
    expect(ding().calls.find((c) => c.path === '/v1.0/card/callbacks/register')?.body).toMatchObject({
      callbackRouteKey: `polaris_${DINGTALK.clientId}`,
      forceUpdate: true,
    });
    expect(ding().cards.size).toBe(0);
  });

  it('`我的OKR` delivers an interactive card with HTTP callbacks', async () => {
    await start({ dingtalk: 'http' });
    const delivery = await ding().deliverText({ staffId: 'staff_alice', text: '我的OKR' });
    expect(delivery).toMatchObject({ delivered: true, status: 200 });
    const [card] = await waitFor(() => cardsTo('staff_alice').length && cardsTo('staff_alice'), 'the OKR card');
    expect(card).toMatchObject({
      cardTemplateId: DINGTALK.cardTemplateId,
      callbackType: 'HTTP',
      callbackRouteKey: `polaris_${DINGTALK.clientId}`,
    });
    expect(card.cardParamMap.markdown).toContain('提升课程满意度');
    expect(card.cardParamMap.markdown).toContain('KR3');
    expect(card.cardParamMap.hasButtons).toBe('true');
    expect(buttonsOf(card).map((b) => b.action)).toContain('kr.open');
    expect(ding().messages).toEqual([]);
  });

  it('`KR1 45 信心 7` stores the check-in and answers with the KR card', async () => {
    await start({ dingtalk: 'http' });
    await ding().deliverText({ staffId: 'staff_alice', text: 'KR1 45 信心 7' });
    const [card] = await waitFor(() => cardsTo('staff_alice').length && cardsTo('staff_alice'), 'the KR card');
    const rows = await checkInsOf(IDS.aliceKr1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ value: 45, previousValue: 30, confidence: 7, source: 'chat', authorId: IDS.alice });
    const [kr] = await stack!.store.db.select().from(keyResults).where(eq(keyResults.id, IDS.aliceKr1));
    expect(kr).toMatchObject({ currentValue: 45, confidence: 7 });
    expect(card.cardParamMap.markdown).toContain('45');
  });

  it('a card click arrives as plain JSON at the registered /webhooks/dingtalk/card, records a check-in and updates the card', async () => {
    await start({ dingtalk: 'http' });
    await ding().deliverText({ staffId: 'staff_alice', text: 'KR1 40' });
    const [card] = await waitFor(() => cardsTo('staff_alice').length && cardsTo('staff_alice'), 'the KR card');
    const button = buttonsOf(card).find((b) => b.action === 'kr.checkin')!;
    expect(button).toBeDefined();
    const clicked = await click(card, 'staff_alice', button);
    expect(clicked).toMatchObject({ delivered: true, via: 'http', status: 200, ok: true });
    const rows = await checkInsOf(IDS.aliceKr1);
    expect(rows).toHaveLength(2);
    const value = (JSON.parse(button.value) as { value: string }).value;
    expect(rows.find((r) => r.source === 'card')).toMatchObject({ value: Number(value), authorId: IDS.alice });
    // The answer carried the card's new data (DingTalk applies it), and the outbox's PUT follows.
    expect(clicked.delivered && clicked.via === 'http' && clicked.updated).toBe(true);
    expect(card.cardParamMap.markdown).toContain(value);
    await waitFor(
      () => ding().calls.filter((c) => c.method === 'PUT' && c.path === '/v1.0/card/instances').length === 1,
      'the card update',
    );
    expect(card.cardParamMap.markdown).toContain(value);
    expect(cardsTo('staff_alice')).toHaveLength(1);
    expect(ding().lost).toEqual([]);
  });

  it('the same msgId delivered twice makes one check-in and one reply', async () => {
    await start({ dingtalk: 'http' });
    const first = await ding().deliverText({ staffId: 'staff_alice', text: 'KR2 4.5' });
    expect(first).toMatchObject({ delivered: true, status: 200 });
    const timestamp = String(Date.now());
    const again = await postRobot(first.payload, timestamp, await robotSign(DINGTALK.clientSecret, timestamp));
    expect(again.status).toBe(200);
    await waitFor(() => cardsTo('staff_alice').length, 'the reply');
    await new Promise((r) => setTimeout(r, 100));
    await stack!.flush();
    expect(await checkInsOf(IDS.aliceKr2)).toHaveLength(1);
    expect(cardsTo('staff_alice')).toHaveLength(1);
    expect(await stack!.store.db.select().from(outbox)).toHaveLength(1);
  });

  it('refuses a forged or stale sign, and a forged card callback, with 401 and stores nothing', async () => {
    await start({ dingtalk: 'http' });
    // A one-to-one message that would record a check-in if it were accepted.
    const payload = {
      conversationId: 'cidP2Pstaff_alice==',
      conversationType: '1',
      msgId: 'msgForged1',
      senderStaffId: 'staff_alice',
      senderCorpId: 'dingcorp0001',
      robotCode: DINGTALK.robotCode,
      msgtype: 'text',
      text: { content: 'KR1 99' },
      createAt: Date.now(),
    };
    const now = String(Date.now());
    expect((await postRobot(payload, now, await robotSign('not-the-secret', now))).status).toBe(401);
    const stale = String(Date.now() - 2 * 3600 * 1000);
    expect((await postRobot(payload, stale, await robotSign(DINGTALK.clientSecret, stale))).status).toBe(401);
    expect((await postRobot(payload, now, '')).status).toBe(401);

    const click = JSON.stringify({
      type: 'actionCallback',
      outTrackId: 'ob_x',
      userId: 'staff_alice',
      corpId: 'dingcorp0001',
      content: JSON.stringify({
        cardPrivateData: {
          actionIds: ['polaris_action'],
          params: { action: 'kr.checkin', value: '{"kr":"kr_alice_1","value":"99"}' },
        },
      }),
    });
    // No token, a wrong token, and the old (invented) events path: all refused, nothing stored.
    for (const url of [
      `${stack!.base}/webhooks/dingtalk/card`,
      `${stack!.base}/webhooks/dingtalk/card?token=${'0'.repeat(48)}`,
    ]) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: click });
      expect(res.status).toBe(401);
    }
    const forged = await fetch(
      `${stack!.base}/webhooks/dingtalk/events?msg_signature=${'0'.repeat(40)}&timestamp=${now}&nonce=abc`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ encrypt: await encryptCallback(DINGTALK.callbackAesKey, click, DINGTALK.clientId) }),
      },
    );
    expect(forged.status).toBe(401);
    await expectNothingStored();
  });
});

describe('DingTalk HTTP mode without a card template', () => {
  it('`我的OKR` answers in markdown through the sessionWebhook, buttons shown as text commands', async () => {
    await start({ dingtalk: 'http', dingtalkCardTemplate: false });
    await ding().deliverText({ staffId: 'staff_alice', text: '我的OKR' });
    const [message] = await waitFor(() => ding().messages.length && ding().messages, 'the markdown reply');
    expect(message).toMatchObject({ via: 'session', to: 'staff_alice', msgKey: 'sampleMarkdown' });
    const text = String(message.msgParam.text);
    expect(text).toContain('提升课程满意度');
    expect(text).toContain('KR3');
    expect(text).toMatch(/KR1 \d+/);
    expect(ding().cards.size).toBe(0);
  });
});

describe('DingTalk Stream mode', () => {
  // The official SDK logs every (re)connect to stdout.
  beforeEach(() => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'info').mockImplementation(() => {});
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  async function startStream() {
    await start({ dingtalk: 'stream' });
    // startNode resolved only once the stream was connected through the gateway derived from DINGTALK_API_BASE.
    expect(ding().calls.some((c) => c.path === '/v1.0/gateway/connections/open')).toBe(true);
    expect(ding().stream.hasSubscriber(TOPIC_CARD)).toBe(true);
  }
  const acked = (messageId: string) => ding().stream.acks.find((a) => a.messageId === messageId);
  /** The Stream frame a delivery was pushed as. */
  const frameOf = (delivery: { delivered: boolean; messageId?: string }) => {
    if (!delivery.delivered || !delivery.messageId) throw new Error('not pushed over the stream');
    return delivery.messageId;
  };

  it('`我的OKR` and a KR update over the stream', async () => {
    await startStream();
    const okrs = await ding().deliverText({ staffId: 'staff_alice', text: '我的OKR' });
    await waitFor(() => acked(frameOf(okrs)), 'the ACK');
    const [card] = await waitFor(() => cardsTo('staff_alice').length && cardsTo('staff_alice'), 'the OKR card');
    expect(card).toMatchObject({ callbackType: 'STREAM' });
    expect(card.cardParamMap.markdown).toContain('提升课程满意度');

    await ding().deliverText({ staffId: 'staff_alice', text: 'KR1 45 信心 7' });
    await waitFor(async () => (await checkInsOf(IDS.aliceKr1)).length, 'the check-in');
    expect((await checkInsOf(IDS.aliceKr1))[0]).toMatchObject({ value: 45, confidence: 7, source: 'chat' });
    await waitFor(() => cardsTo('staff_alice').length === 2, 'the KR card');
  });

  it('a card click (callbackType STREAM) records a check-in and updates the card', async () => {
    await startStream();
    await ding().deliverText({ staffId: 'staff_alice', text: 'KR1 40' });
    const [card] = await waitFor(() => cardsTo('staff_alice').length && cardsTo('staff_alice'), 'the KR card');
    expect(card.callbackType).toBe('STREAM');
    const button = buttonsOf(card).find((b) => b.action === 'kr.checkin')!;
    const clicked = await click(card, 'staff_alice', button);
    expect(clicked).toMatchObject({ delivered: true, via: 'stream' });
    await waitFor(() => card.updates === 1, 'the card update');
    const rows = await checkInsOf(IDS.aliceKr1);
    expect(rows.map((r) => r.source).sort()).toEqual(['card', 'chat']);
    expect(card.cardParamMap.markdown).toContain((JSON.parse(button.value) as { value: string }).value);
  });

  it('a callback whose ACK is lost is re-pushed and processed once', async () => {
    await startStream();
    ding().stream.loseAcks(1);
    const sent = await ding().deliverText({ staffId: 'staff_alice', text: 'KR2 4.5' });
    const ack = await waitFor(() => acked(frameOf(sent)), 'the ACK of the re-push');
    expect(ack.attempts).toBe(2);
    await new Promise((r) => setTimeout(r, 100));
    await stack!.flush();
    expect(await checkInsOf(IDS.aliceKr2)).toHaveLength(1);
    expect(cardsTo('staff_alice')).toHaveLength(1);
    expect(ding().stream.pending.size).toBe(0);
  });

  it('reconnects after the gateway drops the connection, losing no message', async () => {
    await startStream();
    const first = await ding().deliverText({ staffId: 'staff_alice', text: 'KR1 45' });
    await waitFor(() => acked(frameOf(first)), 'the first ACK');
    ding().stream.drop();
    await waitFor(() => ding().stream.connections.size === 0, 'the drop');
    const second = await ding().deliverText({ staffId: 'staff_alice', text: 'KR2 4.6' }); // pushed while disconnected
    await waitFor(
      () => ding().stream.connectionLog.filter((e) => e.event === 'open').length >= 2,
      'the reconnect',
      8000,
    );
    await waitFor(() => acked(frameOf(second)), 'the second ACK');
    expect(await checkInsOf(IDS.aliceKr1)).toHaveLength(1);
    expect(await checkInsOf(IDS.aliceKr2)).toHaveLength(1);
    await waitFor(() => cardsTo('staff_alice').length === 2, 'both replies');
    expect(ding().stream.pending.size).toBe(0);
    expect(ding().lost).toEqual([]);
  });
});
