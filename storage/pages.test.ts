import { and, asc, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tempStores } from '../test/helpers/app';
import { countTurns } from '../test/helpers/turns';
import type { Store } from './db';
import { readInPages } from './pages';
import { auditLog, organizations } from './schema';

const store = tempStores();

/** The org's audit rows in (created_at, id) order, `limit` per page, and the size of each page read. */
async function auditInPages(s: Store, limit: number) {
  const pages: number[] = [];
  const rows = await readInPages<typeof auditLog.$inferSelect>(async (last, l) => {
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
      .limit(l);
    pages.push(page.length);
    return page;
  }, limit);
  return { rows, pages };
}

describe('readInPages', () => {
  const open = async (days: string[]) => {
    const s = store();
    await s.db.insert(organizations).values({ id: 'org_1', name: 'Acme', slug: 'acme' });
    if (days.length)
      await s.db.insert(auditLog).values(
        days.map((day, i) => ({
          id: `au_${String(days.length - i).padStart(2, '0')}`,
          orgId: 'org_1',
          actorType: 'system' as const,
          action: 'test',
          createdAt: `${day}T00:00:00.000Z`,
        })),
      );
    return s;
  };

  it('reads every row once, in order, a page per statement, with a turn of the event loop between pages', async () => {
    // Several rows at the same instant: the pages must break ties by id.
    const s = await open([
      '2026-11-20',
      '2026-11-21',
      '2026-11-21',
      '2026-11-21',
      '2026-11-22',
      '2026-11-22',
      '2026-11-23',
    ]);
    const { result, turns } = await countTurns(() => auditInPages(s, 2));

    const expected = await s.db.select().from(auditLog).orderBy(asc(auditLog.createdAt), asc(auditLog.id));
    expect(result.rows).toEqual(expected);
    expect(result.pages).toEqual([2, 2, 2, 1]);
    // Three turns between four pages (the probe may have had one more of its own).
    expect(turns).toBeGreaterThanOrEqual(3);
  });

  it('ends a full last page with an empty one, and reads an empty table in one statement', async () => {
    const two = await auditInPages(await open(['2026-11-20', '2026-11-21']), 2);
    expect(two.rows).toHaveLength(2);
    expect(two.pages).toEqual([2, 0]);
    const none = await auditInPages(await open([]), 5);
    expect(none).toEqual({ rows: [], pages: [0] });
  });
});
