// openCycleKrs reads a large org's KRs in pages of owners with a loop turn between pages (issue 22
// item 3: one 15,000-row read held the webhook loop ~0.6 s), and the pages together are exactly the
// single ordered read it replaced.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { generateOrg } from '../../bench/generate';
import { openSqlite } from '../../storage/sqlite';
import { organizations } from '../../storage/schema';
import { eq } from 'drizzle-orm';
import { evaluationEnv } from '../../src/rules/engine';
import { openCycleKrs } from '../../src/rules/kr-alerts';
import { countTurns } from '../helpers/turns';

const dir = mkdtempSync(join(tmpdir(), 'polaris-open-krs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openCycleKrs', () => {
  it('yields between pages of owners, in the one order chat and alerts number KRs by', async () => {
    const path = join(dir, 'p.db');
    openSqlite(path).close();
    const raw = new Database(path);
    const { orgId } = generateOrg(raw, { people: 450, teams: 45 });
    // The order of the single read the pages replaced.
    const expected = raw
      .prepare(
        `SELECT k.id FROM key_results k JOIN objectives o ON o.id = k.objective_id JOIN cycles c ON c.id = k.cycle_id
         WHERE k.org_id = ? AND k.status = 'active' AND o.status = 'active' AND o.owner_type = 'person'
           AND o.owner_person_id IS NOT NULL AND c.status <> 'closed'
         ORDER BY o.owner_person_id, o.position, o.created_at, o.id, k.position, k.created_at, k.id`,
      )
      .all(orgId)
      .map((r) => (r as { id: string }).id);
    raw.close();
    const store = openSqlite(path);
    try {
      const [org] = await store.db.select().from(organizations).where(eq(organizations.id, orgId));
      const now = new Date('2026-11-27T02:00:00Z');
      const env = await evaluationEnv(
        { store, config: { defaultTimezone: 'Asia/Shanghai' }, adapters: new Map() },
        org,
        now,
      );
      // A spent budget at every pause: each page boundary gives the loop a turn.
      const { result: krs, turns } = await countTurns(() => openCycleKrs(env, env.timeZone, { budgetMs: 0 }));
      expect(krs.map((k) => k.kr.id)).toEqual(expected);
      expect(expected.length).toBeGreaterThan(2000);
      // 450 owners in pages of 100: at least 4 turns between the 5 pages (the old single read had none).
      expect(turns).toBeGreaterThanOrEqual(4);
    } finally {
      store.close();
    }
  });
});
