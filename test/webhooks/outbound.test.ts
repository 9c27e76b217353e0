// Outbound webhooks: the subscriptions API and its bad input, and delivery behaviour against
// real HTTP subscribers on localhost with a real SQLite file and an injected clock: per-subscriber
// order, a hanging subscriber not blocking others, timeouts, pause after repeated failure with the
// admins told, resume, delete.
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock';
import { createPolaris } from '../../src/app';
import { loadConfig } from '../../src/config';
import { WebhookDeliverer } from '../../src/outbound-webhooks/deliver';
import { auditLog, outbox, webhookSubscriptions } from '../../storage/schema';
import { openSqlite } from '../../storage/sqlite';
import type { SqliteStore } from '../../storage/sqlite';
import { ADMIN_TOKEN, tempDbPath } from '../helpers/app';
import { IDS, seedSmallOrg } from '../helpers/fixtures';
import { pollUntil } from '../helpers/wait';
import { recordingAdapter } from '../rules/helpers';
import { startSubscriber, type Subscriber } from './subscriber';

const SECRET = 'whsec_test_0123456789abcdef';

let db: ReturnType<typeof tempDbPath>;
let store: SqliteStore;
const clock = fixedClock('2026-11-27T02:00:00Z');
const subscribers: Subscriber[] = [];

beforeEach(async () => {
  db = tempDbPath();
  store = openSqlite(db.path);
  clock.set('2026-11-27T02:00:00Z');
  await seedSmallOrg(store);
});
afterEach(async () => {
  for (const s of subscribers.splice(0)) await s.close();
  store.close();
  db.cleanup();
});

function server(env: Record<string, string> = { WEBHOOK_ALLOW_PRIVATE: '1' }) {
  const chat = recordingAdapter('lark');
  const pending: Promise<unknown>[] = [];
  const polaris = createPolaris({
    store,
    config: loadConfig({ ADMIN_TOKEN, ...env }),
    clock,
    adapters: [chat.adapter],
    defer: (p) => {
      pending.push(p);
    },
    deliverImmediately: false,
  });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await polaris.app.request(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  };
  return {
    ...polaris,
    chat,
    api,
    async settle() {
      while (pending.length) await pending.shift();
    },
    async checkIn(value: number) {
      const res = await api('POST', `/key-results/${IDS.aliceKr1}/check-ins`, { value });
      expect(res.status).toBe(201);
    },
    async subscribe(url: string, events = ['checkin.created']) {
      const res = await api('POST', '/webhooks', { url, events, secret: SECRET });
      expect(res.status).toBe(201);
      return res.body.id as string;
    },
  };
}

async function subscriber(mode: 'up' | 'down' | 'hang' = 'up') {
  const s = await startSubscriber(mode);
  subscribers.push(s);
  return s;
}

const values = (s: Subscriber) => s.received.map((r) => JSON.parse(r.body).data.check_in.value);

