import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tempStores } from '../test/helpers/app';
import type { Store } from './db';
import { inJsonList, preparedQuery, preparedSql, preparedWrite, valueSlot } from './prepared';
import { auditLog, outbox, platformTenants } from './schema';

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

const insertAudit = preparedWrite<{
  id: string;
  action: string;
  data: Record<string, unknown> | null;
  orgId: string | null;
}>((db, value) =>
  db.insert(auditLog).values({
    id: value('id'),
    orgId: value('orgId'),
    actorType: 'system',
    action: value('action'),
    data: value('data'),
    createdAt: '2026-11-28T00:00:00.000Z',
  }),
);

describe('prepared writes', () => {
  const rows = (s: ReturnType<typeof store>) =>
    s.sqlite.prepare('SELECT id, org_id, action, data, typeof(data) AS kind FROM audit_log ORDER BY id').all();
  const writes = [
    { id: 'a1', action: 'one', data: { n: 1, text: '进度' }, orgId: null },
    { id: 'a2', action: 'two', data: null, orgId: null },
    { id: 'a3', action: 'three', data: {}, orgId: null },
  ];

  it('write on SQLite exactly the rows their builder writes with the values filled in (as on D1)', async () => {
    const prepared = store();
    const built = store();
    // The builder path, which a D1 store takes: the same definition with the values in place.
    const asD1 = { ...built, kind: 'd1' } as unknown as Store;
    for (const w of writes) {
      await prepared.atomic([insertAudit(prepared, w)]);
      await built.atomic([insertAudit(asD1, w)]);
    }
    expect(rows(prepared)).toEqual(rows(built));
    // null stays SQL NULL (Drizzle's placeholder filling alone would store the JSON text 'null').
    expect(rows(prepared)).toContainEqual({ id: 'a2', org_id: null, action: 'two', data: null, kind: 'null' });
    expect(rows(prepared)).toContainEqual({
      id: 'a1',
      org_id: null,
      action: 'one',
      data: '{"n":1,"text":"进度"}',
      kind: 'text',
    });
  });

  it('are prepared once per database and roll back with their batch', async () => {
    const s = store();
    await s.atomic([insertAudit(s, writes[0])]);
    const failing = s.atomic([insertAudit(s, writes[1]), insertAudit(s, writes[0])]);
    await expect(failing).rejects.toThrow(/UNIQUE|PRIMARY KEY/);
    expect(rows(s).map((r) => (r as { id: string }).id)).toEqual(['a1']);
  });
});
