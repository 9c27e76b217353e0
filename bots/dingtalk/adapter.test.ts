// The adapter's webhooks, driven by the emulator's real pushes (signed robot callbacks,
// encrypted HTTP events) routed straight into handleWebhook.
import { inMemoryFirstUse } from '../common/first-use';
import { describe, expect, it } from 'vitest';
import type { BotEvent, EventResult, WebhookContext } from '../types';
import { createDingtalkEmulator } from './emulator';
import { createDingtalkAdapter } from './index';
import { robotSign } from './verify';

const NOW = new Date('2026-11-27T02:00:00Z');
const config = {
  clientId: 'dingappkey01',
  clientSecret: 'app-secret-01',
  robotCode: 'dingappkey01',
  mode: 'http' as const,
  apiBase: 'http://dingtalk.invalid',
  callbackToken: 'mryue',
  callbackAesKey: 'Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7',
  cardTemplateId: 'tpl.schema',
  cardCallbackRouteKey: 'polaris_route_01',
  publicUrl: 'http://bot.local',
};

function setup(nowFn: () => Date = () => NOW) {
  // The adapter's API calls (token, register, cards) reach the emulator's app in-process.
  const api = (input: RequestInfo | URL, init?: RequestInit) => emulator.app.fetch(new Request(input, init));
  const adapter = createDingtalkAdapter(config, { now: nowFn, fetch: api as typeof fetch });
  const events: BotEvent[] = [];
  const ctx: WebhookContext = {
    now: () => NOW,
    defer: () => {},
    firstUse: inMemoryFirstUse(),
    dispatch: async (e): Promise<EventResult> => {
      events.push(e);
      return {};
    },
  };
  const route = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const sub = url.pathname.replace(/^\/webhooks\/dingtalk/, '');
    return adapter.handleWebhook(new Request(url, init), ctx, sub);
  };
  const emulator = createDingtalkEmulator({
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    robotCode: config.robotCode,
    callbackToken: config.callbackToken,
    callbackAesKey: config.callbackAesKey,
    webhookUrl: 'http://bot.local/webhooks/dingtalk',
    eventsUrl: 'http://bot.local/webhooks/dingtalk/events',
    now: nowFn,
    fetch: route as typeof fetch,
    // sessionWebhooks must point at DingTalk, or at the configured API base (here: the emulator).
    baseUrl: config.apiBase,
  });
  return { adapter, events, ctx, emulator };
}

describe('POST /webhooks/dingtalk (robot, HTTP mode)', () => {
  it('dispatches a signed one-to-one message and answers {}', async () => {
    const { events, emulator } = setup();
    const res = await emulator.deliverText({ staffId: 'staff1', text: '我的OKR' });
    expect(res.delivered && 'status' in res && res.status).toBe(200);
    expect(res.delivered && 'body' in res && res.body).toEqual({});
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'message',
      eventId: res.payload.msgId,
      text: '我的OKR',
      replyTo: { kind: 'user', id: 'staff1' },
    });
  });

  it('group @-mention: text without the leading space, reply to the group', async () => {
    const { events, emulator } = setup();
    await emulator.deliverText({ staffId: 'staff1', text: 'KR1 45', conversationType: '2', conversationId: 'cidG==' });
    expect(events[0]).toMatchObject({ text: 'KR1 45', replyTo: { kind: 'group', id: 'cidG==' } });
  });

  it('rejects a bad or stale sign with 401 and dispatches nothing', async () => {
    const { adapter, ctx, events } = setup();
    const body = JSON.stringify({ msgId: 'x' });
    const bad = await adapter.handleWebhook(
      new Request('http://bot.local/webhooks/dingtalk', {
        method: 'POST',
        headers: { timestamp: String(NOW.getTime()), sign: 'AAAA' },
        body,
      }),
      ctx,
      '',
    );
    expect(bad.status).toBe(401);
    const oldTs = String(NOW.getTime() - 2 * 60 * 60 * 1000);
    const stale = await adapter.handleWebhook(
      new Request('http://bot.local/webhooks/dingtalk', {
        method: 'POST',
        headers: { timestamp: oldTs, sign: await robotSign(config.clientSecret, oldTs) },
        body,
      }),
      ctx,
      '',
    );
    expect(stale.status).toBe(401);
    expect(events).toHaveLength(0);
  });

  it('answers 400 naming the invalid field', async () => {
    const { adapter, ctx, events } = setup();
    const ts = String(NOW.getTime());
    const res = await adapter.handleWebhook(
      new Request('http://bot.local/webhooks/dingtalk', {
        method: 'POST',
        headers: { timestamp: ts, sign: await robotSign(config.clientSecret, ts) },
        body: JSON.stringify({ conversationType: '1' }),
      }),
      ctx,
      '',
    );
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('conversationId');
    expect(events).toHaveLength(0);
  });
});