describe('the subscriptions API refuses bad input and changes nothing', () => {
  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['not a URL', { url: 'not a url' }, /not an absolute URL/],
    ['another scheme', { url: 'ftp://hooks.example.com/x' }, /must use https/],
    ['plain http', { url: 'http://hooks.example.com/x' }, /must use https/],
    ['loopback', { url: 'https://127.0.0.1/x' }, /loopback/],
    ['loopback in decimal', { url: 'https://2130706433/x' }, /loopback/],
    ['localhost', { url: 'https://localhost:8443/x' }, /loopback/],
    ['cloud metadata', { url: 'https://169.254.169.254/latest/meta-data' }, /link-local/],
    ['a private network', { url: 'https://10.1.2.3/hook' }, /private/],
    ['IPv6 loopback', { url: 'https://[::1]/hook' }, /loopback/],
    ['IPv4-mapped IPv6', { url: 'https://[::ffff:192.168.0.1]/hook' }, /private/],
    ['credentials in the URL', { url: 'https://user:pw@hooks.example.com/x' }, /user name or password/],
    ['a fragment', { url: 'https://hooks.example.com/x#frag' }, /fragment/],
    ['a URL too long', { url: `https://hooks.example.com/${'a'.repeat(2100)}` }, /longer than 2048/],
    ['an unknown event', { events: ['checkin.deleted'] }, /invalid/],
    ['no events', { events: [] }, /invalid/],
    ['a repeated event', { events: ['rule.fired', 'rule.fired'] }, /invalid/],
    ['a short secret', { secret: 'short' }, /invalid/],
    ['a secret with spaces', { secret: 'has spaces in it 0123456' }, /invalid/],
    ['an unknown field', { extra: 1 }, /invalid/],
  ];
  it.each(refused)('refuses %s', async (_what, change, message) => {
    const s = server({});
    const body = { url: 'https://hooks.example.com/polaris', events: ['checkin.created'], secret: SECRET, ...change };
    const res = await s.api('POST', '/webhooks', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
    expect(`${res.body.error.message} ${JSON.stringify(res.body.error.details)}`).toMatch(message);
    expect(await store.db.select().from(webhookSubscriptions)).toHaveLength(0);
    expect(await store.db.select().from(auditLog).where(eq(auditLog.action, 'webhook.create'))).toHaveLength(0);
  });

  it('refuses malformed JSON, and a PATCH to a refused URL leaves the subscription as it was', async () => {
    const s = server({});
    expect((await s.api('POST', '/webhooks', '{"url":')).status).toBe(400);
    const id = await s.subscribe('https://hooks.example.com/polaris');
    const res = await s.api('PATCH', `/webhooks/${id}`, { url: 'https://192.168.1.1/x' });
    expect(res.status).toBe(400);
    expect((await s.api('GET', `/webhooks/${id}`)).body.url).toBe('https://hooks.example.com/polaris');
    expect((await s.api('PATCH', `/webhooks/${id}`, {})).status).toBe(400);
    expect((await s.api('GET', '/webhooks/whs_nope')).status).toBe(404);
  });

  it('intranet hosts and http only with WEBHOOK_ALLOW_PRIVATE=1; the secret is never shown', async () => {
    const s = server();
    const id = await s.subscribe('http://127.0.0.1:9/hook');
    const one = await s.api('GET', `/webhooks/${id}`);
    const list = await s.api('GET', '/webhooks');
    expect(JSON.stringify([one.body, list.body])).not.toContain(SECRET);
    expect(one.body).toMatchObject({ url: 'http://127.0.0.1:9/hook', events: ['checkin.created'], status: 'active' });
    const [audit] = await store.db.select().from(auditLog).where(eq(auditLog.action, 'webhook.create'));
    expect(JSON.stringify(audit.data)).not.toContain(SECRET);
  });
});

