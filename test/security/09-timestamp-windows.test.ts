// Issue 21, item 9: signed callbacks must be fresh. DingTalk's HTTP event subscription had no
// timestamp window (a request signed a year ago got 200) and WeCom accepted requests 50
// minutes old. Both now accept 5 minutes either way (bots/common/verify.ts says why: neither
// platform documents a window; both push in real time and retry within seconds). The app runs
// on a fixed clock, and each side of the boundary is tried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackSignature, encryptCallback } from '../../bots/common/callback-crypto';
import { CALLBACK_MAX_SKEW_MS } from '../../bots/common/verify';
import { createTestApp } from '../helpers/app';
import { DINGTALK, WECOM } from '../helpers/e2e';

const NOW = new Date('2026-11-27T02:00:00Z');
let h: ReturnType<typeof createTestApp>;

beforeAll(() => {
  h = createTestApp({
    now: NOW.toISOString(),
    env: {
      WECOM_CORP_ID: WECOM.corpId,
      WECOM_AGENT_ID: WECOM.agentId,
      WECOM_SECRET: WECOM.secret,
      WECOM_TOKEN: WECOM.token,
      WECOM_ENCODING_AES_KEY: WECOM.encodingAesKey,
      DINGTALK_CLIENT_ID: DINGTALK.clientId,
      DINGTALK_CLIENT_SECRET: DINGTALK.clientSecret,
      DINGTALK_CALLBACK_TOKEN: DINGTALK.callbackToken,
      DINGTALK_CALLBACK_AES_KEY: DINGTALK.callbackAesKey,
    },
  });
});
afterAll(() => h?.close());

/** A WeCom event callback (entering the app: acknowledged, nothing else) signed at `at`. */
async function wecomAt(at: number): Promise<number> {
  const xml = `<xml><ToUserName><![CDATA[${WECOM.corpId}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>${Math.floor(at / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event><AgentID>${WECOM.agentId}</AgentID></xml>`;
  const encrypt = await encryptCallback(WECOM.encodingAesKey, xml, WECOM.corpId);
  const timestamp = String(Math.floor(at / 1000));
  const msg_signature = await callbackSignature(WECOM.token, timestamp, '42', encrypt);
  const res = await h.app.request(`/webhooks/wecom?${new URLSearchParams({ msg_signature, timestamp, nonce: '42' })}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: `<xml><ToUserName><![CDATA[${WECOM.corpId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
  });
  return res.status;
}

/** A DingTalk event-subscription push (check_url) signed at `at` (milliseconds). */
async function dingtalkAt(at: number): Promise<number> {
  const encrypt = await encryptCallback(DINGTALK.callbackAesKey, '{"EventType":"check_url"}', DINGTALK.clientId);
  const timestamp = String(at);
  const signature = await callbackSignature(DINGTALK.callbackToken, timestamp, 'n0nce', encrypt);
  const res = await h.app.request(
    `/webhooks/dingtalk/events?${new URLSearchParams({ msg_signature: signature, timestamp, nonce: 'n0nce' })}`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ encrypt }) },
  );
  return res.status;
}

const window = CALLBACK_MAX_SKEW_MS;
const now = NOW.getTime();

describe('WeCom callbacks (timestamp in seconds)', () => {
  it('accepts a callback up to 5 minutes old or early, and refuses one a second beyond', async () => {
    expect(window).toBe(5 * 60 * 1000);
    expect(await wecomAt(now)).toBe(200);
    expect(await wecomAt(now - window)).toBe(200);
    expect(await wecomAt(now - window - 1000)).toBe(401);
    expect(await wecomAt(now + window)).toBe(200);
    expect(await wecomAt(now + window + 1000)).toBe(401);
  });

  it('refuses the 50-minute-old request that used to pass', async () => {
    expect(await wecomAt(now - 50 * 60 * 1000)).toBe(401);
  });
});

describe('DingTalk event subscription (timestamp in milliseconds)', () => {
  it('accepts a push up to 5 minutes old or early, and refuses one a millisecond beyond', async () => {
    expect(await dingtalkAt(now)).toBe(200);
    expect(await dingtalkAt(now - window)).toBe(200);
    expect(await dingtalkAt(now - window - 1)).toBe(401);
    expect(await dingtalkAt(now + window)).toBe(200);
    expect(await dingtalkAt(now + window + 1)).toBe(401);
  });

  it('refuses the year-old request that used to get 200', async () => {
    expect(await dingtalkAt(now - 365 * 86_400_000)).toBe(401);
  });

  it('follows the injected clock, not the wall clock', async () => {
    h.clock.set(new Date(now + 3_600_000));
    try {
      expect(await dingtalkAt(now)).toBe(401);
      expect(await dingtalkAt(now + 3_600_000)).toBe(200);
    } finally {
      h.clock.set(NOW);
    }
  });
});
