// Issue 21, item 12: bad input is a 400, never a 500 with a stack trace. WeCom parsed the XML
// before checking the signature, so unsigned XML nested 5,000 deep reached the parser and came
// back 500; a validly signed Lark event nested 50,000 deep also came back 500. Now WeCom reads
// only the signed <Encrypt> value before verifying, XML and JSON nesting are bounded, and
// parser failures are 400.
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonDepth, parseJsonBounded, JsonDepthError } from '../../bots/common/json';
import { callbackSignature, encryptCallback } from '../../bots/common/callback-crypto';
import { extractEncrypt, parseXmlSafely, WecomXmlError, xmlDepth } from '../../bots/wecom/parse';
import { inbox, processedEvents } from '../../storage/schema';
import { DINGTALK, LARK, startStack, WECOM } from '../helpers/e2e';
import { signedLarkMessage } from './helpers';

let stack: Awaited<ReturnType<typeof startStack>>;
const deepXml = (n: number) => `${'<a>'.repeat(n)}x${'</a>'.repeat(n)}`;
const deepJson = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

async function storedEvents() {
  const [[a], [b]] = await Promise.all([
    stack.store.db.select({ n: count() }).from(inbox),
    stack.store.db.select({ n: count() }).from(processedEvents),
  ]);
  return a.n + b.n;
}

async function wecomPost(body: string, query: Record<string, string>) {
  const res = await fetch(`${stack.base}/webhooks/wecom?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body,
  });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  stack = await startStack({ wecom: true, dingtalk: 'http' });
});
afterAll(async () => {
  await stack?.stop();
});

describe('WeCom: verify first, then parse, with bounded depth', () => {
  const now = () => String(Math.floor(Date.now() / 1000));

  it('unsigned XML nested 5,000 deep is a 400 without a stack trace', async () => {
    const before = await storedEvents();
    const res = await wecomPost(`<xml>${deepXml(5000)}</xml>`, { msg_signature: 'x', timestamp: now(), nonce: '1' });
    expect(res.status).toBe(400);
    expect(res.text).not.toMatch(/\n\s+at /);
    expect(await storedEvents()).toBe(before);
  });

  it('unsigned deep XML around an <Encrypt> is refused by the signature (401) before any parsing', async () => {
    const body = `<xml><Encrypt><![CDATA[QUJD]]></Encrypt>${deepXml(5000)}</xml>`;
    const res = await wecomPost(body, { msg_signature: 'f'.repeat(40), timestamp: now(), nonce: '1' });
    expect(res.status).toBe(401);
  });

  it('a validly signed callback whose decrypted XML nests 5,000 deep is a 400', async () => {
    const before = await storedEvents();
    const encrypt = await encryptCallback(WECOM.encodingAesKey, `<xml>${deepXml(5000)}</xml>`, WECOM.corpId);
    const timestamp = now();
    const signature = await callbackSignature(WECOM.token, timestamp, '7', encrypt);
    const res = await wecomPost(
      `<xml><ToUserName><![CDATA[${WECOM.corpId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
      {
        msg_signature: signature,
        timestamp,
        nonce: '7',
      },
    );
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/deeper than 16 levels/);
    expect(await storedEvents()).toBe(before);
  });

  it('reads <Encrypt> without an XML parser and refuses anything but one base64 value', () => {
    expect(extractEncrypt('<xml><Encrypt><![CDATA[ab+/cd==]]></Encrypt></xml>')).toBe('ab+/cd==');
    expect(extractEncrypt('<xml><Encrypt>abcd</Encrypt></xml>')).toBe('abcd');
    for (const bad of [
      '<xml></xml>',
      '<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>',
      '<xml><Encrypt><x/></Encrypt></xml>',
      '<xml><Encrypt>abcd',
    ])
      expect(() => extractEncrypt(bad)).toThrow(WecomXmlError);
  });

  it('measures depth in one pass, skipping CDATA and self-closing tags', () => {
    expect(xmlDepth('<xml><a><![CDATA[<b><c><d>]]></a><e/></xml>')).toBe(2);
    expect(xmlDepth(deepXml(100_000), 16)).toBe(17);
    expect(() => parseXmlSafely(`<xml>${deepXml(20)}</xml>`)).toThrow(/deeper than 16/);
  });
});

describe('JSON depth', () => {
  it('a validly signed Lark event nested 50,000 deep is a 400 and stores nothing', async () => {
    const before = await storedEvents();
    const signed = await signedLarkMessage({
      ...LARK,
      eventId: 'ev_deep',
      openId: 'ou_alice',
      text: 'hi',
      rawExtra: deepJson(50_000),
    });
    const res = await fetch(`${stack.base}/webhooks/lark`, {
      method: 'POST',
      headers: signed.headers,
      body: signed.body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/deeper than 64 levels/);
    expect(await storedEvents()).toBe(before);
  });

  it('a validly signed DingTalk event subscription push nested 50,000 deep is a 400', async () => {
    const encrypt = await encryptCallback(
      DINGTALK.callbackAesKey,
      `{"EventType":"x","v":${deepJson(50_000)}}`,
      DINGTALK.clientId,
    );
    const timestamp = String(Date.now());
    const signature = await callbackSignature(DINGTALK.callbackToken, timestamp, 'n', encrypt);
    const res = await fetch(
      `${stack.base}/webhooks/dingtalk/events?${new URLSearchParams({ msg_signature: signature, timestamp, nonce: 'n' })}`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ encrypt }) },
    );
    expect(res.status).toBe(400);
  });

  it('an admin API body nested 50,000 deep is a 400', async () => {
    const res = await fetch(`${stack.base}/api/v1/objectives`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer e2e-admin-token-0123456789abcdef' },
      body: `{"title":"t","owner_type":"company","key_results":${deepJson(50_000)}}`,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
  });

  it('counts nesting in one pass, ignoring brackets inside strings', () => {
    expect(jsonDepth('{"a":"[[[[","b":[{"c":"\\"]]"}]}')).toBe(3);
    expect(jsonDepth(deepJson(1_000_000), 64)).toBe(65);
    expect(() => parseJsonBounded(deepJson(65))).toThrow(JsonDepthError);
    expect(parseJsonBounded(deepJson(64))).toBeInstanceOf(Array);
  });
});
