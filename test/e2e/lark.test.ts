// Lark end to end over real HTTP: the emulator pushes signed, encrypted events
// to the running server; the server answers through the emulator's open API.
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encryptLarkPayload } from '../../bots/lark/crypto';
import { auditLog, checkIns, keyResults, outbox, processedEvents } from '../../storage/schema';
import { IDS, seedSmallOrg } from '../helpers/fixtures';
import { LARK, startStack, type Stack } from '../helpers/e2e';
import { stackWaitFor } from '../helpers/wait';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
  await seedSmallOrg(stack.store);
});
afterEach(async () => {
  await stack?.stop();
});

const lark = () => stack.lark!;
const contentText = (content: unknown) => JSON.stringify(content);
const messagesTo = (openId: string) => [...lark().messages.values()].filter((m) => m.receiveId === openId);

const waitFor = stackWaitFor(() => stack);

describe('Lark end to end', () => {
  it('answers the console URL verification (encrypted, token checked)', async () => {
    const result = await lark().urlVerification('challenge-123');
    expect(result.ok).toBe(true);
  });

  it('`我的OKR` returns a card with numbered KRs', async () => {
    const delivery = await lark().deliverMessage({ openId: 'ou_alice', text: '我的OKR' });
    expect(delivery.status).toBe(200);
    const [card] = await waitFor(() => messagesTo('ou_alice').length && messagesTo('ou_alice'), 'the OKR card');
    expect(card.msgType).toBe('interactive');
    const text = contentText(card.content);
    expect(text).toContain('提升课程满意度');
    expect(text).toContain('KR1');
    expect(text).toContain('KR3');
    expect(text).toContain('学员续费率提升至68%');
  });

  it('`KR1 45 信心 7` stores the check-in and replies with the updated KR', async () => {
    await lark().deliverMessage({ openId: 'ou_alice', text: 'KR1 45 信心 7' });
    const [reply] = await waitFor(() => messagesTo('ou_alice').length && messagesTo('ou_alice'), 'the check-in reply');
    const rows = await stack.store.db.select().from(checkIns).where(eq(checkIns.keyResultId, IDS.aliceKr1));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ value: 45, previousValue: 30, confidence: 7, source: 'chat', authorId: IDS.alice });
    const [kr] = await stack.store.db.select().from(keyResults).where(eq(keyResults.id, IDS.aliceKr1));
    expect(kr).toMatchObject({ currentValue: 45, confidence: 7 });
    expect(contentText(reply.content)).toContain('45%');
  });

  it('a KR card button records a check-in and updates the card inline', async () => {
    await lark().deliverMessage({ openId: 'ou_alice', text: 'KR1 40' });
    const [card] = await waitFor(() => messagesTo('ou_alice').length && messagesTo('ou_alice'), 'the KR card');
    const before = await stack.store.db.select().from(checkIns).where(eq(checkIns.keyResultId, IDS.aliceKr1));
    const buttons = JSON.stringify(card.content).match(/"content":"([^"]*)"/g) ?? [];
    expect(buttons.length).toBeGreaterThan(0);
    const click = await lark().clickCard({
      openId: 'ou_alice',
      messageId: card.messageId,
      value: findCheckInButtonValue(card.content),
    });
    expect(click.status).toBe(200);
    const body = click.body as { toast?: { type: string }; card?: { type: string; data: unknown } };
    expect(body.toast?.type).toBe('success');
    expect(body.card?.type).toBe('raw');
    const after = await stack.store.db.select().from(checkIns).where(eq(checkIns.keyResultId, IDS.aliceKr1));
    expect(after.length).toBe(before.length + 1);
    expect(after.at(-1)!.source).toBe('card');
    // The emulator shows the card from the callback answer.
    expect(JSON.stringify(lark().messages.get(card.messageId)!.content)).toContain(String(after.at(-1)!.value));
  });

  it('the same event delivered five times makes one check-in and one reply', async () => {
    for (let i = 0; i < 5; i++)
      await lark().deliverMessage({ openId: 'ou_alice', text: 'KR2 4.5', eventId: 'ev_dup_1' });
    await stack.flush();
    await new Promise((r) => setTimeout(r, 100));
    await stack.flush();
    const rows = await stack.store.db.select().from(checkIns).where(eq(checkIns.keyResultId, IDS.aliceKr2));
    expect(rows).toHaveLength(1);
    expect(messagesTo('ou_alice')).toHaveLength(1);
    const ledger = await stack.store.db.select().from(processedEvents).where(eq(processedEvents.eventId, 'ev_dup_1'));
    expect(ledger).toHaveLength(1);
  });

  it('refuses a wrong signature with 401 and stores nothing', async () => {
    const body = JSON.stringify({
      encrypt: await encryptLarkPayload(
        LARK.encryptKey,
        JSON.stringify({
          schema: '2.0',
          header: {
            event_id: 'ev_forged',
            event_type: 'im.message.receive_v1',
            token: LARK.verificationToken,
            app_id: LARK.appId,
            tenant_key: 't',
            create_time: String(Date.now()),
          },
          event: {
            sender: { sender_id: { open_id: 'ou_alice' }, sender_type: 'user' },
            message: {
              message_id: 'om_x',
              chat_id: 'oc_x',
              chat_type: 'p2p',
              message_type: 'text',
              content: JSON.stringify({ text: 'KR1 99' }),
            },
          },
        }),
      ),
    });
    const res = await fetch(`${stack.base}/webhooks/lark`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-lark-request-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-lark-request-nonce': 'n',
        'x-lark-signature': 'f'.repeat(64),
      },
    });
    expect(res.status).toBe(401);
    expect(await stack.store.db.select().from(checkIns)).toHaveLength(0);
    expect(await stack.store.db.select().from(processedEvents)).toHaveLength(0);
    expect(await stack.store.db.select().from(outbox)).toHaveLength(0);
  });

  it('tells an unknown sender to ask their admin, and logs the attempt', async () => {
    await lark().deliverMessage({ openId: 'ou_stranger', text: '我的OKR' });
    const [reply] = await waitFor(
      () => messagesTo('ou_stranger').length && messagesTo('ou_stranger'),
      'the unknown-sender reply',
    );
    expect(contentText(reply.content)).toMatch(/管理员/);
    const logged = await stack.store.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'unknown_sender'), eq(auditLog.entityId, 'ou_stranger')));
    expect(logged).toHaveLength(1);
  });

  it('replies in English to people whose locale is en, and lists KRs for a wrong KR number', async () => {
    await lark().deliverMessage({ openId: 'ou_bob', text: 'update KR7 10' });
    const [reply] = await waitFor(() => messagesTo('ou_bob').length && messagesTo('ou_bob'), 'the reply');
    const text = contentText(reply.content);
    expect(text).toContain('KR1');
    expect(text).toContain('Renewal rate');
    expect(text).not.toMatch(/[\u4e00-\u9fff]{4,}/);
    expect(await stack.store.db.select().from(checkIns)).toHaveLength(0);
  });

  it('answers in a group chat when mentioned', async () => {
    await lark().deliverMessage({
      openId: 'ou_alice',
      text: '帮助',
      chatType: 'group',
      chatId: 'oc_team',
      mentionBot: true,
    });
    const [reply] = await waitFor(() => {
      const list = [...lark().messages.values()].filter((m) => m.receiveId === 'oc_team');
      return list.length && list;
    }, 'the group reply');
    expect(reply.receiveIdType).toBe('chat_id');
  });
});

