// The roll-up must read KRs from key_results_rollup, where the generated progress column is
// stored (schema.ts): another index would make SQLite read every row and evaluate the progress
// formula per KR again, the cost that index exists to avoid (npm run bench:rollup).
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../sqlite';
import { tempDbPath } from '../../test/helpers/app';
import { loadRollup } from './tree';

const tmp = tempDbPath();
const store = openSqlite(tmp.path);
afterAll(() => {
  store.close();
  tmp.cleanup();
});

describe('loadRollup query plan', () => {
  it("reads the cycle's KRs from the covering index key_results_rollup", async () => {
    const db = store.sqlite;
    db.prepare(`INSERT INTO organizations (id, name, slug) VALUES ('o', 'O', 'o')`).run();
    db.prepare(
      `INSERT INTO cycles (id, org_id, name, starts_on, ends_on) VALUES ('c', 'o', 'Q', '2026-10-01', '2026-12-31')`,
    ).run();
    db.prepare(
      `INSERT INTO objectives (id, org_id, cycle_id, title, owner_type) VALUES ('obj', 'o', 'c', 'T', 'company')`,
    ).run();
    db.prepare(
      `INSERT INTO key_results (id, org_id, objective_id, cycle_id, title, target_value, current_value) VALUES ('k', 'o', 'obj', 'c', 't', 100, 40)`,
    ).run();

    // Record what loadRollup runs, then ask SQLite how it runs the roll-up statement.
    const ran: { source: string; params: unknown[] }[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((source: string) => {
      const statement = prepare(source);
      const all = statement.all.bind(statement);
      statement.all = ((...params: unknown[]) => {
        ran.push({ source, params });
        return all(...params);
      }) as typeof statement.all;
      return statement;
    }) as typeof db.prepare;
    const q = {
      orgId: 'o',
      cycle: { id: 'c', startsOn: '2026-10-01', endsOn: '2026-12-31' },
      now: new Date('2026-11-15T00:00:00Z'),
    };
    const r = await loadRollup(store, q, { krStatus: true });
    db.prepare = prepare;

    expect(r.scoreTenths[4]).toBe(1); // the one objective, at 40%
    const main = ran.find((s) => s.source.includes('WITH obj AS'));
    expect(main).toBeDefined();
    const plan = (prepare(`EXPLAIN QUERY PLAN ${main!.source}`).all(...main!.params) as { detail: string }[]).map(
      (p) => p.detail,
    );
    expect(plan).toContain('SEARCH k USING INDEX key_results_rollup (cycle_id=?)');
    expect(plan).toContain(
      'SEARCH k USING COVERING INDEX key_results_rollup (cycle_id=? AND objective_id=? AND status=?)',
    ); // objectives without KRs
  });
});
