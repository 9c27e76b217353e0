// The outbound client against the emulator over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError } from '../types';
import type { Card } from '../../cards/model';
import { DingtalkClient } from './client';
import { createDingtalkEmulator, type DingtalkEmulator } from './emulator';
import { startEmulatorServer } from './stream-gateway';

let clock = new Date('2026-11-27T02:00:00Z').getTime();
const now = () => new Date(clock);
let emulator: DingtalkEmulator;
let server: Awaited<ReturnType<typeof startEmulatorServer>>;

const creds = { clientId: 'dingappkey01', clientSecret: 'app-secret-01', robotCode: 'dingappkey01' };
const card: Card = {
  header: { title: '审批', color: 'orange' },
  blocks: [
    { type: 'markdown', text: '调整 KR1' },
    { type: 'actions', buttons: [{ text: '同意', actionId: 'adj.approve', value: { id: 'a1' } }] },
  ],
};

beforeAll(async () => {
  emulator = createDingtalkEmulator({ ...creds, now });
  server = await startEmulatorServer(emulator);
});
afterAll(async () => {
  await server.close();
});

function client(extra: Partial<ConstructorParameters<typeof DingtalkClient>[0]> = {}) {
  return new DingtalkClient({ ...creds, apiBase: server.url, mode: 'http', now, ...extra });
}

