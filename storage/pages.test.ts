import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tempStores } from '../test/helpers/app';
import { readInPages } from './pages';
import { auditLog, organizations } from './schema';

const store = tempStores();

describe('readInPages', () => {
  const open = async () => {
    const s = store();
    await s.db.insert(organizations).values({ id: 'org_1', name: 'Acme', slug: 'acme' });
    return s;
  };

  it('reads every row once, in order, a page per statement, with a turn of the event loop between pages', async () => {
    const s = await open();
    // Seven rows, several at the same instant: the keyset must break ties by id.
    const at = ['2026-11-20', '2026-11-21', '2026-11-21', '2026-11-21', '2026-11-22', '2026-11-22', '2026-11-23'];
    await s.db.insert(auditLog).values(
      at.map((day, i) => ({
        id: `au_${String(7 - i).padStart(2, '0')}`,
        orgId: 'org_1',
        actorType: 'system' as const,
        action: 'test',
        entityType: 'test',
        createdAt: `${day}T00:00:00.000Z`,
      })),
    );
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const pages: number[] = [];
    const rows = await readInPages<typeof auditLog.$inferSelect>(async (last, limit) => {
      const page = await s.db
        .select()
        .from(auditLog)
        .where(
          and(
            eq(auditLog.orgId, 'org_1'),
            last ? sql`(${auditLog.createdAt}, ${auditLog.id}) > (${last.createdAt}, ${last.id})` : undefined,
          ),
        )
        .orderBy(asc(auditLog.createdAt), asc(auditLog.id))
        .limit(limit);
      pages.push(page.length);
      return page;
    }, 2);
    ticking = false;

    const expected = await s.db.select().from(auditLog).orderBy(asc(auditLog.createdAt), asc(auditLog.id));
    expect(rows).toEqual(expected);
    expect(pages).toEqual([2, 2, 2, 1]);
    // Three turns between four pages (the ticker may have had one more of its own).
    expect(turns).toBeGreaterThanOrEqual(3);
  });

  it('stops after a full last page with an empty one, and reads an empty table in one statement', async () => {
    const s = await open();
    const read = (limit: number) => {
      const pages: number[] = [];
      return {
        pages,
        rows: readInPages<typeof organizations.$inferSelect>(async (last, l) => {
          const page = await s.db
            .select()
            .from(organizations)
            .where(gt(organizations.id, last?.id ?? ''))
            .orderBy(asc(organizations.id))
            .limit(l);
          pages.push(page.length);
          return page;
        }, limit),
      };
    };
    const one = read(1);
    expect((await one.rows).map((o) => o.id)).toEqual(['org_1']);
    expect(one.pages).toEqual([1, 0]);
    await s.db.delete(organizations);
    const none = read(5);
    expect(await none.rows).toEqual([]);
    expect(none.pages).toEqual([0]);
  });
});
