// handleWebhook driven by the emulator's signed, encrypted pushes. The emulator's
// webhook fetch calls the adapter directly; the adapter's API fetch calls the emulator.
import { inMemoryFirstUse } from '../common/first-use';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock';
import type { Card } from '../../cards/model';
import type { BotEvent, CardActionEvent, EventResult, MessageEvent, WebhookContext } from '../types';
import { encryptLarkPayload } from './crypto';
import { createLarkEmulator } from './emulator';
import { createLarkAdapter } from './index';
import { larkSignature } from './verify';

const WEBHOOK = 'http://polaris.test/webhooks/lark';
const creds = { appId: 'cli_hook', appSecret: 'secret', verificationToken: 'verify-me' };

const card: Card = {
  header: { title: 'KR1', color: 'blue' },
  blocks: [
    {
      type: 'actions',
      buttons: [{ text: '批准', actionId: 'adj.approve', value: { adjustmentId: 'adj_7' }, style: 'primary' }],
    },
  ],
};
const approved: Card = {
  header: { title: '已批准', color: 'green' },
  blocks: [{ type: 'note', text: '由 李四 批准' }],
};

function setup(
  options: {
    encryptKey?: string;
    adapterEncryptKey?: string | null;
    emulatorNow?: () => Date;
    respond?: (event: BotEvent, call: number) => Promise<EventResult>;
    answerWithinMs?: number;
    deliveryTimeoutMs?: number;
    storesMessages?: boolean;
  } = {},
) {
  const clock = fixedClock('2026-11-27T02:00:00Z');
  const events: BotEvent[] = [];
  const deferred: Promise<unknown>[] = [];
  const ctx: WebhookContext = {
    now: clock.now,
    storesMessages: options.storesMessages,
    firstUse: inMemoryFirstUse(),
    dispatch: (event) => {
      events.push(event);
      return options.respond?.(event, events.length) ?? Promise.resolve({});
    },
    defer: (work) => {
      deferred.push(work);
    },
  };
  const encryptKey = options.encryptKey === undefined ? 'enc-key' : options.encryptKey;
  const adapterKey = options.adapterEncryptKey === undefined ? encryptKey : (options.adapterEncryptKey ?? undefined);
  const emulator = createLarkEmulator({
    ...creds,
    encryptKey: encryptKey || undefined,
    webhookUrl: WEBHOOK,
    now: options.emulatorNow ?? clock.now,
    fetch: async (input, init) => lark.handleWebhook(new Request(input, init), ctx, ''),
    retryDelaysMs: [0, 0, 0, 0],
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 1000,
  });
  const lark = createLarkAdapter(
    // No key on the adapter side is the deliberate plaintext mode (LARK_ALLOW_UNENCRYPTED=1).
    { ...creds, encryptKey: adapterKey || undefined, allowUnencrypted: !adapterKey, domain: 'http://lark.test' },
    {
      now: clock.now,
      fetch: async (input, init) => emulator.app.fetch(new Request(input, init)),
      answerWithinMs: options.answerWithinMs,
    },
  );
  return { clock, events, deferred, ctx, emulator, lark };
}

describe('url verification', () => {
  it('answers the challenge, encrypted and plain', async () => {
    expect(await setup().emulator.urlVerification('abc')).toEqual({
      status: 200,
      body: { challenge: 'abc' },
      ok: true,
    });
    expect(await setup({ encryptKey: '' }).emulator.urlVerification('xyz')).toMatchObject({
      ok: true,
      body: { challenge: 'xyz' },
    });
  });

  it('refuses a wrong verification token', async () => {
    const { lark, ctx } = setup({ encryptKey: '' });
    const response = await lark.handleWebhook(
      new Request(WEBHOOK, {
        method: 'POST',
        body: JSON.stringify({ challenge: 'c', token: 'wrong', type: 'url_verification' }),
      }),
      ctx,
      '',
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'bad_token' } });
  });
});

