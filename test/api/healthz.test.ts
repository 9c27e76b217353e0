// GET /healthz: database state, inbox and outbox backlog, the oldest pending
// message's age and failed counts, from indexed lookups only; counts and ages,
// nothing about orgs or messages; 503 once the database is unusable.
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { afterEach, describe, expect, it } from 'vitest';
import { healthQuery } from '../../src/health';
import { inbox, jobRuns, outbox } from '../../storage/schema';
import { createTestApp } from '../helpers/app';

const NOW = '2026-11-27T02:00:00.000Z';
const ago = (s: number) => new Date(Date.parse(NOW) - s * 1000).toISOString();

describe('GET /healthz', () => {
  let t: ReturnType<typeof createTestApp>;
  afterEach(() => t?.close());

  it('reports the database, backlogs, the oldest pending ages and failed counts', async () => {
    t = createTestApp({ now: NOW });
    const empty = await (await t.app.request('/healthz')).json();
    expect(empty).toMatchObject({
      ok: true,
      database: 'ok',
      inbox: { pending: 0, failed: 0, oldest_pending_age_s: null },
      outbox: { pending: 0, due: 0, failed: 0, oldest_pending_age_s: null },
      jobs: { running: 0, failed: 0 },
    });

    const event = { text: '张三的秘密备注' };
    await t.store.db.insert(inbox).values([
      { id: 'in_1', platform: 'lark', eventId: 'e1', event, receivedAt: ago(90) },
      { id: 'in_2', platform: 'lark', eventId: 'e2', event, receivedAt: ago(30) },
      { id: 'in_3', platform: 'lark', eventId: 'e3', event, receivedAt: ago(500), status: 'failed' },
    ]);
    const row = (id: string, extra: Partial<typeof outbox.$inferInsert>) => ({
      id,
      platform: 'lark' as const,
      operation: 'send' as const,
      target: { kind: 'user', id: 'ou_zhangsan' },
      payload: { text: '张三的秘密备注' },
      idempotencyKey: id,
      ...extra,
    });
    await t.store.db
      .insert(outbox)
      .values([
        row('ob_1', { createdAt: ago(120), nextAttemptAt: ago(120) }),
        row('ob_2', { createdAt: ago(60), nextAttemptAt: ago(-300), lastError: 'rate limit' }),
        row('ob_3', { createdAt: ago(10), nextAttemptAt: ago(10) }),
        row('ob_4', { createdAt: ago(900), status: 'failed', lastError: 'token=abc123 rejected' }),
        row('ob_5', { createdAt: ago(900), status: 'sent' }),
      ]);
    await t.store.db
      .insert(jobRuns)
      .values({ job: 'weekly-digest', orgId: 'org_x', period: '2026-W48', status: 'failed', startedAt: ago(3600) });

    const res = await t.app.request('/healthz');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      ok: true,
      database: 'ok',
      inbox: { pending: 2, failed: 1, oldest_pending_age_s: 90 },
      outbox: { pending: 3, due: 2, failed: 1, oldest_pending_age_s: 120 },
      jobs: { running: 0, failed: 1 },
    });
    // Counts only: no message content, recipients, errors or org ids.
    const text = JSON.stringify(body);
    for (const leak of ['张三', 'ou_zhangsan', 'abc123', 'org_x', 'rate limit']) expect(text).not.toContain(leak);
  });

  it('answers from index searches, never a table scan', () => {
    t = createTestApp({ now: NOW });
    const query = new SQLiteSyncDialect().sqlToQuery(healthQuery(NOW));
    const plan = t.store.sqlite.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as { detail: string }[];
    const details = plan.map((p) => p.detail);
    for (const table of ['inbox', 'outbox']) {
      expect(details.filter((d) => d.includes(` ${table} `) || d.endsWith(` ${table}`)).length).toBeGreaterThan(0);
      expect(details.filter((d) => d.startsWith(`SCAN ${table}`))).toEqual([]);
    }
    // The due count searches the pending-only index by channel and time, not every pending row.
    expect(details).toContain(
      'SEARCH outbox USING COVERING INDEX outbox_platform_due (platform=? AND next_attempt_at<?)',
    );
  });

  it('answers 503 when the database is unusable', async () => {
    t = createTestApp({ now: NOW });
    t.store.sqlite.close();
    const res = await t.app.request('/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ok: false, database: 'error' });
    t = { ...t, close: () => {} } as typeof t;
  });
});
