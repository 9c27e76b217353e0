import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DeliveryError,
  type Address,
  type OutboundMessage,
  type PlatformAdapter,
  type SentRef,
} from '../../bots/types';
import { outbox } from '../../storage/schema';
import { openSqlite, type SqliteStore } from '../../storage/sqlite';
import { tempDbPath } from '../../test/helpers/app';
import { fixedClock } from '../../core/clock';
import { dueRowsQuery, OutboxDeliverer } from './deliver';
import { outboxStatements, prepareOutbound, type OutboundItem } from './enqueue';

/** A recording adapter whose behaviour each test scripts. */
function recordingAdapter(
  behaviour: (to: Address | SentRef, message: OutboundMessage, call: number) => void = () => {},
) {
  const calls: { op: 'send' | 'update'; to: Address | SentRef; message: OutboundMessage; key: string }[] = [];
  const adapter: PlatformAdapter = {
    platform: 'lark',
    webhookPaths: [''],
    inlineCardUpdates: true,
    limits: { perSecond: 100_000 },
    async handleWebhook() {
      return new Response(null);
    },
    async send(to, message, { idempotencyKey }) {
      calls.push({ op: 'send', to, message, key: idempotencyKey });
      behaviour(to, message, calls.length);
      return { platform: 'lark', messageId: `m_${calls.length}` };
    },
    async update(ref, message, { idempotencyKey }) {
      calls.push({ op: 'update', to: ref, message, key: idempotencyKey });
      behaviour(ref, message, calls.length);
    },
  };
  return { adapter, calls };
}

const to = (id: string): Address => ({ platform: 'lark', kind: 'user', id });
const send = (id: string, text: string): OutboundItem => ({ operation: 'send', to: to(id), message: { text } });

let store: SqliteStore;
let cleanup: () => void;
afterEach(() => {
  store?.close();
  cleanup?.();
});

function setup(adapter: PlatformAdapter, opts: Partial<ConstructorParameters<typeof OutboxDeliverer>[0]> = {}) {
  const db = tempDbPath();
  cleanup = db.cleanup;
  store = openSqlite(db.path);
  const clock = fixedClock('2026-11-27T02:00:00Z');
  const deliverer = new OutboxDeliverer({ store, adapters: new Map([['lark', adapter]]), clock, ...opts });
  return { clock, deliverer, path: db.path };
}

const rows = () => store.db.select().from(outbox).orderBy(outbox.createdAt, outbox.id);