describe('messages', () => {
  it('dispatches a p2p message once and answers 200 {}', async () => {
    const { emulator, events } = setup();
    const delivery = await emulator.deliverMessage({
      openId: 'ou_alice',
      text: 'KR1 45',
      tenantKey: 'tk_1',
      eventId: 'ev_1',
    });
    expect(delivery).toEqual({ status: 200, body: {}, attempts: 1 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'message',
      platform: 'lark',
      eventId: 'ev_1',
      tenantKey: 'tk_1',
      text: 'KR1 45',
      mentionedBot: false,
      sender: { platformUserId: 'ou_alice' },
      replyTo: { platform: 'lark', kind: 'user', id: 'ou_alice' },
    } satisfies Partial<MessageEvent>);
  });

  it('dispatches group messages only when the bot is mentioned', async () => {
    const { emulator, events } = setup();
    expect(
      (await emulator.deliverMessage({ openId: 'ou_bob', text: 'hi all', chatType: 'group', chatId: 'oc_team' }))
        .status,
    ).toBe(200);
    expect(events).toHaveLength(0);
    await emulator.deliverMessage({
      openId: 'ou_bob',
      text: '团队',
      chatType: 'group',
      chatId: 'oc_team',
      mentionBot: true,
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      text: '团队',
      mentionedBot: true,
      replyTo: { kind: 'group', id: 'oc_team' },
      conversation: { type: 'group' },
    });
  });

  it('works without an Encrypt Key (token only)', async () => {
    const { emulator, events } = setup({ encryptKey: '' });
    expect((await emulator.deliverMessage({ openId: 'ou_carl', text: 'help' })).status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('answers unknown event types with 200 {} and does not dispatch', async () => {
    const { emulator, events } = setup();
    const delivery = await emulator.deliverEvent('im.chat.member.bot.added_v1', { chat_id: 'oc_x' });
    expect(delivery).toEqual({ status: 200, body: {}, attempts: 1 });
    expect(events).toHaveLength(0);
  });
});

describe('rejections', () => {
  it('refuses a wrong signature with 401, never dispatches, and Lark retries', async () => {
    const { emulator, events } = setup({ encryptKey: 'emulator-key', adapterEncryptKey: 'server-key' });
    const delivery = await emulator.deliverMessage({ openId: 'ou_eve', text: 'KR1 99' });
    expect(delivery.status).toBe(401);
    expect(delivery.body).toMatchObject({ error: { code: 'bad_signature' } });
    expect(delivery.attempts).toBe(5);
    expect(events).toHaveLength(0);
  });

  it('refuses a timestamp older than the 7.5 h re-push window', async () => {
    const stale = () => new Date(Date.parse('2026-11-27T02:00:00Z') - 8 * 3600_000);
    const { emulator, events } = setup({ emulatorNow: stale });
    expect((await emulator.deliverMessage({ openId: 'ou_eve', text: 'x' })).status).toBe(401);
    expect(events).toHaveLength(0);
  });

  it('refuses a wrong verification token inside a correctly signed event', async () => {
    const { lark, ctx, events, clock } = setup();
    const payload = {
      schema: '2.0',
      header: { event_id: 'e1', event_type: 'im.message.receive_v1', token: 'forged' },
      event: {},
    };
    const body = JSON.stringify({ encrypt: await encryptLarkPayload('enc-key', JSON.stringify(payload)) });
    const ts = String(Math.floor(clock.now().getTime() / 1000));
    const response = await lark.handleWebhook(
      new Request(WEBHOOK, {
        method: 'POST',
        body,
        headers: {
          'x-lark-request-timestamp': ts,
          'x-lark-request-nonce': 'n',
          'x-lark-signature': await larkSignature(ts, 'n', 'enc-key', body),
        },
      }),
      ctx,
      '',
    );
    expect(response.status).toBe(401);
    expect(events).toHaveLength(0);
  });

  it('answers 400 to undecryptable or malformed bodies and 401 to unsigned events', async () => {
    const { lark, ctx, events, clock } = setup();
    const ts = String(Math.floor(clock.now().getTime() / 1000));
    const signed = async (body: string) =>
      new Request(WEBHOOK, {
        method: 'POST',
        body,
        headers: {
          'x-lark-request-timestamp': ts,
          'x-lark-request-nonce': 'n',
          'x-lark-signature': await larkSignature(ts, 'n', 'enc-key', body),
        },
      });
    expect((await lark.handleWebhook(await signed('{"encrypt":"bm90IGVuY3J5cHRlZA=="}'), ctx, '')).status).toBe(400);
    expect((await lark.handleWebhook(await signed('not json'), ctx, '')).status).toBe(400);
    expect((await lark.handleWebhook(await signed('{"schema":"2.0"}'), ctx, '')).status).toBe(400);
    const unsignedEvent = JSON.stringify({
      encrypt: await encryptLarkPayload(
        'enc-key',
        JSON.stringify({
          schema: '2.0',
          header: { event_id: 'e', event_type: 'im.message.receive_v1', token: 'verify-me' },
          event: {},
        }),
      ),
    });
    expect(
      (await lark.handleWebhook(new Request(WEBHOOK, { method: 'POST', body: unsignedEvent }), ctx, '')).status,
    ).toBe(401);
    expect((await lark.handleWebhook(new Request(WEBHOOK, { method: 'GET' }), ctx, '')).status).toBe(404);
    expect(events).toHaveLength(0);
  });
});

describe('retries', () => {
  it('is re-pushed with the same event_id when the core fails', async () => {
    const { emulator, events } = setup({
      respond: async (_event, call) => {
        if (call < 3) throw new Error('database busy');
        return {};
      },
    });
    const delivery = await emulator.deliverMessage({ openId: 'ou_dan', text: 'KR2 10' });
    expect(delivery).toMatchObject({ status: 200, attempts: 3 });
    expect(new Set(events.map((e) => e.eventId)).size).toBe(1);
    expect(events).toHaveLength(3);
  });

  it('is re-pushed when the answer is too slow for Lark', async () => {
    const { emulator, events } = setup({
      deliveryTimeoutMs: 50,
      respond: (_event, call) => new Promise((resolve) => setTimeout(() => resolve({}), call === 1 ? 300 : 0)),
    });
    const delivery = await emulator.deliverMessage({ openId: 'ou_dan', text: 'slow', eventId: 'ev_slow' });
    expect(delivery).toMatchObject({ status: 200, attempts: 2 });
    expect(events.map((e) => e.eventId)).toEqual(['ev_slow', 'ev_slow']);
  });

  it('answers within its own budget and finishes the work in the background', async () => {
    let finished = false;
    const { emulator, deferred } = setup({
      answerWithinMs: 20,
      respond: () =>
        new Promise((resolve) =>
          setTimeout(() => {
            finished = true;
            resolve({});
          }, 100),
        ),
    });
    expect(await emulator.deliverMessage({ openId: 'ou_dan', text: 'slow core' })).toMatchObject({
      status: 200,
      attempts: 1,
    });
    expect(finished).toBe(false);
    await Promise.all(deferred);
    expect(finished).toBe(true);
  });

  it('answers a message the core stores first only once it is stored, past its budget', async () => {
    // The inbox (src/webhooks.ts) resolves dispatch when the event's row is committed; a 200 before
    // that would acknowledge an event a crash loses. Slower than Lark's limit, Lark pushes again.
    let stored = false;
    const { emulator, deferred } = setup({
      answerWithinMs: 20,
      storesMessages: true,
      respond: () =>
        new Promise((resolve) =>
          setTimeout(() => {
            stored = true;
            resolve({});
          }, 100),
        ),
    });
    expect(await emulator.deliverMessage({ openId: 'ou_dan', text: 'slow store' })).toMatchObject({
      status: 200,
      attempts: 1,
    });
    expect(stored).toBe(true);
    expect(deferred).toEqual([]);
  });
});

describe('card callbacks', () => {
  it('dispatches the click and shows the returned toast and card in place', async () => {
    const { emulator, lark, events } = setup({
      respond: async () => ({ toast: { kind: 'success', text: '已批准' }, card: approved }),
    });
    const ref = await lark.send({ platform: 'lark', kind: 'user', id: 'ou_mgr' }, { card }, { idempotencyKey: 'c1' });
    const click = await emulator.clickButton({ openId: 'ou_mgr', messageId: ref.messageId, text: '批准' });
    expect(click.status).toBe(200);
    expect(click.cardError).toBeUndefined();
    expect(click.body).toMatchObject({
      toast: { type: 'success', content: '已批准' },
      card: { type: 'raw', data: { schema: '2.0' } },
    });
    expect(events[0]).toMatchObject({
      type: 'card_action',
      actionId: 'adj.approve',
      value: { adjustmentId: 'adj_7' },
      sender: { platformUserId: 'ou_mgr' },
      message: { platform: 'lark', messageId: ref.messageId },
    } satisfies Partial<CardActionEvent>);
    const stored = emulator.messages.get(ref.messageId)!;
    expect(stored.content).toMatchObject({ header: { title: { content: '已批准' }, template: 'green' } });
    expect(lark.inlineCardUpdates).toBe(true);
  });

  it('passes form input and answers {} when the core returns nothing', async () => {
    const { emulator, events } = setup();
    const click = await emulator.clickCard({
      openId: 'ou_x',
      messageId: 'om_unknown',
      value: { action_id: 'adj.reject', params: { adjustmentId: 'adj_8' } },
      formValue: { reason: '目标过高' },
    });
    expect(click).toEqual({ status: 200, body: {} });
    expect(events[0]).toMatchObject({ actionId: 'adj.reject', value: { adjustmentId: 'adj_8', reason: '目标过高' } });
  });

  it('falls back to a delayed update with the callback token when the core is slow', async () => {
    const { emulator, lark, deferred } = setup({
      answerWithinMs: 20,
      respond: () => new Promise((resolve) => setTimeout(() => resolve({ card: approved }), 80)),
    });
    const ref = await lark.send({ platform: 'lark', kind: 'user', id: 'ou_mgr' }, { card }, { idempotencyKey: 'c2' });
    const click = await emulator.clickButton({ openId: 'ou_mgr', messageId: ref.messageId, text: '批准' });
    expect(click).toMatchObject({ status: 200, body: {} });
    await Promise.all(deferred);
    expect(emulator.calls.some((c) => c.path === '/open-apis/interactive/v1/card/update' && c.status === 200)).toBe(
      true,
    );
    expect(emulator.messages.get(ref.messageId)!.content).toMatchObject({ header: { title: { content: '已批准' } } });
  });
});