describe('POST /webhooks/dingtalk/events (encrypted HTTP events)', () => {
  it('check_url round trip: the emulator accepts the encrypted "success" reply', async () => {
    const { emulator } = setup();
    const result = await emulator.checkUrl();
    expect(result.status).toBe(200);
    expect(result.reply).toBe('success');
    expect(result.ok).toBe(true);
  });

  it('accepts the official check_url vector', async () => {
    const { adapter, ctx: base } = setup();
    // The vector was signed in December 2020: the clock is set to then (timestamps must be fresh).
    const ctx = { ...base, now: () => new Date(1608001896814) };
    const q = 'signature=03044561471240d4a14bb09372dfcfd4fd0e40cb&timestamp=1608001896814&nonce=WL4PK6yA';
    // The vector's owner key is ding6ccabc44d2c8d38b: a different app key is refused...
    const res = await adapter.handleWebhook(
      new Request(`http://bot.local/webhooks/dingtalk/events?${q}`, {
        method: 'POST',
        body: JSON.stringify({
          encrypt:
            '0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3',
        }),
      }),
      ctx,
      '/events',
    );
    expect(res.status).toBe(401);
    // ...and the right one answers with an encrypted success.
    const own = createDingtalkAdapter({ ...config, clientId: 'ding6ccabc44d2c8d38b' });
    const ok = await own.handleWebhook(
      new Request(`http://bot.local/webhooks/dingtalk/events?${q}`, {
        method: 'POST',
        body: JSON.stringify({
          encrypt:
            '0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3',
        }),
      }),
      ctx,
      '/events',
    );
    expect(ok.status).toBe(200);
    expect(Object.keys(await ok.json()).sort()).toEqual(['encrypt', 'msg_signature', 'nonce', 'timeStamp']);
  });

  it('rejects a bad signature', async () => {
    const { adapter, ctx } = setup();
    const res = await adapter.handleWebhook(
      new Request('http://bot.local/webhooks/dingtalk/events?signature=00&timestamp=1&nonce=n', {
        method: 'POST',
        body: JSON.stringify({ encrypt: 'abcd' }),
      }),
      ctx,
      '/events',
    );
    expect(res.status).toBe(401);
  });
});

describe('POST /webhooks/dingtalk/card (HTTP-mode card clicks)', () => {
  it('start() registers the route; the card carries the key; a plain-JSON click dispatches and answers with card data', async () => {
    const { adapter, emulator, events } = setup();
    await adapter.start!();
    const route = emulator.cardRoutes.get('polaris_route_01');
    expect(route?.callbackUrl).toMatch(/^http:\/\/bot\.local\/webhooks\/dingtalk\/card\?token=[0-9a-f]{48}$/);
    expect(route?.apiSecret).toMatch(/^[0-9a-f]{48}$/);
    const ref = await adapter.send(
      { platform: 'dingtalk', kind: 'user', id: 'staff1' },
      { card: { header: { title: 'KR1', color: 'blue' }, blocks: [{ type: 'text', text: '45%' }] } } as never,
      { idempotencyKey: 'ob_card_1' },
    );
    const card = emulator.cards.get(ref.messageId)!;
    expect(card).toMatchObject({ callbackType: 'HTTP', callbackRouteKey: 'polaris_route_01' });
    const click = await emulator.clickCard({
      outTrackId: ref.messageId,
      userId: 'staff1',
      actionId: 'polaris_action',
      params: { action: 'adj.approve', value: '{"adjustmentId":"adj1"}' },
    });
    expect(click).toMatchObject({ delivered: true, via: 'http', status: 200 });
    expect(events[0]).toMatchObject({
      type: 'card_action',
      actionId: 'adj.approve',
      value: { adjustmentId: 'adj1' },
      message: { messageId: ref.messageId },
    });
    expect(emulator.lost).toEqual([]);
  });

  it('refuses a click without the URL token, or with a wrong one, and dispatches nothing', async () => {
    const { adapter, ctx, events } = setup();
    const body = JSON.stringify({
      outTrackId: 'track1',
      userId: 'staff1',
      corpId: 'dingcorp0001',
      content: JSON.stringify({ cardPrivateData: { actionIds: ['polaris_action'], params: { action: 'kr.checkin' } } }),
    });
    for (const url of [
      'http://bot.local/webhooks/dingtalk/card',
      `http://bot.local/webhooks/dingtalk/card?token=${'a'.repeat(48)}`,
    ]) {
      const res = await adapter.handleWebhook(new Request(url, { method: 'POST', body }), ctx, '/card');
      expect(res.status).toBe(401);
    }
    expect(events).toHaveLength(0);
  });

  it('the emulator records a click on an HTTP card without a route key as lost, and nothing reaches the bot', async () => {
    const { events, emulator } = setup();
    emulator.cards.set('track-http', {
      outTrackId: 'track-http',
      cardTemplateId: 'tpl',
      callbackType: 'HTTP',
      openSpaceId: 'dtv1.card//IM_ROBOT.staff1',
      cardParamMap: {},
      updates: 0,
    });
    const click = await emulator.clickCard({ outTrackId: 'track-http', userId: 'staff1', actionId: 'x', params: {} });
    expect(click.delivered).toBe(false);
    expect(emulator.lost).toEqual([
      expect.objectContaining({
        outTrackId: 'track-http',
        reason: 'HTTP callback card created without callbackRouteKey',
      }),
    ]);
    expect(events).toHaveLength(0);
  });

  it('a STREAM card click with no stream client is lost', async () => {
    const { events, emulator } = setup();
    emulator.cards.set('track-stream', {
      outTrackId: 'track-stream',
      cardTemplateId: 'tpl',
      callbackType: 'STREAM',
      openSpaceId: 'dtv1.card//IM_ROBOT.staff1',
      cardParamMap: {},
      updates: 0,
    });
    const lost = await emulator.clickCard({ outTrackId: 'track-stream', userId: 'staff1', actionId: 'x', params: {} });
    expect(lost.delivered).toBe(false);
    expect(emulator.lost).toEqual([expect.objectContaining({ outTrackId: 'track-stream' })]);
    expect(events).toHaveLength(0);
  });
});
