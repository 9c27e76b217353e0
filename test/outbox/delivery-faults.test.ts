// The outbox against platforms that misbehave, over real HTTP: the emulators answer
// server errors, rate limits or nothing at all on command (bots/common/emulator/faults.ts),
// on the test's clock. Nothing may be lost, nothing sent twice, and one platform's
// trouble may not hold back another's messages.
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createLarkAdapter } from '../../bots/lark';
import { createLarkEmulator, serveLarkEmulator, type LarkEmulator } from '../../bots/lark/emulator';
import type { Address, PlatformAdapter } from '../../bots/types';
import { createWecomAdapter } from '../../bots/wecom';
import { createWecomEmulator, serveWecomEmulator } from '../../bots/wecom/emulator';
import { createPolaris } from '../../src/app';
import { fixedClock } from '../../core/clock';
import { loadConfig } from '../../src/config';
import { OutboxDeliverer } from '../../src/outbox/deliver';
import { outboxStatements, type OutboundItem } from '../../src/outbox/enqueue';
import { outbox } from '../../storage/schema';
import { openSqlite, type SqliteStore } from '../../storage/sqlite';
import { tempDbPath } from '../helpers/app';
import { LARK, WECOM } from '../helpers/e2e';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function openStore(path: string): SqliteStore {
  const store = openSqlite(path);
  cleanups.push(() => store.close());
  return store;
}

function newDb() {
  const db = tempDbPath();
  cleanups.push(db.cleanup);
  return db.path;
}

async function larkOnHttp(clock: { now(): Date }, callTimeoutMs?: number) {
  const emulator = createLarkEmulator({ ...LARK, now: () => clock.now() });
  const served = await serveLarkEmulator(emulator, 0);
  cleanups.push(async () => {
    emulator.clearFault();
    await served.close();
  });
  const adapter = createLarkAdapter({ ...LARK, domain: served.url }, { now: () => clock.now(), callTimeoutMs });
  return { emulator, adapter };
}

const larkText = (i: number): OutboundItem => ({
  operation: 'send',
  to: { platform: 'lark', kind: 'user', id: `ou_person${i % 12}` },
  message: { text: `message ${i}` },
});

/** Drives the outbox as the Node server does (a drain every second) until nothing is pending. */
async function deliverAll(
  deliverer: OutboxDeliverer,
  store: SqliteStore,
  clock: ReturnType<typeof fixedClock>,
  maxSeconds: number,
) {
  const start = clock.now().getTime();
  for (;;) {
    await deliverer.drain();
    const pending = await store.db
      .select({ next: outbox.nextAttemptAt })
      .from(outbox)
      .where(eq(outbox.status, 'pending'));
    if (!pending.length || clock.now().getTime() - start > maxSeconds * 1000) return;
    // Nothing happens between ticks until the next row falls due: skip to that tick.
    const next = Math.min(...pending.map((p) => new Date(p.next).getTime()));
    clock.advance(Math.max(1000, Math.ceil((next - clock.now().getTime()) / 1000) * 1000));
  }
}

/** Every Lark message the emulator holds, by uuid: one per outbox row, none twice. */
function delivered(emulator: LarkEmulator) {
  const uuids = [...emulator.messages.values()].map((m) => m.uuid);
  return { count: uuids.length, distinct: new Set(uuids).size };
}

