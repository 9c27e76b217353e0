// WeCom (企业微信) end to end over real HTTP: the emulator pushes signed,
// encrypted callbacks to the running server; the server answers through the
// emulator's API (message/send, update_template_card).
import { getSignature, encrypt as wecomEncrypt } from '@wecom/crypto';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatedWecomMessage } from '../../bots/wecom/emulator';
import { checkIns, keyResults, outbox, processedEvents } from '../../storage/schema';
import { IDS, seedSmallOrg } from '../helpers/fixtures';
import { startStack, WECOM, type Stack } from '../helpers/e2e';
import { stackWaitFor } from '../helpers/wait';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack({ lark: false, wecom: true });
  await seedSmallOrg(stack.store);
});
afterEach(async () => {
  await stack?.stop();
});

const wecom = () => stack.wecom!;
const messagesTo = (userid: string) => [...wecom().messages.values()].filter((m) => m.touser.includes(userid));
/** What the member sees of a message: its text, markdown or template card. */
const shown = (m: EmulatedWecomMessage) => JSON.stringify(m.templateCard ?? m.body);
const aliceCheckIns = () => stack.store.db.select().from(checkIns).where(eq(checkIns.keyResultId, IDS.aliceKr1));

const waitFor = stackWaitFor(() => stack);

const cardButtons = (m: EmulatedWecomMessage) => (m.templateCard?.button_list ?? []) as { text: string; key: string }[];

