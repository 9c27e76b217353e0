// The emulator's own API behaviour, through app.request (no network needed).
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock';
import { createLarkEmulator } from './emulator';

function setup() {
  const clock = fixedClock('2026-11-27T02:00:00Z');
  const emulator = createLarkEmulator({ appId: 'cli_e', appSecret: 's', verificationToken: 'v', now: clock.now });
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const response = await emulator.app.request(path, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    return {
      status: response.status,
      body: (await response.json()) as {
        code: number;
        msg: string;
        data?: Record<string, any>;
        tenant_access_token?: string;
      },
    };
  };
  const token = async () =>
    (await call('POST', '/open-apis/auth/v3/tenant_access_token/internal', { app_id: 'cli_e', app_secret: 's' })).body
      .tenant_access_token!;
  const text = (id: string, t: string, extra: Record<string, unknown> = {}) =>
    call(
      'POST',
      '/open-apis/im/v1/messages?receive_id_type=open_id',
      { receive_id: id, msg_type: 'text', content: JSON.stringify({ text: 'hi' }), ...extra },
      t,
    );
  return { clock, emulator, call, token, text };
}

const minimalCard = {
  schema: '2.0',
  header: { title: { tag: 'plain_text', content: 'T' }, template: 'blue' },
  body: { elements: [{ tag: 'markdown', content: 'x' }] },
};

describe('Lark emulator API', () => {
  it('issues tokens only for the right credentials', async () => {
    const { call } = setup();
    const ok = await call('POST', '/open-apis/auth/v3/tenant_access_token/internal', {
      app_id: 'cli_e',
      app_secret: 's',
    });
    expect(ok.body).toMatchObject({ code: 0, expire: 7200 });
    expect(
      (await call('POST', '/open-apis/auth/v3/tenant_access_token/internal', { app_id: 'cli_e', app_secret: 'x' })).body
        .code,
    ).toBe(10014);
  });

  it('requires a valid bearer token, a receive_id_type and valid content', async () => {
    const { call, token, text, clock } = setup();
    expect((await text('ou_a', '')).body.code).toBe(99991661);
    expect((await text('ou_a', 'forged')).body.code).toBe(99991663);
    const t = await token();
    expect(
      (
        await call(
          'POST',
          '/open-apis/im/v1/messages?receive_id_type=nope',
          { receive_id: 'ou_a', msg_type: 'text', content: '{"text":"x"}' },
          t,
        )
      ).body.code,
    ).toBe(99992402);
    expect(
      (
        await call(
          'POST',
          '/open-apis/im/v1/messages?receive_id_type=open_id',
          { receive_id: 'ou_a', msg_type: 'text', content: '{not json' },
          t,
        )
      ).body.code,
    ).toBe(230001);
    expect(
      (
        await call(
          'POST',
          '/open-apis/im/v1/messages?receive_id_type=open_id',
          { receive_id: 'ou_a', msg_type: 'video', content: '{}' },
          t,
        )
      ).body.code,
    ).toBe(230001);
    expect((await text('ou_a', t)).body).toMatchObject({
      code: 0,
      data: { msg_type: 'text', body: { content: '{"text":"hi"}' } },
    });
    clock.advance(7200 * 1000);
    expect((await text('ou_a', t)).body.code).toBe(99991663);
  });

  it('validates interactive cards like Lark', async () => {
    const { call, token } = setup();
    const t = await token();
    const send = (card: unknown) =>
      call(
        'POST',
        '/open-apis/im/v1/messages?receive_id_type=chat_id',
        { receive_id: 'oc_1', msg_type: 'interactive', content: JSON.stringify(card) },
        t,
      );
    expect((await send(minimalCard)).body.code).toBe(0);
    const unknown = await send({
      ...minimalCard,
      body: { elements: [{ tag: 'markdown', content: 'x', colour: 'red' }] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe(230099);
    expect(unknown.body.msg).toContain('unknown property card.body.elements[0].colour');
    const huge = await send({
      ...minimalCard,
      body: { elements: [{ tag: 'markdown', content: 'x'.repeat(31 * 1024) }] },
    });
    expect(huge.body.code).toBe(230025);
  });

  it('deduplicates uuids for an hour', async () => {
    const { token, text, clock, emulator } = setup();
    const t = await token();
    const a = await text('ou_a', t, { uuid: 'u-1' });
    clock.advance(59 * 60_000);
    expect((await text('ou_a', t, { uuid: 'u-1' })).body.data!.message_id).toBe(a.body.data!.message_id);
    clock.advance(2 * 60_000);
    expect((await text('ou_a', t, { uuid: 'u-1' })).body.data!.message_id).not.toBe(a.body.data!.message_id);
    expect(emulator.messages.size).toBe(2);
  });

  it('limits the app to 50 messages a second', async () => {
    const { token, text } = setup();
    const t = await token();
    for (let i = 0; i < 50; i++) expect((await text(`ou_${i}`, t)).body.code).toBe(0);
    expect(await text('ou_new', t)).toMatchObject({ status: 400, body: { code: 230020 } });
  });

  it('replies in the parent chat and honours delayed-update tokens at most twice', async () => {
    const { call, token, emulator } = setup();
    const t = await token();
    const sent = await call(
      'POST',
      '/open-apis/im/v1/messages?receive_id_type=chat_id',
      { receive_id: 'oc_1', msg_type: 'interactive', content: JSON.stringify(minimalCard) },
      t,
    );
    const id = sent.body.data!.message_id as string;
    const reply = await call(
      'POST',
      `/open-apis/im/v1/messages/${id}/reply`,
      { msg_type: 'text', content: '{"text":"ok"}' },
      t,
    );
    expect(reply.body.data).toMatchObject({ chat_id: 'oc_1', parent_id: id });
    emulator.callbackTokens.set('c-tok', { messageId: id, expiresAt: Date.parse('2026-11-27T03:00:00Z'), uses: 0 });
    for (let i = 0; i < 2; i++)
      expect(
        (await call('POST', '/open-apis/interactive/v1/card/update', { token: 'c-tok', card: minimalCard }, t)).body
          .code,
      ).toBe(0);
    expect(
      (await call('POST', '/open-apis/interactive/v1/card/update', { token: 'c-tok', card: minimalCard }, t)).body.code,
    ).not.toBe(0);
    expect(emulator.messages.get(id)!.updates).toBe(2);
  });
});

describe('Lark emulator control routes', () => {
  it('lists messages and explains a push without a webhook', async () => {
    const { emulator, token, text } = setup();
    await text('ou_a', await token());
    const list = (await (await emulator.app.request('/_emulator/messages')).json()) as unknown[];
    expect(list).toHaveLength(1);
    const push = await emulator.app.request('/_emulator/deliver', {
      method: 'POST',
      body: JSON.stringify({ openId: 'ou_a', text: 'hi' }),
    });
    expect(push.status).toBe(500);
    expect(await push.json()).toMatchObject({ msg: expect.stringContaining('no webhookUrl') });
  });
});
