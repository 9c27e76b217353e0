// Outbound webhooks end to end over real HTTP: a person checks in by chatting with the bot
// through the Lark emulator, and a subscriber on localhost receives a signed checkin.created,
// also after an outage once it is back (issue 17, "Done when").
import { createHmac, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock';
import { verifyWebhookSignature } from '../../core/webhooks';
import { outbox } from '../../storage/schema';
import { startStack, type Stack } from '../helpers/e2e';
import { IDS, seedSmallOrg } from '../helpers/fixtures';
import { stackWaitFor } from '../helpers/wait';
import { startSubscriber, type Subscriber } from './subscriber';

const SECRET = 'whsec_e2e_0123456789abcdef';
let stack: Stack;
let subscriber: Subscriber;
const clock = fixedClock(new Date());

beforeEach(async () => {
  clock.set(new Date());
  stack = await startStack({ env: { WEBHOOK_ALLOW_PRIVATE: '1' }, clock });
  await seedSmallOrg(stack.store);
  subscriber = await startSubscriber('up');
});
afterEach(async () => {
  await subscriber?.close();
  await stack?.stop();
});

const waitFor = stackWaitFor(() => stack);

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.base}/api/v1${path}`, {
    method,
    headers: { authorization: 'Bearer e2e-admin-token-0123456789abcdef', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

async function subscribe() {
  const created = await api('POST', '/webhooks', {
    url: subscriber.url,
    events: ['checkin.created'],
    secret: SECRET,
  });
  expect(created.status).toBe(201);
  expect(created.body).not.toHaveProperty('secret');
  return created.body.id as string;
}

/** The receiver's check, written the way docs/webhooks.md tells a subscriber to (node:crypto). */
function verifiedLikeTheDocs(headers: Record<string, unknown>, body: string): boolean {
  const timestamp = String(headers['x-polaris-timestamp']);
  const given = Buffer.from(String(headers['x-polaris-signature']));
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('outbound webhooks end to end', () => {
  it('a chat check-in through the Lark emulator reaches the subscriber as a signed checkin.created', async () => {
    await subscribe();
    const delivery = await stack.lark!.deliverMessage({ openId: 'ou_alice', text: 'KR1 45 信心 7' });
    expect(delivery.status).toBe(200);
    const [event] = await waitFor(() => subscriber.received.length && subscriber.received, 'the webhook delivery');
    expect(event.headers['x-polaris-event']).toBe('checkin.created');
    expect(verifiedLikeTheDocs(event.headers, event.body)).toBe(true);
    expect(
      await verifyWebhookSignature({
        secret: SECRET,
        timestamp: String(event.headers['x-polaris-timestamp']),
        signature: String(event.headers['x-polaris-signature']),
        body: event.body,
        nowSeconds: Math.floor(clock.now().getTime() / 1000),
      }),
    ).toBe(true);
    // A wrong secret or a changed body does not verify.
    expect(verifiedLikeTheDocs(event.headers, event.body.replace('45', '95'))).toBe(false);
    const payload = JSON.parse(event.body);
    expect(payload).toMatchObject({
      type: 'checkin.created',
      data: {
        check_in: { value: 45, previous_value: 30, confidence: 7, source: 'chat', author_id: IDS.alice },
        key_result: { id: IDS.aliceKr1 },
      },
    });
    expect(event.headers['x-polaris-delivery']).toBeTruthy();
    // The delivery log says so.
    const subs = await api('GET', '/webhooks');
    const log = await api('GET', `/webhooks/${subs.body.items[0].id}/deliveries`);
    expect(log.body.items).toMatchObject([
      { event: 'checkin.created', status: 'sent', attempts: 1, response_status: 204 },
    ]);
  });

  it('an event raised during an outage arrives once the subscriber is back, after backoff, exactly once', async () => {
    const id = await subscribe();
    subscriber.set('down');
    await stack.lark!.deliverMessage({ openId: 'ou_alice', text: 'KR1 50' });
    // The first attempt meets the outage: the delivery waits for its retry, with the reason.
    const waiting = await waitFor(async () => {
      const log = await api('GET', `/webhooks/${id}/deliveries`);
      return log.body.items[0]?.attempts >= 1 && log.body.items[0];
    }, 'the failed first attempt');
    expect(waiting).toMatchObject({ status: 'pending', last_error: 'HTTP 503: maintenance window' });
    expect(subscriber.received).toHaveLength(0);
    // Still down at the next retry: backoff again, nothing lost.
    clock.advance(5_000);
    await stack.flush();
    expect(subscriber.attempts).toBeGreaterThanOrEqual(2);
    // Back up: the next retry (clock moved past the backoff) delivers it.
    subscriber.set('up');
    clock.advance(10_000);
    const [event] = await waitFor(
      () => subscriber.received.length && subscriber.received,
      'the delivery after the outage',
    );
    expect(verifiedLikeTheDocs(event.headers, event.body)).toBe(true);
    expect(JSON.parse(event.body).data.check_in.value).toBe(50);
    clock.advance(60_000);
    await stack.flush();
    expect(subscriber.received).toHaveLength(1);
    const [row] = await stack.store.db.select().from(outbox).where(eq(outbox.platform, 'webhook'));
    expect(row.status).toBe('sent');
    const sub = await api('GET', `/webhooks/${id}`);
    expect(sub.body).toMatchObject({ status: 'active', consecutive_failures: 0 });
  });
});