describe('outbox delivery', () => {
  it('sends each stored message once, in order per recipient, with its row id as idempotency key', async () => {
    const { adapter, calls } = recordingAdapter();
    const { deliverer, clock } = setup(adapter);
    await store.atomic(
      outboxStatements(store, [send('u1', 'first'), send('u1', 'second'), send('u2', 'other')], clock.now()),
    );
    const report = await deliverer.drain();
    expect(report.sent).toBe(3);
    expect(calls.filter((c) => (c.to as Address).id === 'u1').map((c) => (c.message as { text: string }).text)).toEqual(
      ['first', 'second'],
    );
    const stored = await rows();
    expect(stored.every((r) => r.status === 'sent' && r.sentRef)).toBe(true);
    expect(calls.map((c) => c.key).sort()).toEqual(stored.map((r) => r.id).sort());
    expect((await deliverer.drain()).sent).toBe(0);
    expect(calls).toHaveLength(3);
  });

  it('fetches the access token before taking rate-limit slots, so sends do not bunch behind a cold fetch', async () => {
    const { adapter, calls } = recordingAdapter();
    const events: string[] = [];
    let slotsAtWarm = -1;
    Object.assign(adapter, { limits: { perSecond: 50 } });
    adapter.warm = async () => {
      events.push('warm');
      await new Promise((resolve) => setTimeout(resolve, 5)); // the token fetch
      slotsAtWarm = (store.sqlite.prepare('SELECT count(*) AS n FROM send_log').get() as { n: number }).n;
    };
    const send0 = adapter.send;
    adapter.send = async (...args) => {
      events.push('send');
      return send0(...args);
    };
    const { deliverer, clock } = setup(adapter);
    await store.atomic(outboxStatements(store, [send('u1', 'a'), send('u2', 'b'), send('u3', 'c')], clock.now()));
    expect((await deliverer.drain()).sent).toBe(3);
    expect(events[0]).toBe('warm');
    expect(slotsAtWarm).toBe(0);
    expect(calls).toHaveLength(3);
  });

  it('still sends when getting the token ahead fails (the send reports its own failure)', async () => {
    const { adapter, calls } = recordingAdapter();
    adapter.warm = async () => {
      throw new Error('token endpoint down');
    };
    const { deliverer, clock } = setup(adapter);
    await store.atomic(outboxStatements(store, [send('u1', 'a')], clock.now()));
    expect((await deliverer.drain()).sent).toBe(1);
    expect(calls).toHaveLength(1);
  });

  it('retries retryable failures with backoff and gives up on permanent ones', async () => {
    let flakyCalls = 0;
    const { adapter, calls } = recordingAdapter((_target, message) => {
      const text = (message as { text: string }).text;
      if (text === 'flaky' && ++flakyCalls === 1) throw new DeliveryError('rate limited (230020)', true, 5000, 230020);
      if (text === 'doomed') throw new DeliveryError('bad receive_id', false, undefined, 230001);
    });
    const { deliverer, clock } = setup(adapter);
    await store.atomic(outboxStatements(store, [send('u1', 'flaky'), send('u2', 'doomed')], clock.now()));
    const first = await deliverer.drain();
    expect(first).toMatchObject({ sent: 0, retried: 1, failed: 1 });
    let [flaky, doomed] = await rows();
    expect(flaky.status).toBe('pending');
    expect(new Date(flaky.nextAttemptAt).getTime() - clock.now().getTime()).toBe(5000);
    expect(doomed).toMatchObject({ status: 'failed', lastError: 'bad receive_id' });
    // Not due yet: nothing happens.
    expect((await deliverer.drain()).sent).toBe(0);
    clock.advance(5001);
    expect((await deliverer.drain()).sent).toBe(1);
    [flaky] = await rows();
    expect(flaky).toMatchObject({ status: 'sent', attempts: 2 });
    expect(calls.filter((c) => (c.message as { text: string }).text === 'flaky')).toHaveLength(2);
  });

  it('retries transient failures with capped backoff for the retry window, then fails with the reason', async () => {
    const { adapter, calls } = recordingAdapter(() => {
      throw new Error('socket hang up');
    });
    const { deliverer, clock } = setup(adapter, { retryWindowMs: 3 * 3_600_000 });
    await store.atomic(outboxStatements(store, [send('u1', 'x')], clock.now()));
    const gaps: number[] = [];
    for (let i = 0; i < 200; i++) {
      await deliverer.drain();
      const [row] = await rows();
      if (row.status !== 'pending') break;
      const gap = new Date(row.nextAttemptAt).getTime() - clock.now().getTime();
      gaps.push(gap);
      clock.advance(gap);
    }
    const [row] = await rows();
    expect(row.status).toBe('failed');
    expect(row.lastError).toBe('socket hang up (still failing after 3 h of retries)');
    expect(row.failedAt).toBe(clock.now().toISOString());
    // 1 s, 2 s, 4 s … (±20%), never more than 10 minutes (+20% jitter) apart, for the whole window.
    expect(gaps[0]).toBeLessThanOrEqual(1200);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(720_000);
    expect(Math.max(...gaps)).toBeGreaterThan(400_000);
    expect(gaps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3 * 3_600_000);
    expect(calls.length).toBe(gaps.length + 1);
  });

  it('never sends a row twice when two deliverers drain the same database at once', async () => {
    const { adapter, calls } = recordingAdapter();
    const { clock, path } = setup(adapter);
    const second = openSqlite(path);
    try {
      const a = new OutboxDeliverer({ store, adapters: new Map([['lark', adapter]]), clock });
      const b = new OutboxDeliverer({ store: second, adapters: new Map([['lark', adapter]]), clock });
      await store.atomic(
        outboxStatements(
          store,
          Array.from({ length: 40 }, (_, i) => send(`u${i % 7}`, `m${i}`)),
          clock.now(),
        ),
      );
      const [ra, rb] = await Promise.all([a.drain(), b.drain()]);
      expect(ra.sent + rb.sent).toBe(40);
      expect(new Set(calls.map((c) => c.key)).size).toBe(40);
      expect(calls).toHaveLength(40);
    } finally {
      second.close();
    }
  });

  it('delivers an update of an earlier row after that row is sent, using its platform reference', async () => {
    const { adapter, calls } = recordingAdapter();
    const { deliverer, clock } = setup(adapter);
    const original = prepareOutbound(store, send('u1', 'card v1'), clock.now());
    const update = prepareOutbound(
      store,
      { operation: 'update', ref: { platform: 'lark', outboxId: original.id }, message: { text: 'card v2' } },
      clock.now(),
    );
    await store.atomic([original.statement, update.statement]);
    await deliverer.drain();
    expect(calls.map((c) => c.op)).toEqual(['send', 'update']);
    expect(calls[1].to).toEqual({ platform: 'lark', messageId: 'm_1' });
  });

  it('holds messages back instead of exceeding a per-recipient limit', async () => {
    const { adapter, calls } = recordingAdapter();
    adapter.limits.perRecipient = { count: 2, windowMs: 60_000 };
    const { deliverer, clock } = setup(adapter);
    await store.atomic(
      outboxStatements(store, [send('u1', 'a'), send('u1', 'b'), send('u1', 'c'), send('u2', 'd')], clock.now()),
    );
    const report = await deliverer.drain();
    expect(report.sent).toBe(3);
    expect(calls.map((c) => (c.message as { text: string }).text).sort()).toEqual(['a', 'b', 'd']);
    const [c] = await store.db.select().from(outbox).where(eq(outbox.status, 'pending'));
    expect(c.attempts).toBe(0);
    expect(new Date(c.nextAttemptAt).getTime()).toBeGreaterThan(clock.now().getTime() + 50_000);
  });

  it('leaves a message whose platform this process has no adapter for pending, for one that has (the CLI enqueues for the server)', async () => {
    const { adapter } = recordingAdapter();
    const { deliverer, clock } = setup(adapter);
    await store.atomic(
      outboxStatements(
        store,
        [{ operation: 'send', to: { platform: 'wecom', kind: 'user', id: 'x' }, message: { text: 'hi' } }],
        clock.now(),
      ),
    );
    expect(await deliverer.drain()).toMatchObject({ sent: 0, failed: 0 });
    const [row] = await rows();
    expect(row).toMatchObject({ status: 'pending', attempts: 0, lastError: null });
    const wecom = recordingAdapter();
    const server = new OutboxDeliverer({
      store,
      adapters: new Map([['wecom', { ...wecom.adapter, platform: 'wecom' as const }]]),
      clock,
    });
    expect((await server.drain()).sent).toBe(1);
    expect(wecom.calls).toHaveLength(1);
  });

  it('takes due rows by an index walk, never sorting the backlog', async () => {
    const { adapter } = recordingAdapter();
    setup(adapter);
    const { sql: text, params } = dueRowsQuery(store, 'lark', '2026-11-27T02:00:00.000Z', 50).toSQL();
    const plan = store.sqlite
      .prepare(`EXPLAIN QUERY PLAN ${text}`)
      .all(...(params as unknown[]))
      .map((r) => (r as { detail: string }).detail)
      .join('\n');
    // outbox_platform_due holds pending rows only (a sent row leaves it): the query must say so literally.
    expect(plan).toMatch(/SEARCH outbox USING INDEX outbox_platform_due \(platform=\? AND next_attempt_at<\?\)/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });

  it('leaves a backlog alone while the app-wide window is full instead of rescheduling it to one moment', async () => {
    const { adapter, calls } = recordingAdapter();
    adapter.limits.appWindows = [{ count: 50, windowMs: 60_000 }];
    const { deliverer, clock } = setup(adapter);
    const created = clock.now().toISOString();
    await store.atomic(
      outboxStatements(
        store,
        Array.from({ length: 300 }, (_, i) => send(`u${i}`, `m${i}`)),
        clock.now(),
      ),
    );
    await deliverer.drain();
    expect(calls).toHaveLength(50);
    const pending = await store.db.select().from(outbox).where(eq(outbox.status, 'pending'));
    expect(pending).toHaveLength(250);
    // Untouched: still due from when they were stored, no attempt counted, nothing to re-sort later.
    expect(pending.every((r) => r.nextAttemptAt === created && r.attempts === 0 && r.lockedUntil === null)).toBe(true);
    // A minute later the next 50 go, oldest first.
    clock.advance(63_001);
    await deliverer.drain();
    expect(calls).toHaveLength(100);
    const texts = calls.slice(50).map((c) => Number((c.message as { text: string }).text.slice(1)));
    expect(texts.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 50));
  });

  it('builds no SQL once warm: every statement of a delivery is prepared once per database', async () => {
    const { adapter, calls } = recordingAdapter();
    const { deliverer, clock } = setup(adapter);
    await store.atomic(outboxStatements(store, [send('u0', 'warm')], clock.now()));
    expect((await deliverer.drain()).sent).toBe(1);
    await store.atomic(
      outboxStatements(
        store,
        Array.from({ length: 5 }, (_, i) => send(`u${i + 1}`, `m${i}`)),
        clock.now(),
      ),
    );
    // Drizzle turns a builder into SQL text through its dialect: count how often that happens now.
    const dialect = (store.db as unknown as { dialect: { sqlToQuery: (...args: unknown[]) => unknown } }).dialect;
    const sqlToQuery = dialect.sqlToQuery;
    let built = 0;
    dialect.sqlToQuery = (...args: unknown[]) => {
      built++;
      return sqlToQuery.apply(dialect, args);
    };
    try {
      clock.advance(1_000);
      expect((await deliverer.drain()).sent).toBe(5);
    } finally {
      dialect.sqlToQuery = sqlToQuery;
    }
    expect(calls).toHaveLength(6);
    expect(built).toBe(0);
  });
});