// The first Lark call loads the official SDK, which takes seconds on a busy machine.
describe('outbox delivery through platform outages', { timeout: 90_000 }, () => {
  it('loses nothing through 140 s of Lark server errors (retries back off and outlast the outage)', async () => {
    const clock = fixedClock('2026-11-27T02:00:00Z');
    const { emulator, adapter } = await larkOnHttp(clock);
    const store = openStore(newDb());
    const deliverer = new OutboxDeliverer({ store, adapters: new Map([['lark', adapter]]), clock });
    emulator.fault({ mode: 'server_error', untilMs: clock.now().getTime() + 140_000 });
    await store.atomic(
      outboxStatements(
        store,
        Array.from({ length: 60 }, (_, i) => larkText(i)),
        clock.now(),
      ),
    );
    await deliverAll(deliverer, store, clock, 3600);

    const rows = await store.db.select().from(outbox);
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
    expect(delivered(emulator)).toEqual({ count: 60, distinct: 60 });
    expect(emulator.faultAnswers).toBeGreaterThan(0);
    // The outage was outlasted by retrying, not by luck: some rows needed several attempts
    // (the old policy gave up after 8 attempts spread over about two minutes).
    expect(Math.max(...rows.map((r) => r.attempts))).toBeGreaterThanOrEqual(8);
    expect(rows.every((r) => r.firstErrorAt === null && r.lastError === null)).toBe(true);
  });

  it('loses nothing through 20 s of rate limiting, which never counts as a failed attempt and pauses all sending', async () => {
    const clock = fixedClock('2026-11-27T02:00:00Z');
    const { emulator, adapter } = await larkOnHttp(clock);
    const store = openStore(newDb());
    const deliverer = new OutboxDeliverer({ store, adapters: new Map([['lark', adapter]]), clock });
    emulator.fault({ mode: 'rate_limit', untilMs: clock.now().getTime() + 20_000, resetSeconds: 1 });
    await store.atomic(
      outboxStatements(
        store,
        Array.from({ length: 70 }, (_, i) => larkText(i)),
        clock.now(),
      ),
    );
    await deliverAll(deliverer, store, clock, 600);

    const rows = await store.db.select().from(outbox);
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
    expect(delivered(emulator)).toEqual({ count: 70, distinct: 70 });
    // Only the successful send counted as an attempt.
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    // The whole app slowed down: far fewer rate-limited calls than messages (each one paused every sender).
    expect(emulator.faultAnswers).toBeGreaterThan(0);
    expect(emulator.faultAnswers).toBeLessThan(40);
  });

  it('fails at once only what the platform documents as permanent, with the reason', async () => {
    const clock = fixedClock('2026-11-27T02:00:00Z');
    const { adapter } = await larkOnHttp(clock);
    const store = openStore(newDb());
    const deliverer = new OutboxDeliverer({ store, adapters: new Map([['lark', adapter]]), clock });
    await store.atomic(
      outboxStatements(
        store,
        [
          // Over Lark's 150 KB message limit: 230025, documented as a fault of the request.
          {
            operation: 'send',
            to: { platform: 'lark', kind: 'user', id: 'ou_a' },
            message: { text: 'x'.repeat(160_000) },
          },
          { operation: 'send', to: { platform: 'lark', kind: 'user', id: 'ou_b' }, message: { text: 'fine' } },
        ],
        clock.now(),
      ),
    );
    await deliverer.drain();
    const rows = await store.db.select().from(outbox).orderBy(outbox.createdAt, outbox.id);
    expect(rows.map((r) => r.status)).toEqual(['failed', 'sent']);
    expect(rows[0].attempts).toBe(1);
    expect(rows[0].lastError).toMatch(/^Lark error 230025/);
    expect(rows[0].failedAt).toBe(clock.now().toISOString());
  });
});

describe('outbox rate limits across restarts and processes', () => {
  it('keeps the app-wide per-minute cap through three restarts during a fan-out', async () => {
    const clock = fixedClock('2026-11-27T02:00:00Z');
    const path = newDb();
    const sentAt: number[] = [];
    const adapter: PlatformAdapter = {
      platform: 'lark',
      webhookPaths: [''],
      inlineCardUpdates: true,
      limits: { perSecond: 20, appWindows: [{ count: 50, windowMs: 60_000 }] },
      handleWebhook: async () => new Response(null),
      async send(to: Address) {
        sentAt.push(clock.now().getTime());
        return { platform: 'lark', messageId: `m_${to.id}_${sentAt.length}` };
      },
      async update() {},
    };
    const config = loadConfig({ ADMIN_TOKEN: 'delivery-faults-admin-token-0123456789' });
    const first = openStore(path);
    await first.atomic(
      outboxStatements(
        first,
        Array.from({ length: 150 }, (_, i) => larkText(i)),
        clock.now(),
      ),
    );
    // Four lives of the server on one database file, each started a few seconds after the last.
    for (let life = 0; life < 4; life++) {
      const store = life === 0 ? first : openStore(path);
      const { services } = createPolaris({ store, config, clock, adapters: [adapter], defer: () => {} });
      await services.outbox.drain();
      clock.advance(5_000);
    }
    // The windows held: never more than 50 in any minute (the margin makes it a little stricter).
    for (const t of sentAt) expect(sentAt.filter((s) => s >= t && s < t + 60_000).length).toBeLessThanOrEqual(50);
    expect(sentAt.length).toBe(50);

    // And two processes draining at once share the windows too; everything still goes out once.
    const a = createPolaris({ store: openStore(path), config, clock, adapters: [adapter], defer: () => {} });
    const b = createPolaris({ store: openStore(path), config, clock, adapters: [adapter], defer: () => {} });
    for (let i = 0; i < 400 && sentAt.length < 150; i++) {
      await Promise.all([a.services.outbox.drain(), b.services.outbox.drain()]);
      clock.advance(1_000);
    }
    expect(sentAt.length).toBe(150);
    for (const t of sentAt) expect(sentAt.filter((s) => s >= t && s < t + 60_000).length).toBeLessThanOrEqual(50);
  });
});