/** Posts a hand-made callback (the attacker's view: no help from the emulator's signing). */
async function post(query: { msg_signature: string; timestamp: string; nonce: string }, encrypt: string) {
  const body = `<xml><ToUserName><![CDATA[${WECOM.corpId}]]></ToUserName><AgentID><![CDATA[${WECOM.agentId}]]></AgentID><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
  const url = `${stack.base}/webhooks/wecom?msg_signature=${query.msg_signature}&timestamp=${query.timestamp}&nonce=${query.nonce}`;
  return fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
}

function textXml(corpId: string, content: string, msgId: string) {
  return (
    `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><FromUserName><![CDATA[ZhangWei]]></FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId><AgentID>${WECOM.agentId}</AgentID></xml>`
  );
}

function signed(encrypt: string) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = '12345';
  return { timestamp, nonce, msg_signature: getSignature(WECOM.token, timestamp, nonce, encrypt) };
}

async function expectNothingStored() {
  expect(await stack.store.db.select().from(checkIns)).toHaveLength(0);
  expect(await stack.store.db.select().from(processedEvents)).toHaveLength(0);
  expect(await stack.store.db.select().from(outbox)).toHaveLength(0);
}

describe('WeCom end to end', () => {
  it('answers the console URL verification, including an echostr whose `+` arrives unescaped', async () => {
    expect((await wecom().verifyUrl()).ok).toBe(true);
    expect((await wecom().verifyUrl({ encodePlus: true })).ok).toBe(true);
    // Always cover the `+` case: pick an echostr that has one, and send it raw as WeCom does.
    let echostr = '';
    while (!echostr.includes('+')) echostr = wecomEncrypt(WECOM.encodingAesKey, '1288432023552776189', WECOM.corpId);
    const q = signed(echostr);
    const res = await fetch(
      `${stack.base}/webhooks/wecom?msg_signature=${q.msg_signature}&timestamp=${q.timestamp}&nonce=${q.nonce}&echostr=${echostr}`,
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('1288432023552776189');
    // A wrong signature is refused.
    const forged = await fetch(
      `${stack.base}/webhooks/wecom?msg_signature=${'0'.repeat(40)}&timestamp=${q.timestamp}&nonce=${q.nonce}&echostr=${encodeURIComponent(echostr)}`,
    );
    expect(forged.status).toBe(401);
  });

  it('`我的OKR` shows the objectives and numbered KRs, with a button per KR', async () => {
    const delivery = await wecom().deliverText({ userid: 'ZhangWei', content: '我的OKR' });
    expect(delivery).toMatchObject({ status: 200, body: '', attempts: 1 });
    const sent = await waitFor(() => messagesTo('ZhangWei').length && messagesTo('ZhangWei'), 'the OKR card');
    const everything = sent.map(shown).join('\n');
    expect(everything).toContain('提升课程满意度');
    expect(everything).toContain('KR1');
    expect(everything).toContain('KR3');
    expect(everything).toContain('每节课后收集有效反馈');
    const card = sent.find((m) => m.msgtype === 'template_card');
    expect(card, 'a template card carries the buttons').toBeDefined();
    expect(cardButtons(card!).map((b) => b.text)).toEqual(expect.arrayContaining([expect.stringContaining('KR1')]));
    expect(sent.every((m) => m.delivered.includes('ZhangWei') && m.dropped.length === 0)).toBe(true);
  });

  it('`KR1 45 信心 7` stores the check-in and replies with the updated KR', async () => {
    await wecom().deliverText({ userid: 'ZhangWei', content: 'KR1 45 信心 7' });
    const sent = await waitFor(() => messagesTo('ZhangWei').length && messagesTo('ZhangWei'), 'the check-in reply');
    const rows = await aliceCheckIns();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ value: 45, previousValue: 30, confidence: 7, source: 'chat', authorId: IDS.alice });
    const [kr] = await stack.store.db.select().from(keyResults).where(eq(keyResults.id, IDS.aliceKr1));
    expect(kr).toMatchObject({ currentValue: 45, confidence: 7 });
    expect(sent.map(shown).join('\n')).toContain('45');
  });

  it("a KR card button records a check-in and updates that card with the click's single-use response_code", async () => {
    await wecom().deliverText({ userid: 'ZhangWei', content: 'KR1 40' });
    const card = await waitFor(() => messagesTo('ZhangWei').find((m) => m.msgtype === 'template_card'), 'the KR card');
    const button = cardButtons(card).find((b) => b.key.startsWith('kr.checkin?'));
    expect(button, `a check-in button in ${shown(card)}`).toBeDefined();
    const before = await aliceCheckIns();

    const click = await wecom().clickButton({ userid: 'ZhangWei', msgId: card.msgid, key: button!.key });
    expect(click.status).toBe(200);
    const after = await aliceCheckIns();
    expect(after).toHaveLength(before.length + 1);
    const recorded = after.find((r) => !before.some((b) => b.id === r.id))!;
    expect(recorded).toMatchObject({ source: 'card', authorId: IDS.alice });
    expect(button!.key).toContain(`value=${recorded.value}`);

    // The card is updated through update_template_card with the click's ResponseCode.
    await waitFor(() => card.updates.length, 'the card update');
    const update = wecom().calls.find((c) => c.path === '/cgi-bin/message/update_template_card')!;
    expect(update.response.errcode).toBe(0);
    expect(update.body).toMatchObject({
      response_code: click.responseCode,
      userids: ['ZhangWei'],
      agentid: Number(WECOM.agentId),
    });
    expect(card.templateCard).toEqual((update.body as { template_card: unknown }).template_card);
    expect(shown(card)).toContain(String(recorded.value));
    expect(card.taskId).toBe((card.templateCard as { task_id: string }).task_id);

    // The code is spent: a second use is refused with 40008.
    const token = (await (
      await fetch(`${wecom().url}/cgi-bin/gettoken?corpid=${WECOM.corpId}&corpsecret=${WECOM.secret}`)
    ).json()) as { access_token: string };
    const again = await fetch(
      `${wecom().url}/cgi-bin/message/update_template_card?access_token=${token.access_token}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          userids: ['ZhangWei'],
          agentid: Number(WECOM.agentId),
          response_code: click.responseCode,
          button: { replace_name: 'x' },
        }),
      },
    );
    // A spent response_code is a bad parameter (40058), never 40008 (invalid message type).
    expect(((await again.json()) as { errcode: number }).errcode).toBe(40058);
    const [sentRow] = await stack.store.db.select().from(outbox).where(eq(outbox.operation, 'update'));
    expect(sentRow.status).toBe('sent');
  });

  it('the same message delivered four times makes one check-in and one reply', async () => {
    for (let i = 0; i < 4; i++) {
      const delivery = await wecom().deliverText({
        userid: 'ZhangWei',
        content: 'KR1 50',
        msgId: '7100000000000000001',
      });
      expect(delivery.status).toBe(200);
    }
    await waitFor(() => messagesTo('ZhangWei').length, 'the reply');
    await new Promise((r) => setTimeout(r, 100));
    await stack.flush();
    expect(await aliceCheckIns()).toHaveLength(1);
    expect(await stack.store.db.select().from(outbox)).toHaveLength(1);
    const ledger = await stack.store.db
      .select()
      .from(processedEvents)
      .where(eq(processedEvents.eventId, '7100000000000000001'));
    expect(ledger).toHaveLength(1);
  });

  it('refuses a wrong msg_signature with 401 and stores nothing', async () => {
    const encrypt = wecomEncrypt(
      WECOM.encodingAesKey,
      textXml(WECOM.corpId, 'KR1 99', '7100000000000000002'),
      WECOM.corpId,
    );
    const res = await post({ ...signed(encrypt), msg_signature: 'f'.repeat(40) }, encrypt);
    expect(res.status).toBe(401);
    await expectNothingStored();
  });

  it('refuses a message encrypted for another corp with 400 and stores nothing', async () => {
    const encrypt = wecomEncrypt(
      WECOM.encodingAesKey,
      textXml('ww_other_corp', 'KR1 99', '7100000000000000003'),
      'ww_other_corp',
    );
    const res = await post(signed(encrypt), encrypt);
    expect(res.status).toBe(400);
    await expectNothingStored();
  });

  it('refuses a tampered ciphertext (even correctly signed) with 400 and stores nothing', async () => {
    const encrypt = wecomEncrypt(
      WECOM.encodingAesKey,
      textXml(WECOM.corpId, 'KR1 99', '7100000000000000004'),
      WECOM.corpId,
    );
    const bytes = Buffer.from(encrypt, 'base64');
    bytes[bytes.length - 17] ^= 0x01; // flips a bit of the padding in the last block
    const tampered = bytes.toString('base64');
    const unsigned = await post(signed(encrypt), tampered);
    expect(unsigned.status).toBe(401);
    const resigned = await post(signed(tampered), tampered);
    expect(resigned.status).toBe(400);
    await expectNothingStored();
  });

  it('keeps a member under 30 messages a minute: the excess waits in the outbox instead of being dropped', async () => {
    // 16 `我的OKR` requests: each answer is more than one WeCom message (markdown + the buttons card).
    for (let i = 0; i < 16; i++) {
      const delivery = await wecom().deliverText({ userid: 'ZhangWei', content: '我的OKR' });
      expect(delivery.status).toBe(200);
    }
    await stack.flush();
    await new Promise((r) => setTimeout(r, 200));
    await stack.flush();
    expect(wecom().dropped).toEqual([]);
    const delivered = messagesTo('ZhangWei').filter((m) => m.delivered.includes('ZhangWei'));
    expect(delivered.length).toBeLessThanOrEqual(30);
    expect(delivered.length).toBeGreaterThan(0);
    const rows = await stack.store.db.select().from(outbox);
    expect(rows).toHaveLength(16);
    const waiting = rows.filter((r) => r.status === 'pending');
    expect(waiting.length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.status === 'failed')).toEqual([]);
    for (const row of waiting) expect(new Date(row.nextAttemptAt).getTime()).toBeGreaterThan(Date.now() + 10_000);
  });
});