describe('DingtalkClient ↔ emulator', () => {
  it('caches the access token and refreshes it when it expires', async () => {
    emulator.reset();
    const c = client();
    await c.send({ platform: 'dingtalk', kind: 'user', id: 'staff1' }, { text: 'a' }, { idempotencyKey: 'k1' });
    await c.send({ platform: 'dingtalk', kind: 'user', id: 'staff1' }, { text: 'b' }, { idempotencyKey: 'k2' });
    expect(emulator.calls.filter((x) => x.path === '/v1.0/oauth2/accessToken')).toHaveLength(1);
    clock += 2 * 60 * 60 * 1000;
    await c.send({ platform: 'dingtalk', kind: 'user', id: 'staff1' }, { text: 'c' }, { idempotencyKey: 'k3' });
    expect(emulator.calls.filter((x) => x.path === '/v1.0/oauth2/accessToken')).toHaveLength(2);
    expect(emulator.messages.map((m) => m.msgParam.content)).toEqual(['a', 'b', 'c']);
  });

  it('retries once with a new token after 401 InvalidAuthentication', async () => {
    const c = client();
    await c.accessToken();
    emulator.reset(); // forgets every token: the cached one is now invalid
    await c.send({ platform: 'dingtalk', kind: 'group', id: 'cidG==' }, { text: 'hi' }, { idempotencyKey: 'k4' });
    expect(emulator.calls.map((x) => x.path)).toEqual([
      '/v1.0/robot/groupMessages/send',
      '/v1.0/oauth2/accessToken',
      '/v1.0/robot/groupMessages/send',
    ]);
    expect(emulator.messages).toEqual([expect.objectContaining({ via: 'groupMessages', to: 'cidG==' })]);
  });

  it('replies through a valid sessionWebhook, and sends proactively once it expired', async () => {
    emulator.reset();
    const { payload } = await emulator.deliverText({ staffId: 'staff9', text: 'hi', via: 'stream' });
    const to = {
      platform: 'dingtalk' as const,
      kind: 'user' as const,
      id: 'staff9',
      hint: { sessionWebhook: payload.sessionWebhook, sessionWebhookExpiredTime: payload.sessionWebhookExpiredTime },
    };
    const c = client();
    const ref = await c.send(to, { text: 'reply 1' }, { idempotencyKey: 'r1' });
    expect(ref.messageId).toBe('session:r1');
    expect(emulator.messages.at(-1)).toMatchObject({ via: 'session', to: 'staff9', msgParam: { content: 'reply 1' } });
    clock += 2 * 60 * 60 * 1000; // past sessionWebhookExpiredTime
    await c.send(to, { text: 'reply 2' }, { idempotencyKey: 'r2' });
    expect(emulator.messages.at(-1)).toMatchObject({
      via: 'oToMessages',
      to: 'staff9',
      msgParam: { content: 'reply 2' },
    });
    emulator.stream.stop();
  });

  it('falls back to a proactive send when the session is refused', async () => {
    emulator.reset();
    const { payload } = await emulator.deliverText({ staffId: 'staff8', text: 'hi', via: 'stream' });
    emulator.expireSessions();
    emulator.stream.stop();
    await client().send(
      {
        platform: 'dingtalk',
        kind: 'user',
        id: 'staff8',
        hint: { sessionWebhook: payload.sessionWebhook, sessionWebhookExpiredTime: payload.sessionWebhookExpiredTime },
      },
      { text: 'x' },
      { idempotencyKey: 'r3' },
    );
    expect(emulator.messages.map((m) => m.via)).toEqual(['oToMessages']);
  });

  it('createAndDeliver uses the callbackType of the mode, outTrackId = idempotency key, then updates', async () => {
    emulator.reset();
    const http = client({ cardTemplateId: 'tpl.schema', cardCallbackRouteKey: 'polaris_dingappkey01' });
    const ref = await http.send(
      { platform: 'dingtalk', kind: 'user', id: 'staff1' },
      { card },
      { idempotencyKey: 'outbox_1' },
    );
    expect(ref).toMatchObject({ platform: 'dingtalk', messageId: 'outbox_1' });
    expect(emulator.cards.get('outbox_1')).toMatchObject({
      callbackType: 'HTTP',
      callbackRouteKey: 'polaris_dingappkey01',
      openSpaceId: 'dtv1.card//IM_ROBOT.staff1',
      cardTemplateId: 'tpl.schema',
    });
    // A retry of the same outbox row does not create a second card.
    await http.send({ platform: 'dingtalk', kind: 'user', id: 'staff1' }, { card }, { idempotencyKey: 'outbox_1' });
    expect(emulator.cards.size).toBe(1);

    const stream = client({ cardTemplateId: 'tpl.schema', mode: 'stream' });
    await stream.send({ platform: 'dingtalk', kind: 'group', id: 'cidG==' }, { card }, { idempotencyKey: 'outbox_2' });
    expect(emulator.cards.get('outbox_2')).toMatchObject({
      callbackType: 'STREAM',
      callbackRouteKey: undefined,
      openSpaceId: 'dtv1.card//IM_GROUP.cidG==',
    });

    await http.update(
      ref,
      { card: { ...card, header: { title: '已同意', color: 'green' } } },
      { idempotencyKey: 'outbox_3' },
    );
    expect(emulator.cards.get('outbox_1')).toMatchObject({
      updates: 1,
      cardParamMap: expect.objectContaining({ title: '已同意', color: 'green' }),
    });
  });

  it('classifies errors: invalid params are permanent with DingTalk code, throttling retryable', async () => {
    emulator.reset();
    const bad = client({ robotCode: 'wrong' });
    const error = await bad
      .send({ platform: 'dingtalk', kind: 'user', id: 's' }, { text: 'x' }, { idempotencyKey: 'e1' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ retryable: false, code: 'invalidParameter.robotCode' });
    const missing = await client({ cardTemplateId: 't' })
      .update({ platform: 'dingtalk', messageId: 'nope' }, { card }, { idempotencyKey: 'e2' })
      .catch((e) => e);
    expect(missing).toMatchObject({ retryable: false, code: 'param.cardNotExist' });

    const throttled = createDingtalkEmulator({ ...creds, now, qpsLimit: 1 });
    const s2 = await startEmulatorServer(throttled);
    try {
      const c = new DingtalkClient({ ...creds, apiBase: s2.url, mode: 'http', now });
      await c.send({ platform: 'dingtalk', kind: 'user', id: 's' }, { text: '1' }, { idempotencyKey: 't1' });
      const err = await c
        .send({ platform: 'dingtalk', kind: 'user', id: 's' }, { text: '2' }, { idempotencyKey: 't2' })
        .catch((e) => e);
      expect(err).toMatchObject({ retryable: true, code: 'Forbidden.AccessDenied.QpsLimitForApi' });
    } finally {
      await s2.close();
    }

    const wrongSecret = await client({ clientSecret: 'nope' })
      .accessToken()
      .catch((e) => e);
    expect(wrongSecret).toMatchObject({ retryable: false, code: 'invalidClientIdOrSecret' });
  });
});