describe('delivery', () => {
  it('keeps each subscriber in order: nothing newer goes out while an older delivery waits', async () => {
    const s = server();
    const sub = await subscriber('down');
    await s.subscribe(sub.url);
    for (const v of [41, 42, 43]) await s.checkIn(v);
    await s.services.webhooks.drain();
    // Only the oldest was tried; the two behind it wait for it.
    expect(sub.attempts).toBe(1);
    sub.set('up');
    clock.advance(3_000);
    await s.services.webhooks.drain();
    expect(values(sub)).toEqual([41, 42, 43]);
  });

  it('a hanging subscriber does not hold back another subscriber', async () => {
    const s = server();
    const stuck = await subscriber('hang');
    const healthy = await subscriber('up');
    await s.subscribe(stuck.url);
    await s.subscribe(healthy.url);
    await s.checkIn(44);
    const first = s.services.webhooks.drain();
    await pollUntil(() => healthy.received.length === 1 && stuck.hanging.length === 1, 'the healthy delivery');
    // A new event while the other subscriber still hangs is delivered at the next drain.
    await s.checkIn(45);
    void s.services.webhooks.drain();
    await pollUntil(() => healthy.received.length === 2, 'the second delivery');
    expect(values(healthy)).toEqual([44, 45]);
    expect(stuck.hanging).toHaveLength(1);
    expect(stuck.received).toHaveLength(0);
    // Once it answers, its own deliveries follow in order.
    stuck.set('up');
    for (const res of stuck.hanging) res.writeHead(204).end();
    await first;
    expect(values(stuck)).toEqual([45]);
  });

  it('keeps the order across processes: a second deliverer sends nothing newer while the first is mid-request', async () => {
    const s = server();
    const stuck = await subscriber('hang');
    await s.subscribe(stuck.url);
    await s.checkIn(52);
    await s.checkIn(53);
    const first = new WebhookDeliverer({ store, clock, adapters: new Map() });
    const second = new WebhookDeliverer({ store, clock, adapters: new Map() });
    const running = first.drain();
    await pollUntil(() => stuck.hanging.length === 1, 'the first request');
    expect(await second.drain()).toMatchObject({ sent: 0, retried: 0 });
    expect(stuck.attempts).toBe(1);
    stuck.set('up');
    for (const res of stuck.hanging) res.writeHead(204).end();
    await running;
    expect(values(stuck)).toEqual([53]);
  });

  it('a subscriber that does not answer in time counts as a failed attempt, retried later', async () => {
    const s = server();
    const stuck = await subscriber('hang');
    const id = await s.subscribe(stuck.url);
    await s.checkIn(46);
    const deliverer = new WebhookDeliverer({ store, clock, adapters: new Map(), timeoutMs: 150 });
    expect(await deliverer.drain()).toMatchObject({ retried: 1, sent: 0 });
    const log = await s.api('GET', `/webhooks/${id}/deliveries`);
    expect(log.body.items[0]).toMatchObject({ status: 'pending', attempts: 1, last_error: 'no answer within 0.15 s' });
  });

  it('pauses a subscriber after 10 failed attempts in a row, tells the admin, keeps events, and resumes in order', async () => {
    const s = server();
    const sub = await subscriber('down');
    const id = await s.subscribe(sub.url);
    await s.checkIn(47);
    for (let i = 0; i < 10; i++) {
      await s.services.webhooks.drain();
      clock.advance(11 * 60_000);
    }
    expect(sub.attempts).toBe(10);
    const paused = await s.api('GET', `/webhooks/${id}`);
    expect(paused.body).toMatchObject({ status: 'paused', consecutive_failures: 10 });
    expect(paused.body.paused_reason).toContain('HTTP 503');
    // The org's admin (李总, zh-CN) is told in Chinese, once, through the chat outbox.
    await s.services.outbox.drain();
    const notices = s.chat.sent.filter((m) => m.to === 'ou_ceo');
    expect(notices).toHaveLength(1);
    expect(notices[0].text).toContain('外发 Webhook 已暂停');
    expect(notices[0].text).toContain(sub.url);
    expect(notices[0].text).not.toMatch(/paused|failed/);
    expect(await store.db.select().from(auditLog).where(eq(auditLog.action, 'webhook.paused'))).toHaveLength(1);
    // While paused: nothing is tried, new events are kept.
    await s.checkIn(48);
    clock.advance(60 * 60_000);
    await s.services.webhooks.drain();
    expect(sub.attempts).toBe(10);
    const held = await s.api('GET', `/webhooks/${id}/deliveries`);
    expect(held.body.items.map((d: { status: string }) => d.status)).toEqual(['held', 'held']);
    // Fixed and resumed: both go out, oldest first.
    sub.set('up');
    const resumed = await s.api('PATCH', `/webhooks/${id}`, { status: 'active' });
    expect(resumed.body).toMatchObject({ status: 'active', consecutive_failures: 0, paused_at: null });
    await s.settle();
    expect(values(sub)).toEqual([47, 48]);
    expect(await store.db.select().from(auditLog).where(eq(auditLog.action, 'webhook.resume'))).toHaveLength(1);
  });

  it('deleting a subscription gives up its undelivered events visibly and stops new ones', async () => {
    const s = server();
    const sub = await subscriber('down');
    const id = await s.subscribe(sub.url);
    await s.checkIn(49);
    expect((await s.api('DELETE', `/webhooks/${id}`)).status).toBe(204);
    const rows = await store.db.select().from(outbox).where(eq(outbox.platform, 'webhook'));
    expect(rows).toMatchObject([{ status: 'failed', lastError: 'the subscription was deleted' }]);
    await s.checkIn(50);
    expect(await store.db.select().from(outbox).where(eq(outbox.platform, 'webhook'))).toHaveLength(1);
    expect((await s.api('GET', `/webhooks/${id}`)).status).toBe(404);
  });

  it('sends only the events a subscriber asked for, and nothing for another org', async () => {
    const s = server();
    const checkins = await subscriber('up');
    const rules = await subscriber('up');
    await s.subscribe(checkins.url, ['checkin.created']);
    await s.subscribe(rules.url, ['rule.fired']);
    await s.checkIn(51);
    await s.services.webhooks.drain();
    expect(values(checkins)).toEqual([51]);
    expect(rules.received).toHaveLength(0);
    const rows = await store.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.platform, 'webhook'), eq(outbox.orgId, IDS.org)));
    expect(rows).toHaveLength(1);
  });
});
