// The outbox's due and failed indexes hold only pending and only failed rows (storage/schema.ts):
// marking a reply sent deletes one entry instead of moving it, and the commit writes fewer index
// pages. SQLite's planner picks a partial index only when the query states the status as a constant,
// so every query that finds due or failed rows is checked here for the index it walks.
import { describe, expect, it } from 'vitest';
import { dueSubscribers } from '../../src/outbound-webhooks/deliver';
import { failureSummaryQuery } from '../../src/outbox/admin';
import { dueRowsQuery } from '../../src/outbox/deliver';
import { outboxRowValues } from '../../storage/outbox-rows';
import { outbox } from '../../storage/schema';
import type { SqliteStore } from '../../storage/sqlite';
import { tempStores } from '../helpers/app';

const store = tempStores();
const NOW = '2026-11-27T02:00:00.000Z';

function planOf(s: SqliteStore, query: { toSQL(): { sql: string; params: unknown[] } }): string {
  const { sql, params } = query.toSQL();
  return (s.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
    .map((r) => r.detail)
    .join('\n');
}

/** Entries in an index's b-tree (dbstat), whatever rows a query would find. */
const indexEntries = (s: SqliteStore, index: string) =>
  (
    s.sqlite
      .prepare(`SELECT coalesce(sum(ncell), 0) AS n FROM dbstat WHERE name = ? AND pagetype = 'leaf'`)
      .get(index) as {
      n: number;
    }
  ).n;

describe('partial outbox indexes', () => {
  it("find due rows, due webhook subscribers and an org's failures through them", () => {
    const s = store();
    expect(planOf(s, dueRowsQuery(s, 'lark', NOW, 50))).toContain(
      'SEARCH outbox USING INDEX outbox_platform_due (platform=? AND next_attempt_at<?)',
    );
    expect(planOf(s, dueSubscribers(s.db, NOW, 16))).toContain(
      'SEARCH outbox USING INDEX outbox_platform_due (platform=? AND next_attempt_at<?)',
    );
    expect(planOf(s, failureSummaryQuery(s, 'org_1', new Date(NOW)))).toMatch(
      /outbox USING (COVERING )?INDEX outbox_(failed|pending_age)/,
    );
    // The org's failed rows alone, from the index, grouped in its order (no walk of every org's).
    expect(planOf(s, failureSummaryQuery(s, 'org_1', new Date(NOW)))).toBe(
      'SEARCH outbox USING COVERING INDEX outbox_failed (org_id=?)',
    );
  });

  it('keep a sent row out of the due index and a failed one in the failed index only', async () => {
    const s = store();
    const row = (id: string) =>
      outboxRowValues({
        id,
        orgId: null,
        platform: 'lark',
        operation: 'send',
        target: { platform: 'lark', kind: 'user', id: 'ou_1' },
        payload: { text: 'hi' },
        subject: null,
        recipientKey: 'user:ou_1',
        now: new Date(NOW),
      });
    await s.db.insert(outbox).values([row('a'), row('b'), row('c')]);
    expect(indexEntries(s, 'outbox_platform_due')).toBe(3);
    expect(indexEntries(s, 'outbox_failed')).toBe(0);
    s.sqlite.exec(`UPDATE outbox SET status = 'sent', sent_at = '${NOW}' WHERE id = 'a'`);
    s.sqlite.exec(`UPDATE outbox SET status = 'failed', failed_at = '${NOW}' WHERE id = 'b'`);
    expect(indexEntries(s, 'outbox_platform_due')).toBe(1);
    expect(indexEntries(s, 'outbox_failed')).toBe(1);
    // Whole indexes still list every row; the partial ones list only the rows their queries want.
    expect(indexEntries(s, 'outbox_pending_age')).toBe(3);
  });
});