describe('Lark outbox across a restart', () => {
  it('sends a message stored before a crash exactly once after restart', async () => {
    await stack.stop();
    stack = await startStack({ deliverImmediately: false });
    await seedSmallOrg(stack.store);
    await lark().deliverMessage({ openId: 'ou_alice', text: '我的OKR' });
    await stack.services.inbox.drain();
    const [pending] = await stack.store.db.select().from(outbox);
    expect(pending.status).toBe('pending');
    expect(lark().messages.size).toBe(0);
    const dbPath = stack.dbPath;
    await stack.stop({ keepDb: true });

    stack = await startStack({ dbPath });
    await waitFor(() => messagesTo('ou_alice').length, 'the recovered message');
    await new Promise((r) => setTimeout(r, 200));
    await stack.flush();
    expect(messagesTo('ou_alice')).toHaveLength(1);
    const [sent] = await stack.store.db.select().from(outbox);
    expect(sent.status).toBe('sent');

    // A crash after the platform accepted the message but before the row was marked sent:
    // the retry carries the same uuid and Lark shows the message once.
    await stack.store.db.update(outbox).set({ status: 'pending', sentRef: null });
    await stack.flush();
    expect(messagesTo('ou_alice')).toHaveLength(1);
  });
});

/** The value of a quick check-in button in a rendered Lark card 2.0. */
function findCheckInButtonValue(content: unknown): Record<string, unknown> {
  const found: Record<string, unknown>[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (obj.tag === 'button' && Array.isArray(obj.behaviors)) {
        for (const b of obj.behaviors as { type: string; value: Record<string, unknown> }[])
          if (b.type === 'callback') found.push(b.value);
      }
      Object.values(obj).forEach(walk);
    }
  };
  walk(content);
  const checkIn = found.find((v) => JSON.stringify(v).includes('kr.checkin'));
  if (!checkIn) throw new Error(`no check-in button in ${JSON.stringify(content).slice(0, 500)}`);
  return checkIn;
}
