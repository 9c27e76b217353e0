// Issue 21, item 2: every request body is capped, in one place (src/body-limit.ts), while it
// streams in. A chunked body (no Content-Length) larger than its route's cap is answered 413
// and nothing is stored; before, /webhooks/lark and /webhooks/dingtalk/events read any size.
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { robotSign } from '../../bots/dingtalk/verify';
import { connect } from 'node:net';
import { Hono } from 'hono';
import { BODY_LIMITS, bodyLimit, bodyLimitFor, DEFAULT_BODY_LIMIT } from '../../src/body-limit';
import { inbox, objectives, processedEvents } from '../../storage/schema';
import { DINGTALK, LARK, startStack } from '../helpers/e2e';
import { postChunked, signedLarkMessage } from './helpers';

type Stack = Awaited<ReturnType<typeof startStack>>;
let stack: Stack;

async function stored() {
  const [[a], [b], [c]] = await Promise.all([
    stack.store.db.select({ n: count() }).from(inbox),
    stack.store.db.select({ n: count() }).from(processedEvents),
    stack.store.db.select({ n: count() }).from(objectives),
  ]);
  return { inbox: a.n, processed: b.n, objectives: c.n };
}

beforeAll(async () => {
  stack = await startStack({ dingtalk: 'http' });
});
afterAll(async () => {
  await stack?.stop();
});

describe('body size caps', () => {
  it('has one cap per route family, the longest prefix winning', () => {
    expect(bodyLimitFor('/webhooks/lark')).toBe(1024 * 1024);
    expect(bodyLimitFor('/api/v1/people/import')).toBe(10 * 1024 * 1024);
    expect(bodyLimitFor('/api/v1/objectives')).toBe(1024 * 1024);
    expect(bodyLimitFor('/dashboard/login')).toBe(16 * 1024);
    expect(bodyLimitFor('/webhooksX')).toBe(DEFAULT_BODY_LIMIT);
    expect(BODY_LIMITS.every((l) => l.maxBytes > 0 && l.why)).toBe(true);
  });

  it('a validly signed Lark event larger than 1 MB, sent chunked, gets 413 and stores nothing', async () => {
    const before = await stored();
    // Under the cap the same event is accepted (200) and stored: the cap is what refuses the big one.
    const small = await signedLarkMessage({ ...LARK, eventId: 'ev_small', openId: 'ou_alice', text: '帮助' });
    const ok = await postChunked(`${stack.base}/webhooks/lark`, small.headers, small.body);
    expect(ok.status).toBe(200);
    await stack.flush();
    const afterSmall = await stored();
    expect(afterSmall.processed + afterSmall.inbox).toBeGreaterThan(before.processed + before.inbox);

    const big = await signedLarkMessage({
      ...LARK,
      eventId: 'ev_big',
      openId: 'ou_alice',
      text: 'x'.repeat(1_100_000),
    });
    const res = await postChunked(`${stack.base}/webhooks/lark`, big.headers, big.body);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('payload_too_large');
    await stack.flush();
    expect(await stored()).toEqual(afterSmall);
  });

  it('the DingTalk event subscription (read before verifying) refuses a chunked 2 MB body with 413', async () => {
    const before = await stored();
    const body = JSON.stringify({ encrypt: 'A'.repeat(2 * 1024 * 1024) });
    const res = await postChunked(
      `${stack.base}/webhooks/dingtalk/events?msg_signature=x&timestamp=1&nonce=n`,
      {
        'content-type': 'application/json',
      },
      body,
    );
    expect(res.status).toBe(413);
    expect(await stored()).toEqual(before);
  });

  it('a DingTalk robot message with valid headers but a 2 MB chunked body gets 413 and stores nothing', async () => {
    const before = await stored();
    const timestamp = String(Date.now());
    const body = JSON.stringify({
      msgtype: 'text',
      text: { content: 'y'.repeat(2 * 1024 * 1024) },
      senderStaffId: 'staff_alice',
      conversationType: '1',
      conversationId: 'cid',
      msgId: 'msg_big',
      robotCode: DINGTALK.robotCode,
    });
    const res = await postChunked(
      `${stack.base}/webhooks/dingtalk`,
      { 'content-type': 'application/json', timestamp, sign: await robotSign(DINGTALK.clientSecret, timestamp) },
      body,
    );
    expect(res.status).toBe(413);
    await stack.flush();
    expect(await stored()).toEqual(before);
  });

  it('the admin API refuses a chunked body over 1 MB with 413 and creates nothing', async () => {
    const before = await stored();
    const body = JSON.stringify({ title: 'o'.repeat(1_200_000), owner_type: 'company', key_results: [] });
    const res = await postChunked(
      `${stack.base}/api/v1/objectives`,
      { 'content-type': 'application/json', authorization: 'Bearer e2e-admin-token-0123456789abcdef' },
      body,
    );
    expect(res.status).toBe(413);
    expect(await stored()).toEqual(before);
  });

  it('a declared Content-Length over the cap is refused before the body is read', async () => {
    const res = await fetch(`${stack.base}/dashboard/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${'t'.repeat(20_000)}`,
    });
    expect(res.status).toBe(413);
  });

  it('leaves bodies under the cap alone', async () => {
    const res = await fetch(`${stack.base}/dashboard/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=wrong',
    });
    expect(res.status).toBe(401);
  });

  it('passes a body whose declared Content-Length is within the cap through untouched (no counting stream)', async () => {
    let seen: Request | undefined;
    const app = new Hono().use('*', bodyLimit()).post('/webhooks/lark', async (c) => {
      seen = c.req.raw;
      return c.text(await c.req.text());
    });
    const request = new Request('http://x/webhooks/lark', {
      method: 'POST',
      body: 'hello',
      headers: { 'content-length': '5' },
    });
    const res = await app.fetch(request);
    expect(await res.text()).toBe('hello');
    expect(seen).toBe(request);
  });

  it('reads no more than the declared Content-Length: what follows is parsed as the next request', async () => {
    // Why the fast path above is safe on Node: 20,000 bytes after a body declared as 11 never reach the route.
    const { hostname, port } = new URL(stack.base);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          `POST /dashboard/login HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\ntoken=wrong`,
        );
      });
      let text = '';
      socket.on('data', (d) => {
        // The first answer is in: the 20,000 bytes that follow the declared body come now.
        if (!text) socket.end('x'.repeat(20_000));
        text += d;
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    const statuses = [...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    expect(statuses[0]).toBe('401'); // the body was 'token=wrong', as declared
    expect(statuses.slice(1).every((s) => s === '400')).toBe(true); // the rest is not a request
    expect(answer).not.toContain('413');
  });
});
