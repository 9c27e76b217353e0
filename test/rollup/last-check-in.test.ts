// people.last_check_in_at (migration 0019) stands in for "has a check-in since" in GET /stats: after
// every step of a random history of check-ins (out of time order, by nobody, by leavers), KR
// deletions that cascade to their check-ins, and check-ins moved between authors or times, it equals
// the newest check-in each person authored, and the stats' check-in count equals the per-person
// EXISTS it replaced. The migration also fills the column for check-ins written before it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECK_IN_WINDOW_DAYS, windowStart } from '../../core/okr';
import { loadStats } from '../../storage/repos/stats';
import { MIGRATIONS_DIR, openSqlite, type SqliteStore } from '../../storage/sqlite';
import { tempDbPath } from '../helpers/app';
import { prng } from '../helpers/prng';

const NOW = new Date('2026-11-27T02:00:00Z');
const PEOPLE = 8;

const dirs: { cleanup(): void }[] = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

function seed(db: Database.Database) {
  db.prepare(`INSERT INTO organizations (id, name, slug, settings) VALUES ('org', 'Org', 'org', '{}')`).run();
  db.prepare(
    `INSERT INTO cycles (id, org_id, name, starts_on, ends_on, status) VALUES ('c1', 'org', 'c1', '2026-10-01', '2026-12-31', 'active')`,
  ).run();
  for (let p = 0; p < PEOPLE; p++)
    db.prepare(`INSERT INTO people (id, org_id, external_id, name, status) VALUES (?, 'org', ?, ?, ?)`).run(
      `p${p}`,
      `e${p}`,
      `P${p}`,
      p === PEOPLE - 1 ? 'inactive' : 'active',
    );
  db.prepare(
    `INSERT INTO objectives (id, org_id, cycle_id, title, owner_type, owner_person_id, status) VALUES ('o1', 'org', 'c1', 'o', 'person', 'p0', 'active')`,
  ).run();
}

let serial = 0;
const addKr = (db: Database.Database) => {
  const id = `k${serial++}`;
  db.prepare(
    `INSERT INTO key_results (id, org_id, objective_id, cycle_id, title, kind, start_value, target_value, current_value)
     VALUES (?, 'org', 'o1', 'c1', 'kr', 'number', 0, 10, 0)`,
  ).run(id);
  return id;
};
const addCheckIn = (db: Database.Database, kr: string, author: string | null, at: Date) =>
  db
    .prepare(
      `INSERT INTO check_ins (id, org_id, key_result_id, author_id, value, source, created_at) VALUES (?, 'org', ?, ?, 1, 'chat', ?)`,
    )
    .run(`ci${serial++}`, kr, author, at.toISOString());

function expectConsistent(db: Database.Database) {
  const rows = db
    .prepare(
      `SELECT p.id, p.last_check_in_at AS stored, (SELECT max(created_at) FROM check_ins c WHERE c.author_id = p.id) AS newest FROM people p`,
    )
    .all() as { id: string; stored: string | null; newest: string | null }[];
  for (const r of rows) expect(r.stored, r.id).toBe(r.newest);
}

describe('people.last_check_in_at', () => {
  it('equals each person’s newest check-in after every step of random histories, and GET /stats counts from it', async () => {
    for (let s = 1; s <= 12; s++) {
      const r = prng(s);
      const file = tempDbPath();
      dirs.push(file);
      const store: SqliteStore = openSqlite(file.path);
      const db = store.sqlite;
      seed(db);
      const krs = [addKr(db), addKr(db)];
      for (let step = 0; step < 60; step++) {
        const roll = r.next();
        if (roll < 0.6) {
          // Out of time order: anywhere in the last 20 days, sometimes by nobody (a metric sync).
          const author = r.next() < 0.15 ? null : `p${r.int(PEOPLE)}`;
          addCheckIn(db, krs[r.int(krs.length)], author, new Date(NOW.getTime() - r.int(20 * 86_400) * 1000));
        } else if (roll < 0.7) {
          // A KR deleted: its check-ins go with it (ON DELETE CASCADE), and so may a person's newest.
          db.prepare(`DELETE FROM key_results WHERE id = ?`).run(krs.splice(r.int(krs.length), 1)[0] ?? 'none');
          if (!krs.length) krs.push(addKr(db));
        } else if (roll < 0.8) {
          krs.push(addKr(db));
        } else {
          // A check-in moved to another author or another time.
          const ids = db.prepare(`SELECT id FROM check_ins ORDER BY id`).all() as { id: string }[];
          const one = ids[r.int(ids.length)];
          if (one)
            db.prepare(`UPDATE check_ins SET author_id = ?, created_at = ? WHERE id = ?`).run(
              `p${r.int(PEOPLE)}`,
              new Date(NOW.getTime() - r.int(20 * 86_400) * 1000).toISOString(),
              one.id,
            );
        }
        expectConsistent(db);
      }
      const since = windowStart(NOW, CHECK_IN_WINDOW_DAYS);
      const { n: exists } = db
        .prepare(
          `SELECT count(*) AS n FROM people p WHERE p.org_id = 'org' AND p.status = 'active'
           AND EXISTS (SELECT 1 FROM check_ins c WHERE c.author_id = p.id AND c.created_at >= ?)`,
        )
        .get(since) as { n: number };
      const stats = await loadStats(store, {
        orgId: 'org',
        cycle: { id: 'c1', startsOn: '2026-10-01', endsOn: '2026-12-31' },
        now: NOW,
        timeZone: 'Asia/Shanghai',
      });
      expect(stats.peopleCheckedIn, `seed ${s}`).toBe(exists);
      store.close();
    }
  });

  it('is filled by the migration for check-ins written before it', () => {
    // The migrations up to 0018 (the column, empty), some history, then the rest (0019 fills it).
    const dir = mkdtempSync(join(tmpdir(), 'polaris-migrations-'));
    dirs.push({ cleanup: () => rmSync(dir, { recursive: true, force: true }) });
    const folder = join(dir, 'migrations');
    cpSync(MIGRATIONS_DIR, folder, { recursive: true });
    const journalPath = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
    const upTo = journal.entries.findIndex((e) => e.tag.startsWith('0019_'));
    expect(upTo).toBeGreaterThan(0);
    writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));
    const sqlite = new Database(join(dir, 'polaris.db'));
    try {
      migrate(drizzle(sqlite), { migrationsFolder: folder });
      seed(sqlite);
      const kr = addKr(sqlite);
      addCheckIn(sqlite, kr, 'p1', new Date('2026-11-20T00:00:00Z'));
      addCheckIn(sqlite, kr, 'p1', new Date('2026-11-25T00:00:00Z'));
      addCheckIn(sqlite, kr, 'p2', new Date('2026-11-01T00:00:00Z'));
      expect(sqlite.prepare(`SELECT count(*) AS n FROM people WHERE last_check_in_at IS NOT NULL`).get()).toEqual({
        n: 0,
      });
      migrate(drizzle(sqlite), { migrationsFolder: MIGRATIONS_DIR });
      expectConsistent(sqlite);
      expect(sqlite.prepare(`SELECT last_check_in_at AS at FROM people WHERE id = 'p1'`).get()).toEqual({
        at: '2026-11-25T00:00:00.000Z',
      });
    } finally {
      sqlite.close();
    }
  });
});
