import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../seed/prng';
import { sql } from 'drizzle-orm';
import { openSqlite } from '../sqlite';
import { tempDbPath } from '../../test/helpers/app';
import { krProgressSql, trackStatusSql } from './progress-sql';
import { krProgress } from '../../core/okr/progress';
import { trackStatus } from '../../core/okr/status';
import type { KrValues } from '../../core/okr/types';

const tmp = tempDbPath();
const store = openSqlite(tmp.path);
afterAll(() => {
  store.close();
  tmp.cleanup();
});

function randomKrs(n: number, seed = 7) {
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const kinds: KrValues['kind'][] = ['number', 'percent', 'currency', 'boolean', 'milestone'];
  const out: (KrValues & { id: string; confidence: number | null; checked: boolean })[] = [];
  for (let i = 0; i < n; i++) {
    const kind = kinds[i % kinds.length];
    const start = pick([0, 10, 50, -20, 3.5, Math.round(rand() * 1000)]);
    const shape = i % 7;
    const target =
      shape === 0 ? start : shape < 4 ? start + Math.round(rand() * 200) + 0.25 : start - Math.round(rand() * 200) - 1;
    const current = pick([
      start,
      target,
      start + (target - start) * rand() * 1.6,
      target + 30,
      start - 30,
      Math.round(rand() * 10),
      rand(),
    ]);
    out.push({
      id: `kr${i}`,
      kind,
      startValue: start,
      targetValue: kind === 'milestone' ? pick([0, 1, 3, 4, 7]) : target,
      currentValue: current,
      direction: pick(['up', 'down']),
      confidence: pick([null, 0, 3, 4, 6, 7, 10]),
      checked: rand() < 0.6,
    });
  }
  return out;
}

describe('progress SQL agrees with krProgress / trackStatus', () => {
  const krs = randomKrs(600);
  it('for hundreds of random KRs of every kind, direction, zero width and overshoot', async () => {
    const db = store.sqlite;
    db.prepare(`INSERT INTO organizations (id, name, slug) VALUES ('o', 'O', 'o')`).run();
    db.prepare(
      `INSERT INTO cycles (id, org_id, name, starts_on, ends_on) VALUES ('c', 'o', 'Q', '2026-10-01', '2026-12-31')`,
    ).run();
    db.prepare(
      `INSERT INTO objectives (id, org_id, cycle_id, title, owner_type) VALUES ('obj', 'o', 'c', 'T', 'company')`,
    ).run();
    const ins =
      db.prepare(`INSERT INTO key_results (id, org_id, objective_id, cycle_id, title, kind, start_value, target_value, current_value, direction, confidence, last_check_in_at)
      VALUES (?, 'o', 'obj', 'c', 't', ?, ?, ?, ?, ?, ?, ?)`);
    db.transaction(() => {
      for (const k of krs)
        ins.run(
          k.id,
          k.kind,
          k.startValue,
          k.targetValue,
          k.currentValue,
          k.direction,
          k.confidence,
          k.checked ? '2026-11-01T00:00:00Z' : null,
        );
    })();

    for (const expected of [0, 0.05, 0.3, 0.62, 1]) {
      const p = krProgressSql('k');
      const rows =
        (await store.db.all(sql`SELECT id, p, g, ${trackStatusSql(sql.raw('p'), expected, sql.raw('confidence'), sql.raw('checked'))} AS status FROM (
        SELECT k.id AS id, ${p} AS p, k.progress AS g, k.confidence AS confidence, k.last_check_in_at IS NOT NULL AS checked FROM key_results k LIMIT -1)`)) as {
          id: string;
          p: number;
          g: number;
          status: string;
        }[];
      expect(rows).toHaveLength(krs.length);
      const byId = new Map(krs.map((k) => [k.id, k]));
      let overshoots = 0;
      let zeroWidth = 0;
      for (const row of rows) {
        const k = byId.get(row.id)!;
        const js = krProgress(k);
        if (js.overshoot) overshoots++;
        if (k.kind !== 'milestone' && k.kind !== 'boolean' && k.startValue === k.targetValue) zeroWidth++;
        expect(row.p, `${row.id} ${JSON.stringify(k)}`).toBe(js.progress);
        expect(row.g, `generated column, ${row.id}`).toBe(js.progress);
        expect(row.status, row.id).toBe(
          trackStatus({ progress: js.progress, expected, confidence: k.confidence, hasCheckIn: k.checked }),
        );
      }
      expect(overshoots).toBeGreaterThan(20);
      expect(zeroWidth).toBeGreaterThan(20);
    }
  });

  it('keeps the generated progress in key_results_rollup up to date on writes', async () => {
    const db = store.sqlite;
    const fromIndex = () =>
      db
        .prepare(`SELECT progress FROM key_results INDEXED BY key_results_rollup
      WHERE cycle_id = 'c' AND objective_id = 'obj' AND status = 'active' AND org_id = 'o' AND progress_mode = 'manual' AND weight = 1 AND id = 'w1'`)
        .get() as { progress: number } | undefined;
    db.prepare(`INSERT INTO key_results (id, org_id, objective_id, cycle_id, title, start_value, target_value, current_value)
      VALUES ('w1', 'o', 'obj', 'c', 't', 0, 200, 50)`).run();
    expect(fromIndex()?.progress).toBe(0.25);
    db.prepare(`UPDATE key_results SET current_value = 150 WHERE id = 'w1'`).run();
    expect(fromIndex()?.progress).toBe(0.75);
    db.prepare(`UPDATE key_results SET target_value = 100 WHERE id = 'w1'`).run();
    expect(fromIndex()?.progress).toBe(1);
    expect(() => db.prepare(`UPDATE key_results SET progress = 0 WHERE id = 'w1'`).run()).toThrow(/generated column/);
  });
});
