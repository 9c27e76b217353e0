import { createCipheriv } from 'node:crypto';
import { inMemoryFirstUse } from '../common/first-use';
import { encrypt as sdkEncrypt, getSignature } from '@wecom/crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BotEvent, EventResult, WebhookContext } from '../types';
import { DeliveryError } from '../types';
import { createWecomEmulator, serveWecomEmulator } from './emulator';
import { createWecomAdapter } from './index';

const TOKEN = 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo';
const AES_KEY = '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt';
const CORP = 'ww1436e0e65a779aee';
const WEBHOOK = 'http://polaris.test/webhooks/wecom';

function stubContext(now: () => Date, fail = 0) {
  const events: BotEvent[] = [];
  let failures = fail;
  const ctx: WebhookContext = {
    now,
    firstUse: inMemoryFirstUse(),
    async dispatch(event): Promise<EventResult> {
      events.push(event);
      if (failures-- > 0) throw new Error('database unavailable');
      return {};
    },
    defer: () => undefined,
  };
  return { ctx, events };
}

describe('WeCom webhook', () => {
  let clock = new Date('2025-03-01T08:00:00Z');
  const now = () => clock;
  const adapter = createWecomAdapter({
    corpId: CORP,
    agentId: '1000002',
    secret: 's',
    token: TOKEN,
    encodingAesKey: AES_KEY,
    apiBase: 'http://unused',
  });
  let stub = stubContext(now);
  const emulator = createWecomEmulator({
    corpId: CORP,
    agentId: '1000002',
    secret: 's',
    token: TOKEN,
    encodingAesKey: AES_KEY,
    webhookUrl: WEBHOOK,
    now,
    fetch: async (input, init) => adapter.handleWebhook(new Request(input as string, init), stub.ctx, ''),
  });
  beforeEach(() => {
    stub = stubContext(now);
    emulator.reset();
    clock = new Date('2025-03-01T08:00:00Z');
  });

  const post = (query: string, body: string) =>
    adapter.handleWebhook(new Request(`${WEBHOOK}?${query}`, { method: 'POST', body }), stub.ctx, '');
  const signed = (encrypt: string, ts = String(Math.floor(clock.getTime() / 1000))) =>
    `msg_signature=${getSignature(TOKEN, ts, 'n1', encrypt)}&timestamp=${ts}&nonce=n1`;
  const envelope = (encrypt: string) =>
    `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><AgentID>1000002</AgentID><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;

  it('answers the official VerifyURL vector, with + sent raw (read as a space) or escaped', async () => {
    clock = new Date(1476416373 * 1000);
    const echostr = 'fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==';
    for (const e of [echostr, encodeURIComponent(echostr)]) {
      const res = await adapter.handleWebhook(
        new Request(
          `${WEBHOOK}?msg_signature=012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb&timestamp=1476416373&nonce=47744683&echostr=${e}`,
        ),
        stub.ctx,
        '',
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/plain/);
      expect(await res.text()).toBe('1288432023552776189');
    }
    const bad = await adapter.handleWebhook(
      new Request(
        `${WEBHOOK}?msg_signature=012bc692d0a58dd4b10f8dfe5c4ac00ae211ebec&timestamp=1476416373&nonce=47744683&echostr=${echostr}`,
      ),
      stub.ctx,
      '',
    );
    expect(bad.status).toBe(401);
  });

  it("passes the emulator's URL verification every time (random echostrs, many with +)", async () => {
    for (let i = 0; i < 20; i++) expect(await emulator.verifyUrl()).toMatchObject({ status: 200, ok: true });
    expect(await emulator.verifyUrl({ encodePlus: true })).toMatchObject({ ok: true });
  });

  it('decrypts the official DecryptMsg vector into a MessageEvent', async () => {
    clock = new Date(1476422779 * 1000);
    const encrypt =
      'Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+';
    const res = await post(
      'msg_signature=0c3914025cb4b4d68103f6bfc8db550f79dcf48e&timestamp=1476422779&nonce=1597212914',
      envelope(encrypt),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(stub.events).toMatchObject([
      {
        type: 'message',
        eventId: '1456453720',
        text: '你好',
        sender: { platformUserId: 'ChenJiaShun' },
        tenantKey: CORP,
      },
    ]);
  });

  it('dispatches emulator text deliveries and acks with an empty 200', async () => {
    const result = await emulator.deliverText({ userid: 'zhangsan', content: ' 我的OKR ' });
    expect(result).toMatchObject({ status: 200, body: '', attempts: 1 });
    expect(stub.events).toMatchObject([
      { type: 'message', eventId: result.msgId, text: '我的OKR', replyTo: { kind: 'user', id: 'zhangsan' } },
    ]);
  });

  it('gets retried by the emulator until it answers 200: four deliveries, one eventId', async () => {
    stub = stubContext(now, 3);
    const result = await emulator.deliverText({ userid: 'zhangsan', content: 'KR1 45', msgId: '42' });
    expect(result).toMatchObject({ status: 200, attempts: 4 });
    expect(stub.events).toHaveLength(4);
    expect(new Set(stub.events.map((e) => e.eventId))).toEqual(new Set(['42']));
  });

  it('ignores enter_agent and similar events with a 200', async () => {
    const xml = `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><FromUserName><![CDATA[u]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event><EventKey><![CDATA[]]></EventKey><AgentID>1000002</AgentID></xml>`;
    expect(await emulator.deliverXml(xml)).toMatchObject({ status: 200, attempts: 1 });
    expect(stub.events).toEqual([]);
  });

  describe('refuses forged or malformed requests and dispatches nothing', () => {
    afterEach(() => expect(stub.events).toEqual([]));
    const xml = `<xml><ToUserName>${CORP}</ToUserName><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>`;
    const rawEncrypt = (plain: Buffer) => {
      const key = Buffer.from(`${AES_KEY}=`, 'base64');
      const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
      c.setAutoPadding(false);
      return Buffer.concat([c.update(plain), c.final()]).toString('base64');
    };
    const plaintext = (id: string) => {
      const msg = Buffer.from(xml);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(msg.length);
      return Buffer.concat([Buffer.alloc(16, 1), len, msg, Buffer.from(id)]);
    };

    it('wrong msg_signature → 401', async () => {
      const encrypt = sdkEncrypt(AES_KEY, xml, CORP);
      const res = await post(signed(encrypt).replace(/msg_signature=[0-9a-f]/, 'msg_signature=x'), envelope(encrypt));
      expect(res.status).toBe(401);
      expect((await post(`timestamp=1&nonce=2`, envelope(encrypt))).status).toBe(401);
    });

    it('stale timestamp → 401', async () => {
      const encrypt = sdkEncrypt(AES_KEY, xml, CORP);
      expect((await post(signed(encrypt, '1476422779'), envelope(encrypt))).status).toBe(401);
    });

    it('another corp id in the plaintext → 400', async () => {
      const encrypt = sdkEncrypt(AES_KEY, xml, 'ww_attacker');
      expect((await post(signed(encrypt), envelope(encrypt))).status).toBe(400);
    });

    it('bad padding → 400', async () => {
      const body = plaintext(CORP);
      const n = 32 - (body.length % 32);
      const badPad = Buffer.concat([body, Buffer.alloc(n - 1, n), Buffer.from([n === 1 ? 2 : n - 1])]);
      const encrypt = rawEncrypt(badPad);
      expect((await post(signed(encrypt), envelope(encrypt))).status).toBe(400);
    });

    it('truncated ciphertext → 400', async () => {
      const full = Buffer.from(sdkEncrypt(AES_KEY, xml, CORP), 'base64');
      for (const cut of [full.subarray(0, full.length - 16), full.subarray(0, full.length - 7)]) {
        const encrypt = cut.toString('base64');
        expect((await post(signed(encrypt), envelope(encrypt))).status).toBe(400);
      }
    });

    it('DOCTYPE / entity bomb → 400, oversized body → 413, wrong method → 405', async () => {
      const bomb =
        '<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>';
      expect((await post(signed('x'), bomb)).status).toBe(400);
      expect((await post(signed('x'), `<xml><Encrypt>${'A'.repeat(70_000)}</Encrypt></xml>`)).status).toBe(413);
      expect((await post(signed('x'), 'not xml at all')).status).toBe(400);
      expect((await adapter.handleWebhook(new Request(WEBHOOK, { method: 'PUT' }), stub.ctx, '')).status).toBe(405);
    });
  });
});

describe('WeCom adapter ↔ emulator over HTTP', () => {
  let clock = new Date('2025-03-01T08:00:00Z');
  const emulatorNow = () => clock;
  const config = {
    corpId: 'ww_test_corp',
    agentId: '1000002',
    secret: 'secret-1',
    token: 'tok',
    encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  };
  let stub = stubContext(emulatorNow);
  let adapter: ReturnType<typeof createWecomAdapter>;
  const emulator = createWecomEmulator({
    ...config,
    users: ['zhangsan', 'lisi'],
    webhookUrl: 'http://polaris.test/webhooks/wecom',
    now: emulatorNow,
    fetch: async (input, init) => adapter.handleWebhook(new Request(input as string, init), stub.ctx, ''),
  });
  let server: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    server = await serveWecomEmulator(emulator, 0);
    adapter = createWecomAdapter({ ...config, apiBase: server.url }, { now: emulatorNow });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    stub = stubContext(emulatorNow);
  });

  const card = {
    header: { title: '目标调整申请', subtitle: '张三 申请把 KR1 调到 80', color: 'orange' as const },
    blocks: [
      {
        type: 'actions' as const,
        buttons: [
          {
            text: '同意',
            actionId: 'approval.decide',
            value: { id: 'adj_1', decision: 'approve' },
            style: 'primary' as const,
          },
          {
            text: '拒绝',
            actionId: 'approval.decide',
            value: { id: 'adj_1', decision: 'reject' },
            style: 'danger' as const,
          },
        ],
      },
    ],
  };

  it('sends a card, receives the click, settles it by renaming the button, and gets 40058 on reuse', async () => {
    const ref = await adapter.send(
      { platform: 'wecom', kind: 'user', id: 'lisi' },
      { card },
      { idempotencyKey: 'ob_1' },
    );
    expect(ref).toMatchObject({ platform: 'wecom', extra: { userid: 'lisi', taskId: 'polaris_ob_1' } });
    expect(typeof ref.extra?.responseCode).toBe('string');
    const sent = emulator.messages.get(ref.messageId)!;
    expect(sent.delivered).toEqual(['lisi']);

    const key = (sent.templateCard!.button_list as { key: string }[])[0].key;
    const click = await emulator.clickButton({ userid: 'lisi', msgId: ref.messageId, key });
    expect(click.status).toBe(200);
    expect(stub.events).toHaveLength(1);
    const event = stub.events[0];
    expect(event).toMatchObject({
      type: 'card_action',
      actionId: 'approval.decide',
      value: { id: 'adj_1', decision: 'approve' },
    });
    if (event.type !== 'card_action') return;
    expect(event.message).toMatchObject({
      messageId: 'polaris_ob_1',
      extra: { responseCode: click.responseCode, userid: 'lisi' },
    });

    const decided = {
      header: { title: '目标调整申请', color: 'green' as const },
      blocks: [{ type: 'note' as const, text: '已同意' }],
    };
    // No PUBLIC_URL, so no text_notice to open: the documented replace_name settles the card.
    await adapter.update(event.message!, { card: decided }, { idempotencyKey: 'ob_2' });
    expect(sent.replacedButton).toEqual({ lisi: '已同意' });
    expect(sent.templateCard).not.toHaveProperty('replace_text');

    const reuse = adapter.update(event.message!, { card: decided }, { idempotencyKey: 'ob_3' });
    await expect(reuse).rejects.toMatchObject({
      retryable: false,
      code: 40058,
      message: expect.stringMatching(/response_code/),
    });

    // The send's own response_code is separate and still works once, as a button rename.
    await adapter.update(ref, { text: '已处理' }, { idempotencyKey: 'ob_4' });
    expect(sent.replacedButton).toEqual({ lisi: '已处理' });
  });

  it('a retried card send whose first answer was lost (42014 on the same task_id) counts as delivered', async () => {
    const to = { platform: 'wecom' as const, kind: 'user' as const, id: 'lisi' };
    const first = await adapter.send(to, { card }, { idempotencyKey: 'ob_lost_answer' });
    const cardsBefore = [...emulator.messages.values()].filter((m) => m.taskId === 'polaris_ob_lost_answer');
    expect(cardsBefore).toHaveLength(1);
    // The outbox retries the same row (same task_id) because it never saw the answer.
    const retried = await adapter.send(to, { card }, { idempotencyKey: 'ob_lost_answer' });
    expect(retried).toMatchObject({
      messageId: 'polaris_ob_lost_answer',
      extra: { userid: 'lisi', taskId: 'polaris_ob_lost_answer', alreadyDelivered: 1 },
    });
    const refused = emulator.calls.filter((c) => c.path === '/cgi-bin/message/send').at(-1)!;
    expect(refused.response.errcode).toBe(42014);
    expect([...emulator.messages.values()].filter((m) => m.taskId === 'polaris_ob_lost_answer')).toHaveLength(1);
    // Without the lost response_code the card cannot be edited: the new content goes out as a new message.
    const decided = {
      header: { title: '目标调整申请', color: 'green' as const },
      blocks: [{ type: 'note' as const, text: '已同意' }],
    };
    await adapter.update(retried, { card: decided }, { idempotencyKey: 'ob_lost_answer_update' });
    const latest = [...emulator.messages.values()].at(-1)!;
    expect(latest.touser).toEqual(['lisi']);
    expect(JSON.stringify(latest.body)).toContain('已同意');
    expect(first.extra?.responseCode).toBeTypeOf('string');
  });

  it('the emulator refuses a button_interaction card without button_list, as WeCom documents it', async () => {
    const token = (await (
      await fetch(`${server.url}/cgi-bin/gettoken?corpid=${config.corpId}&corpsecret=${config.secret}`)
    ).json()) as { access_token: string };
    const res = await fetch(`${server.url}/cgi-bin/message/send?access_token=${token.access_token}`, {
      method: 'POST',
      body: JSON.stringify({
        touser: 'lisi',
        agentid: Number(config.agentId),
        msgtype: 'template_card',
        template_card: {
          card_type: 'button_interaction',
          task_id: 'no_buttons_1',
          main_title: { title: '已处理' },
          replace_text: '已同意',
        },
      }),
    });
    expect(await res.json()).toMatchObject({ errcode: 40058, errmsg: expect.stringContaining('button_list') });
  });

  it('caches the token and refreshes it on 42001 (expired) and 40014 (invalid)', async () => {
    const gettokens = () => emulator.calls.filter((c) => c.path === '/cgi-bin/gettoken').length;
    const before = gettokens();
    const to = { platform: 'wecom' as const, kind: 'user' as const, id: 'zhangsan' };
    await adapter.send(to, { text: 'a' }, { idempotencyKey: 't1' });
    await adapter.send(to, { text: 'b' }, { idempotencyKey: 't2' });
    expect(gettokens()).toBeLessThanOrEqual(before + 1);

    // Only WeCom's clock moves past expiry: the cached token looks fine to us, WeCom answers 42001.
    const adapterClock = new Date(clock);
    const lagging = createWecomAdapter({ ...config, apiBase: server.url }, { now: () => adapterClock });
    await lagging.send(to, { text: 'c' }, { idempotencyKey: 't3' });
    clock = new Date(clock.getTime() + 7201_000);
    const n = gettokens();
    await lagging.send(to, { text: 'd' }, { idempotencyKey: 't4' });
    expect(gettokens()).toBe(n + 1);
    expect(emulator.calls.some((c) => c.response.errcode === 42001)).toBe(true);

    emulator.invalidateTokens();
    await lagging.send(to, { text: 'e' }, { idempotencyKey: 't5' });
    expect(gettokens()).toBe(n + 2);
    expect(emulator.calls.some((c) => c.response.errcode === 40014)).toBe(true);
  });

  it('surfaces invalid recipients', async () => {
    await expect(
      adapter.send({ platform: 'wecom', kind: 'user', id: 'ghost' }, { text: 'hi' }, { idempotencyKey: 'i1' }),
    ).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/recipient|invalid/) });
    // errcode 0 with the only recipient in invaliduser: nothing was delivered, so it is a permanent failure.
    const fake = createWecomAdapter(
      { ...config, apiBase: 'http://wecom.fake' },
      {
        fetch: async (input) =>
          Response.json(
            String(input).includes('gettoken')
              ? { errcode: 0, access_token: 'T', expires_in: 7200 }
              : { errcode: 0, errmsg: 'ok', invaliduser: 'ghost', msgid: 'm1' },
          ),
      },
    );
    const failure = await fake
      .send({ platform: 'wecom', kind: 'user', id: 'ghost' }, { text: 'hi' }, { idempotencyKey: 'i2' })
      .catch((e) => e);
    expect(failure).toBeInstanceOf(DeliveryError);
    expect(failure).toMatchObject({ retryable: false, code: 'invaliduser' });
  });

  it('classifies frequency limits and 5xx as retryable', async () => {
    let reply: () => Response = () => Response.json({ errcode: 45009, errmsg: 'api freq out of limit' });
    const fake = createWecomAdapter(
      { ...config, apiBase: 'http://wecom.fake' },
      {
        fetch: async (input) =>
          String(input).includes('gettoken')
            ? Response.json({ errcode: 0, access_token: 'T', expires_in: 7200 })
            : reply(),
      },
    );
    const to = { platform: 'wecom' as const, kind: 'user' as const, id: 'zhangsan' };
    await expect(fake.send(to, { text: 'x' }, { idempotencyKey: 'r1' })).rejects.toMatchObject({
      retryable: true,
      code: 45009,
    });
    reply = () => new Response('bad gateway', { status: 502 });
    await expect(fake.send(to, { text: 'x' }, { idempotencyKey: 'r2' })).rejects.toMatchObject({ retryable: true });
  });

  it('declares the per-member limit the emulator enforces by dropping silently', async () => {
    expect(adapter.limits.perRecipient).toEqual([
      { count: 30, windowMs: 60_000 },
      { count: 1000, windowMs: 3_600_000 },
    ]);
    emulator.dropped.length = 0;
    clock = new Date(clock.getTime() + 3_600_000);
    const to = { platform: 'wecom' as const, kind: 'user' as const, id: 'zhangsan' };
    for (let i = 0; i < 30; i++) await adapter.send(to, { text: `m${i}` }, { idempotencyKey: `l${i}` });
    expect(emulator.dropped).toEqual([]);
    const ref = await adapter.send(to, { text: 'one too many' }, { idempotencyKey: 'l30' });
    expect(emulator.dropped).toEqual([{ msgid: ref.messageId, userid: 'zhangsan' }]);
    clock = new Date(clock.getTime() + 61_000);
    await adapter.send(to, { text: 'next minute' }, { idempotencyKey: 'l31' });
    expect(emulator.dropped).toHaveLength(1);
  });

  it('rejects invalid template cards and unknown message types in the emulator', async () => {
    const call = async (body: unknown) => {
      const token = (
        await (await fetch(`${server.url}/cgi-bin/gettoken?corpid=${config.corpId}&corpsecret=${config.secret}`)).json()
      ).access_token;
      return (
        await fetch(`${server.url}/cgi-bin/message/send?access_token=${token}`, {
          method: 'POST',
          body: JSON.stringify(body),
        })
      ).json();
    };
    expect(await call({ touser: 'lisi', agentid: 1000002, msgtype: 'bogus', bogus: {} })).toMatchObject({
      errcode: 40008,
    });
    expect(await call({ touser: 'lisi', agentid: 1, msgtype: 'text', text: { content: 'x' } })).toMatchObject({
      errcode: 40056,
    });
    expect(
      await call({
        touser: 'lisi',
        agentid: 1000002,
        msgtype: 'template_card',
        template_card: {
          card_type: 'button_interaction',
          task_id: 't',
          main_title: { title: 'x'.repeat(27) },
          button_list: [{ text: 'a', key: 'k' }],
        },
      }),
    ).toMatchObject({ errcode: 40058, errmsg: expect.stringMatching(/26/) });
    expect(
      await call({ touser: 'lisi|ghost', agentid: 1000002, msgtype: 'text', text: { content: 'x' } }),
    ).toMatchObject({ errcode: 0, invaliduser: 'ghost' });
    expect(
      await (await fetch(`${server.url}/cgi-bin/gettoken?corpid=${config.corpId}&corpsecret=wrong`)).json(),
    ).toMatchObject({ errcode: 40001 });
  });
});