describe('a hung platform', { timeout: 90_000 }, () => {
  it('delays only its own messages, each by at most the call timeout plus backoff', async () => {
    const clock = fixedClock('2026-11-27T02:00:00Z');
    const { emulator: lark, adapter: larkAdapter } = await larkOnHttp(clock, 2000);
    const wecom = createWecomEmulator({ ...WECOM, now: () => clock.now() });
    const servedWecom = await serveWecomEmulator(wecom, 0);
    cleanups.push(async () => {
      wecom.clearFault();
      await servedWecom.close();
    });
    const wecomAdapter = createWecomAdapter(
      { ...WECOM, apiBase: servedWecom.url },
      { now: () => clock.now(), callTimeoutMs: 2000 },
    );
    const store = openStore(newDb());
    const deliverer = new OutboxDeliverer({
      store,
      adapters: new Map([
        ['lark', larkAdapter],
        ['wecom', wecomAdapter],
      ]),
      clock,
    });
    // A running server has the Lark SDK loaded already (loading it blocks the loop for seconds).
    for (let i = 0; i < 10; i++) {
      const warm = { platform: 'lark', kind: 'user', id: 'ou_warm' } as const;
      if (await larkAdapter.send(warm, { text: 'up' }, { idempotencyKey: `w${i}` }).catch(() => undefined)) break;
    }
    lark.messages.clear();
    lark.fault({ mode: 'hang' });
    // Lark's messages come first and to more recipients than a drain serves at once.
    await store.atomic(
      outboxStatements(
        store,
        Array.from({ length: 24 }, (_, i) => larkText(i)),
        clock.now(),
      ),
    );
    clock.advance(1);
    await store.atomic(
      outboxStatements(
        store,
        Array.from({ length: 5 }, (_, i) => ({
          operation: 'send' as const,
          to: { platform: 'wecom' as const, kind: 'user' as const, id: `wecom_user_${i}` },
          message: { text: `hello ${i}` },
        })),
        clock.now(),
      ),
    );
    let larkDone = false;
    const run = deliverer.drain().finally(() => {
      larkDone = true;
    });
    // WeCom's messages go out while Lark's calls are still hanging.
    for (let i = 0; i < 500 && wecom.messages.size < 5; i++) await new Promise((r) => setTimeout(r, 10));
    expect(wecom.messages.size).toBe(5);
    expect(larkDone).toBe(false);
    await run;
    expect(lark.faultAnswers).toBeGreaterThan(0);

    // Each Lark call was abandoned after its timeout, as a transient failure to retry.
    const larkRows = await store.db.select().from(outbox).where(eq(outbox.platform, 'lark'));
    const tried = larkRows.filter((r) => r.attempts > 0);
    expect(tried.length).toBeGreaterThan(0);
    for (const r of tried) expect(r).toMatchObject({ status: 'pending', lastError: 'Lark call timed out' });
    // The rest of the slice was left alone rather than each waiting for its own timeout.
    expect(larkRows.filter((r) => r.attempts === 0).length).toBeGreaterThan(0);

    lark.clearFault();
    await deliverAll(deliverer, store, clock, 600);
    expect(delivered(lark)).toEqual({ count: 24, distinct: 24 });
  });
});
