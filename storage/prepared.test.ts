import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tempStores } from '../test/helpers/app';
import { inJsonList, preparedQuery, preparedSql, valueSlot } from './prepared';
import { outbox, platformTenants } from './schema';

const store = tempStores();

const tenantsIn = preparedQuery((db) =>
  db
    .select({ tenantKey: platformTenants.tenantKey })
    .from(platformTenants)
    .where(inJsonList(platformTenants.platform, 'platforms'))
    .orderBy(platformTenants.tenantKey)
    .prepare(),
);

describe('prepared queries', () => {
  it('are built once per database and answer from their own database', async () => {
    const a = store();
    const b = store();
    await a.sqlite.exec(`INSERT INTO organizations (id, name, slug) VALUES ('o', 'O', 'o')`);
    await b.sqlite.exec(`INSERT INTO organizations (id, name, slug) VALUES ('o', 'O', 'o')`);
    await a.db.insert(platformTenants).values([
      { platform: 'lark', tenantKey: 't1', orgId: 'o' },
      { platform: 'wecom', tenantKey: 't2', orgId: 'o' },
      { platform: 'dingtalk', tenantKey: 't3', orgId: 'o' },
    ]);
    expect(tenantsIn(a.db)).toBe(tenantsIn(a.db));
    expect(tenantsIn(a.db)).not.toBe(tenantsIn(b.db));
    // A list is bound as one JSON array, whatever its length.
    expect(await tenantsIn(a.db).all({ platforms: JSON.stringify(['lark', 'dingtalk']) })).toEqual([
      { tenantKey: 't1' },
      { tenantKey: 't3' },
    ]);
    expect(await tenantsIn(a.db).all({ platforms: '[]' })).toEqual([]);
    expect(await tenantsIn(b.db).all({ platforms: JSON.stringify(['lark']) })).toEqual([]);
  });

  it('fill a value slot through the column encoder (JSON columns stringified and read back)', async () => {
    const s = store();
    await s.sqlite.exec(
      `INSERT INTO outbox (id, platform, operation, target, payload, idempotency_key, status, attempts, next_attempt_at, created_at)
       VALUES ('ob1', 'lark', 'send', '{}', '{}', 'ob1', 'pending', 0, '2026-01-01', '2026-01-01')`,
    );
    const markSent = preparedQuery((db) =>
      db
        .update(outbox)
        .set({ status: 'sent', sentRef: valueSlot<Record<string, unknown>>('ref') })
        .where(eq(outbox.id, sql.placeholder('id')))
        .prepare(),
    );
    await markSent(s.db).run({ id: 'ob1', ref: { platform: 'lark', messageId: 'om_1' } });
    const [row] = await s.db.select().from(outbox);
    expect(row).toMatchObject({ status: 'sent', sentRef: { platform: 'lark', messageId: 'om_1' } });
  });

  it('prepare raw SQL with placeholders, used more than once in a statement', async () => {
    const s = store();
    const q = preparedSql<{ twice: number; sum: number }>(
      s.db,
      sql`SELECT ${sql.placeholder('n')} * 2 AS twice, ${sql.placeholder('n')} + ${sql.placeholder('m')} AS sum`,
    );
    expect(await q.all({ n: 4, m: 1 })).toEqual([{ twice: 8, sum: 5 }]);
    expect(await q.all({ n: 1, m: 1 })).toEqual([{ twice: 2, sum: 2 }]);
  });
});
