// Messages that end as failed are visible and can be sent again: the admin API,
// `npx polaris outbox`, and a daily card to the org's admins.
import { eq, like } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeliveryError, type PlatformAdapter, type SentRef } from '../../bots/types';
import { runDueJobs } from '../../src/jobs';
import { createPolaris } from '../../src/app';
import { main as cli } from '../../src/cli';
import { fixedClock } from '../../core/clock';
import { loadConfig } from '../../src/config';
import { outboxStatements } from '../../src/outbox/enqueue';
import { newId } from '../../storage/ids';
import { identities, organizations, outbox, people } from '../../storage/schema';
import { openSqlite } from '../../storage/sqlite';
import { tempDbPath } from '../helpers/app';

const TOKEN = 'failed-messages-admin-token-0123456789';

function harness() {
  const db = tempDbPath();
  const store = openSqlite(db.path);
  // 10:00 in Shanghai: the daily notice's slot.
  const clock = fixedClock('2026-11-27T02:00:00Z');
  const unreachable = new Set(['ou_ghost']);
  const adapter: PlatformAdapter = {
    platform: 'lark',
    webhookPaths: [''],
    inlineCardUpdates: true,
    limits: { perSecond: 100_000 },
    handleWebhook: async () => new Response(null),
    async send(to): Promise<SentRef> {
      if (unreachable.has(to.id))
        throw new DeliveryError('Lark error 230013: Bot has NO availability to this user.', false, undefined, 230013);
      return { platform: 'lark', messageId: `om_${to.id}_${Math.random()}` };
    },
    async update() {},
  };
  const pending: Promise<unknown>[] = [];
  const { app, services } = createPolaris({
    store,
    clock,
    config: loadConfig({ ADMIN_TOKEN: TOKEN, TZ_DEFAULT: 'Asia/Shanghai', DATABASE_PATH: db.path }),
    adapters: [adapter],
    defer: (p) => void pending.push(p),
  });
  const api = (method: string, path: string) =>
    app.request(path, { method, headers: { Authorization: `Bearer ${TOKEN}`, 'X-Polaris-Org': 'acme' } });
  return {
    store,
    clock,
    services,
    unreachable,
    api,
    path: db.path,
    settle: async () => {
      while (pending.length) await pending.shift();
    },
    close() {
      store.close();
      db.cleanup();
    },
  };
}

let h: ReturnType<typeof harness>;
afterEach(() => h?.close());

async function seed() {
  const orgId = newId('org');
  await h.store.db.insert(organizations).values({ id: orgId, name: 'Acme', slug: 'acme' });
  const person = async (name: string, role: 'admin' | 'member', locale: 'zh-CN' | 'en') => {
    const id = newId('p');
    await h.store.db.insert(people).values({ id, orgId, externalId: name, name, role, locale });
    await h.store.db.insert(identities).values({ orgId, personId: id, platform: 'lark', platformUserId: `ou_${name}` });
  };
  await person('wang', 'admin', 'zh-CN');
  await person('alice', 'admin', 'en');
  await person('ghost', 'member', 'zh-CN');
  await h.store.atomic(
    outboxStatements(
      h.store,
      [
        { operation: 'send', orgId, to: { platform: 'lark', kind: 'user', id: 'ou_ghost' }, message: { text: '你好' } },
        { operation: 'send', orgId, to: { platform: 'lark', kind: 'user', id: 'ou_wang' }, message: { text: '你好' } },
      ],
      h.clock.now(),
    ),
  );
  await h.services.outbox.drain();
  return orgId;
}

describe('failed outbox messages', () => {
  it('are listed with their reason and can be sent again through the API', async () => {
    h = harness();
    await seed();
    const list = await h.api('GET', '/api/v1/outbox?status=failed');
    expect(list.status).toBe(200);
    const body = (await list.json()) as { items: Record<string, unknown>[]; next_cursor: string | null };
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({
      platform: 'lark',
      to: { kind: 'user', id: 'ou_ghost' },
      status: 'failed',
      attempts: 1,
      reason: 'Lark error 230013: Bot has NO availability to this user.',
      failed_at: h.clock.now().toISOString(),
    });
    const id = body.items[0].id as string;
    const sent = (await (await h.api('GET', '/api/v1/outbox?status=sent')).json()) as { items: unknown[] };
    expect(sent.items).toHaveLength(1);
    const bad = await h.api('GET', '/api/v1/outbox?status=lost');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('failed, pending, sent');

    // The admin fixed the cause (the person is now in the app's availability) and sends it again.
    h.unreachable.clear();
    const retried = await h.api('POST', `/api/v1/outbox/${id}/retry`);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ id, status: 'pending', attempts: 0, failed_at: null });
    await h.settle();
    const [row] = await h.store.db.select().from(outbox).where(eq(outbox.id, id));
    expect(row).toMatchObject({ status: 'sent', lastError: null });

    const again = await h.api('POST', `/api/v1/outbox/${id}/retry`);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toContain('is sent, not failed');
    expect((await h.api('POST', '/api/v1/outbox/ob_nope/retry')).status).toBe(404);
  });

  it('are listed and sent again from the command line', async () => {
    h = harness();
    await seed();
    const [failed] = await h.store.db.select().from(outbox).where(eq(outbox.status, 'failed'));
    const env = { DATABASE_PATH: h.path };
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await cli(['outbox', 'list'], env)).toBe(0);
      expect(out.join('\n')).toContain(failed.id);
      expect(out.join('\n')).toContain('230013');
      expect(await cli(['outbox', 'retry', failed.id], env)).toBe(0);
      expect(await cli(['outbox', 'retry', failed.id], env)).toBe(1);
      expect(await cli(['outbox', 'list', '--status', 'nope'], env)).toBe(1);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
    const [row] = await h.store.db.select().from(outbox).where(eq(outbox.id, failed.id));
    expect(row).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it("are reported to the org's admins once a day, in each admin's language", async () => {
    h = harness();
    await seed();
    await runDueJobs(h.services, h.clock.now(), { jobNames: ['outbox-failures'] });
    const notices = await h.store.db.select().from(outbox).where(like(outbox.subject, 'outbox-failures:%'));
    const titles = Object.fromEntries(
      notices.map((n) => [
        (n.target as { id: string }).id,
        (n.payload as { card: { header: { title: string } } }).card.header.title,
      ]),
    );
    expect(titles).toEqual({ ou_wang: '未能送达的消息：1 条', ou_alice: 'Undelivered messages: 1' });
    const zh = JSON.stringify(notices.find((n) => (n.target as { id: string }).id === 'ou_wang')?.payload);
    expect(zh).toContain('飞书：过去 24 小时 1 条，待处理共 1 条');
    expect(zh).not.toMatch(/\b(Lark|messages|Undelivered)\b/);

    // Later the same day: no second notice.
    h.clock.advance(3 * 3_600_000);
    await runDueJobs(h.services, h.clock.now(), { jobNames: ['outbox-failures'] });
    expect(await h.store.db.select().from(outbox).where(like(outbox.subject, 'outbox-failures:%'))).toHaveLength(2);

    // The next day, with no new failure: nothing.
    h.clock.advance(21 * 3_600_000);
    await runDueJobs(h.services, h.clock.now(), { jobNames: ['outbox-failures'] });
    expect(await h.store.db.select().from(outbox).where(like(outbox.subject, 'outbox-failures:%'))).toHaveLength(2);
  });
});
