// Stored roll-ups (storage/repos/rollup-store.ts) on random histories: after every step of a random
// history — check-ins, adjustments, drops, weight changes, team moves, reorders, KR adds and deletes,
// re-alignments (cycles included), archiving, cycle moves, mode changes — the incrementally
// maintained rows and totals equal a full recompute exactly, and the totals equal the org
// roll-up computed in full by loadRollup (the code GET /stats ran before).
import { afterAll, describe, expect, it } from 'vitest';
import { sql, type SQL } from 'drizzle-orm';
import { expectedPace } from '../../core/okr';
import { loadRollup, loadTree } from '../../storage/repos/tree';
import {
  PASS_MAX,
  processDirty,
  readTotals,
  recomputeCycle,
  ensureRollups,
  repaceOrg,
} from '../../storage/repos/rollup-store';
import { openSqlite, type SqliteStore } from '../../storage/sqlite';
import { tempDbPath } from '../helpers/app';
import { prng } from '../helpers/prng';

const NOW = new Date('2026-11-27T02:00:00Z');
const CYCLES = [
  { id: 'c1', startsOn: '2026-10-01', endsOn: '2026-12-31' },
  { id: 'c2', startsOn: '2026-11-01', endsOn: '2027-01-31' },
];
const KINDS = ['number', 'percent', 'boolean', 'milestone', 'currency'] as const;

const dbs: { cleanup(): void }[] = [];
afterAll(() => {
  for (const d of dbs) d.cleanup();
});

function openStore(): SqliteStore {
  const db = tempDbPath();
  dbs.push(db);
  return openSqlite(db.path);
}

function seedOrg(s: SqliteStore, r: ReturnType<typeof prng>) {
  const q = s.sqlite;
  q.prepare(`INSERT INTO organizations (id, name, slug, settings) VALUES ('org', 'Org', 'org', '{}')`).run();
  for (const c of CYCLES)
    q.prepare(
      `INSERT INTO cycles (id, org_id, name, starts_on, ends_on, status) VALUES (?, 'org', ?, ?, ?, 'active')`,
    ).run(c.id, c.id, c.startsOn, c.endsOn);
  for (let t = 0; t < 4; t++)
    q.prepare(`INSERT INTO teams (id, org_id, name) VALUES (?, 'org', ?)`).run(`t${t}`, `T${t}`);
  for (let p = 0; p < 12; p++)
    q.prepare(`INSERT INTO people (id, org_id, external_id, name, team_id) VALUES (?, 'org', ?, ?, ?)`).run(
      `p${p}`,
      `e${p}`,
      `P${p}`,
      `t${r.int(4)}`,
    );
}

let serialNo = 0;
function addObjective(s: SqliteStore, r: ReturnType<typeof prng>) {
  const q = s.sqlite;
  const id = `o${String(serialNo++).padStart(3, '0')}`;
  const krs = q.prepare(`SELECT id FROM key_results`).all() as { id: string }[];
  const ownerType = r.pick(['company', 'team', 'person', 'person', 'person'] as const);
  const parent = krs.length && r.next() < 0.8 ? r.pick(krs).id : r.next() < 0.1 ? 'missing-kr' : null;
  q.prepare(
    `INSERT INTO objectives (id, org_id, cycle_id, title, owner_type, owner_person_id, owner_team_id, parent_kr_id, status)
     VALUES (?, 'org', ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    id,
    r.next() < 0.85 ? 'c1' : 'c2',
    id,
    ownerType,
    ownerType === 'person' ? `p${r.int(12)}` : null,
    ownerType === 'team' ? `t${r.int(4)}` : null,
    parent,
    r.next() < 0.9 ? 'active' : 'pending_approval',
  );
  const n = r.int(4);
  for (let i = 0; i < n; i++) addKr(s, r, id);
  return id;
}

function addKr(s: SqliteStore, r: ReturnType<typeof prng>, objectiveId: string) {
  const o = s.sqlite.prepare(`SELECT cycle_id AS c, owner_type AS t FROM objectives WHERE id = ?`).get(objectiveId) as {
    c: string;
    t: string;
  };
  const kind = r.pick(KINDS);
  const start = r.next() < 0.3 ? r.int(50) : 0;
  const target =
    kind === 'boolean' ? 1 : kind === 'milestone' ? 1 + r.int(6) : r.next() < 0.1 ? start : r.int(200) - 20;
  const mode = o.t !== 'person' && r.next() < 0.6 ? 'children' : 'manual';
  s.sqlite
    .prepare(
      `INSERT INTO key_results (id, org_id, objective_id, cycle_id, title, kind, start_value, target_value, current_value, direction, weight, progress_mode, confidence, last_check_in_at, position, status)
       VALUES (?, 'org', ?, ?, 'kr', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      `k${String(serialNo++).padStart(3, '0')}`,
      objectiveId,
      o.c,
      kind,
      start,
      target,
      r.next() * 150 - 10,
      r.next() < 0.2 ? 'down' : 'up',
      r.pick([1, 1, 2, 0.5, 0, -1, 3]),
      mode,
      r.next() < 0.5 ? r.int(11) : null,
      r.next() < 0.5 ? NOW.toISOString() : null,
      r.int(5),
      r.next() < 0.9 ? 'active' : 'dropped',
    );
}

/** One random write, straight to the tables as the app's write paths do it. */
function step(s: SqliteStore, r: ReturnType<typeof prng>): string {
  const q = s.sqlite;
  const krs = q.prepare(`SELECT id FROM key_results ORDER BY id`).all() as { id: string }[];
  const objs = q.prepare(`SELECT id FROM objectives ORDER BY id`).all() as { id: string }[];
  const kr = krs.length ? r.pick(krs).id : undefined;
  const o = objs.length ? r.pick(objs).id : undefined;
  const op = r.int(14);
  switch (op) {
    case 0:
    case 1:
    case 2:
      if (!kr) return 'none';
      q.prepare(
        `UPDATE key_results SET current_value = ?, confidence = coalesce(?, confidence), last_check_in_at = ? WHERE id = ?`,
      ).run(r.next() * 150 - 10, r.next() < 0.6 ? r.int(11) : null, NOW.toISOString(), kr);
      return 'check-in';
    case 3:
      if (!kr) return 'none';
      q.prepare(`UPDATE key_results SET target_value = ?, start_value = ? WHERE id = ?`).run(r.int(200), r.int(30), kr);
      return 'adjustment';
    case 4:
      if (!kr) return 'none';
      q.prepare(
        `UPDATE key_results SET status = CASE status WHEN 'active' THEN 'dropped' ELSE 'active' END WHERE id = ?`,
      ).run(kr);
      return 'drop/undrop';
    case 5:
      if (!kr) return 'none';
      q.prepare(`UPDATE key_results SET weight = ? WHERE id = ?`).run(r.pick([0, 1, 2, 5, -1, 0.25]), kr);
      return 'weight';
    case 6:
      q.prepare(`UPDATE people SET team_id = ? WHERE id = ?`).run(`t${r.int(4)}`, `p${r.int(12)}`);
      if (o) q.prepare(`UPDATE objectives SET position = ? WHERE id = ?`).run(r.int(5), o); // and a reorder
      return 'team move, reorder';
    case 7:
      if (!o) return 'none';
      addKr(s, r, o);
      return 'kr add';
    case 8:
      if (!kr) return 'none';
      q.prepare(`DELETE FROM check_ins WHERE key_result_id = ?`).run(kr);
      q.prepare(`DELETE FROM key_results WHERE id = ?`).run(kr);
      return 'kr delete';
    case 9:
      if (!o) return 'none';
      // Any KR, its own objective's included: cycles in the alignment graph are allowed data.
      q.prepare(`UPDATE objectives SET parent_kr_id = ? WHERE id = ?`).run(kr && r.next() < 0.85 ? kr : null, o);
      return 'realign';
    case 10:
      if (!o) return 'none';
      q.prepare(`UPDATE objectives SET status = ? WHERE id = ?`).run(
        r.pick(['active', 'archived', 'pending_approval']),
        o,
      );
      return 'objective status';
    case 11:
      if (!o) return 'none';
      {
        // Its KRs move with it, except now and then (bad data: such KRs count nowhere).
        const c = r.pick(['c1', 'c2']);
        q.prepare(`UPDATE objectives SET cycle_id = ? WHERE id = ?`).run(c, o);
        if (r.next() < 0.9) q.prepare(`UPDATE key_results SET cycle_id = ? WHERE objective_id = ?`).run(c, o);
      }
      return 'cycle move';
    case 12:
      if (!kr) return 'none';
      q.prepare(
        `UPDATE key_results SET progress_mode = CASE progress_mode WHEN 'children' THEN 'manual' ELSE 'children' END WHERE id = ?`,
      ).run(kr);
      return 'mode';
    default:
      if (r.next() < 0.7) {
        addObjective(s, r);
        return 'objective add';
      }
      if (!o) return 'none';
      q.prepare(`DELETE FROM check_ins WHERE key_result_id IN (SELECT id FROM key_results WHERE objective_id = ?)`).run(
        o,
      );
      q.prepare(`DELETE FROM key_results WHERE objective_id = ?`).run(o);
      q.prepare(
        `UPDATE objectives SET parent_kr_id = NULL WHERE parent_kr_id IN (SELECT id FROM key_results WHERE objective_id = ?)`,
      ).run(o);
      q.prepare(`DELETE FROM objectives WHERE id = ?`).run(o);
      return 'objective delete';
  }
}

function snapshot(s: SqliteStore) {
  return {
    rows: s.sqlite.prepare(`SELECT * FROM objective_rollups ORDER BY objective_id`).all(),
    totals: s.sqlite.prepare(`SELECT org_id, cycle_id, expected, totals FROM rollup_totals ORDER BY cycle_id`).all(),
  };
}

describe('stored roll-ups on random histories', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`incremental equals a full recompute after every step (seed ${seed})`, async () => {
      const r = prng(seed);
      const s = openStore();
      seedOrg(s, r);
      for (let i = 0; i < 25; i++) addObjective(s, r);
      const expected = new Map(CYCLES.map((c) => [c.id, expectedPace(c, NOW, 'Asia/Shanghai')]));
      for (const c of CYCLES) await ensureRollups(s, 'org', c.id, expected.get(c.id)!, NOW);
      let legacyChecked = 0;
      for (let i = 0; i < 120; i++) {
        const what = step(s, r);
        await processDirty(s, NOW, 'org');
        const incremental = snapshot(s);
        expect(s.sqlite.prepare(`SELECT count(*) AS n FROM rollup_dirty`).get()).toEqual({ n: 0 });
        for (const c of CYCLES) await recomputeCycle(s, 'org', c.id, expected.get(c.id)!, NOW);
        const full = snapshot(s);
        expect(incremental, `seed ${seed}, step ${i} (${what})`).toEqual(full);

        // And the totals are what the full in-memory roll-up (loadRollup, the former GET /stats) gives.
        for (const c of CYCLES) {
          const legacy = await loadRollup(
            s,
            { orgId: 'org', cycle: c, now: NOW, timeZone: 'Asia/Shanghai' },
            { krStatus: true },
          );
          if (legacy.rolling.cyclesBroken) continue; // the two cut alignment cycles at different edges
          const t = (await readTotals(s, 'org', c.id))!.totals;
          expect(
            {
              objectives: t.objectives,
              eligible: t.eligible,
              aligned: t.aligned,
              objectiveStatus: t.objectiveStatus,
              scoreTenths: t.scoreTenths,
              keyResults: t.keyResults,
              krStatus: t.krStatus,
            },
            `seed ${seed}, step ${i} (${what}), cycle ${c.id}`,
          ).toEqual({
            objectives: legacy.objectives,
            eligible: legacy.alignment.eligible,
            aligned: legacy.alignment.aligned,
            objectiveStatus: legacy.objectiveStatus,
            scoreTenths: legacy.scoreTenths,
            keyResults: legacy.keyResults,
            krStatus: legacy.krStatus,
          });
          legacyChecked++;
          const crossCycle = s.sqlite
            .prepare(
              `SELECT count(*) AS n FROM key_results k JOIN objectives o ON o.id = k.objective_id WHERE k.cycle_id <> o.cycle_id`,
            )
            .get() as { n: number };
          // (The former tree read such KRs into a leaf objective's progress, its stats did not.)
          if (i % 10 === 0 && crossCycle.n === 0) {
            // The tree served from stored rows matches the one from the full roll-up.
            const q = { orgId: 'org', cycle: c, now: NOW, timeZone: 'Asia/Shanghai', depth: 4, maxNodes: 1000 };
            const stored = await loadTree(s, q);
            const full = await loadTree(s, q, legacy);
            const shape = (tree: Awaited<ReturnType<typeof loadTree>>) =>
              tree.nodes.map((n) => ({
                id: n.id,
                status: n.status,
                level: n.level,
                upstream: n.upstream,
                downstream: n.downstream,
                krs: n.keyResults.map((k) => [k.id, k.status, k.childObjectiveIds]),
              }));
            expect(shape(stored), `seed ${seed}, step ${i}, tree`).toEqual(shape(full));
            expect(stored.roots).toEqual(full.roots);
            expect(stored.total).toBe(full.total);
            stored.nodes.forEach((n, j) => {
              expect(n.progress).toBeCloseTo(full.nodes[j].progress, 12);
              n.keyResults.forEach((k, m) => {
                expect(k.progress).toBeCloseTo(full.nodes[j].keyResults[m].progress, 12);
              });
            });
          }
        }
      }
      expect(legacyChecked).toBeGreaterThan(0);
      s.close();
    });
  }

  it('keeps a cycle with no stored totals for its first read, and a new day rebuilds statuses', async () => {
    const r = prng(99);
    const s = openStore();
    seedOrg(s, r);
    for (let i = 0; i < 10; i++) addObjective(s, r);
    await processDirty(s, NOW, 'org');
    expect(await readTotals(s, 'org', 'c1')).toBeUndefined();
    const day1 = await ensureRollups(s, 'org', 'c1', 0.5, NOW);
    const day2 = await ensureRollups(s, 'org', 'c1', 0.9, NOW);
    expect((await readTotals(s, 'org', 'c1'))!.expected).toBe(0.9);
    expect(day2.objectives).toBe(day1.objectives);
    const rows = s.sqlite.prepare(`SELECT count(*) AS n FROM objective_rollups WHERE cycle_id = 'c1'`).get() as {
      n: number;
    };
    expect(rows.n).toBe(day1.objectives);
    expect(
      (
        s.sqlite.prepare(`SELECT count(*) AS n FROM objectives WHERE cycle_id = 'c1' AND status = 'active'`).get() as {
          n: number;
        }
      ).n,
    ).toBe(day1.objectives);
    void sql;
    s.close();
  });
  it('a cycle no dashboard has read keeps no rows and costs no pass, and its first read equals a full recompute', async () => {
    for (const seed of [7, 8]) {
      const r = prng(seed);
      const s = openStore();
      seedOrg(s, r);
      for (let i = 0; i < 25; i++) addObjective(s, r);
      const expected = new Map(CYCLES.map((c) => [c.id, expectedPace(c, NOW, 'Asia/Shanghai')]));
      await ensureRollups(s, 'org', 'c1', expected.get('c1')!, NOW); // c2 is never read until the end
      const c1 = () => ({
        rows: s.sqlite.prepare(`SELECT * FROM objective_rollups WHERE cycle_id = 'c1' ORDER BY objective_id`).all(),
        totals: s.sqlite.prepare(`SELECT * FROM rollup_totals WHERE cycle_id = 'c1'`).all(),
      });
      for (let i = 0; i < 60; i++) {
        const what = step(s, r);
        await processDirty(s, NOW, 'org');
        expect(s.sqlite.prepare(`SELECT count(*) AS n FROM rollup_dirty`).get()).toEqual({ n: 0 });
        expect(
          s.sqlite.prepare(`SELECT count(*) AS n FROM objective_rollups WHERE cycle_id <> 'c1'`).get(),
          `seed ${seed}, step ${i} (${what})`,
        ).toEqual({ n: 0 });
        expect(await readTotals(s, 'org', 'c2')).toBeUndefined();
        const incremental = c1();
        await recomputeCycle(s, 'org', 'c1', expected.get('c1')!, NOW);
        expect(incremental, `seed ${seed}, step ${i} (${what})`).toEqual(c1());
      }
      const first = await ensureRollups(s, 'org', 'c2', expected.get('c2')!, NOW);
      const rows = s.sqlite.prepare(`SELECT * FROM objective_rollups ORDER BY objective_id`).all();
      expect(await recomputeCycle(s, 'org', 'c2', expected.get('c2')!, NOW)).toEqual(first);
      expect(s.sqlite.prepare(`SELECT * FROM objective_rollups ORDER BY objective_id`).all()).toEqual(rows);
      s.close();
    }
  });

  it('queues only writes that change what the roll-up reads', async () => {
    const r = prng(11);
    const s = openStore();
    seedOrg(s, r);
    const o = addObjective(s, r);
    addKr(s, r, o);
    await processDirty(s, NOW, 'org');
    const queued = () => (s.sqlite.prepare(`SELECT count(*) AS n FROM rollup_dirty`).get() as { n: number }).n;
    const kr = (s.sqlite.prepare(`SELECT id FROM key_results WHERE objective_id = ? LIMIT 1`).get(o) as { id: string })
      .id;
    const run = (q: string, ...args: unknown[]) => s.sqlite.prepare(q).run(...args);
    run(
      `UPDATE key_results SET current_value = 12345, confidence = 5, last_check_in_at = ? WHERE id = ?`,
      NOW.toISOString(),
      kr,
    );
    expect(queued()).toBe(1);
    await processDirty(s, NOW, 'org');
    // The same check-in again, a later check-in time, a title, updated_at: nothing the roll-up reads.
    run(
      `UPDATE key_results SET current_value = 12345, confidence = 5, last_check_in_at = ?, title = 'x', updated_at = ? WHERE id = ?`,
      new Date(NOW.getTime() + 60_000).toISOString(),
      NOW.toISOString(),
      kr,
    );
    run(`UPDATE objectives SET title = 'y', position = position WHERE id = ?`, o);
    expect(queued()).toBe(0);
    // Each value the roll-up reads queues the objective.
    for (const set of [`confidence = 6`, `weight = weight + 1`, `position = position + 1`, `status = 'dropped'`]) {
      run(`UPDATE key_results SET ${set} WHERE id = ?`, kr);
      expect(queued(), set).toBe(1);
      await processDirty(s, NOW, 'org');
    }
    run(`UPDATE objectives SET position = position + 1 WHERE id = ?`, o);
    expect(queued()).toBe(1);
    s.close();
  });

  it("a check-in's pass rewrites values in place; a re-alignment moves the row through the upsert", async () => {
    const r = prng(14);
    const s = openStore();
    seedOrg(s, r);
    for (let i = 0; i < 25; i++) addObjective(s, r);
    const e = expectedPace(CYCLES[0], NOW, 'Asia/Shanghai');
    await ensureRollups(s, 'org', 'c1', e, NOW);
    // The objective_rollups writes a pass prepares (better-sqlite3 prepares each statement it runs).
    const writes = async () => {
      const seen: string[] = [];
      const prepare = s.sqlite.prepare.bind(s.sqlite);
      s.sqlite.prepare = ((source: string) => {
        if (/^(INSERT INTO|UPDATE) objective_rollups/.test(source.trim())) seen.push(source.trim().slice(0, 30));
        return prepare(source);
      }) as typeof s.sqlite.prepare;
      try {
        await processDirty(s, NOW, 'org');
      } finally {
        s.sqlite.prepare = prepare as typeof s.sqlite.prepare;
      }
      return seen.map((x) => (x.startsWith('UPDATE') ? 'values in place' : 'upsert'));
    };
    const { kr, o } = s.sqlite
      .prepare(
        `SELECT k.id AS kr, o.objective_id AS o FROM key_results k JOIN objective_rollups o ON o.objective_id = k.objective_id
         WHERE o.cycle_id = 'c1' AND k.status = 'active' AND k.progress_mode = 'manual' LIMIT 1`,
      )
      .get() as { kr: string; o: string };
    s.sqlite.prepare(`UPDATE key_results SET current_value = current_value + 3 WHERE id = ?`).run(kr);
    expect(await writes()).toEqual(['values in place']);
    // The in-place UPDATE finds each row by its key, not by reading the table.
    const plan = s.sqlite
      .prepare(
        `EXPLAIN QUERY PLAN UPDATE objective_rollups SET progress = j.value ->> 2 FROM json_each('[]') AS j
         WHERE objective_rollups.objective_id = j.value ->> 0`,
      )
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toMatch(
      /SEARCH objective_rollups USING (COVERING )?INDEX sqlite_autoindex_objective_rollups_1 \(objective_id=\?\)/,
    );
    // A new parent changes the row's place in the tree: its placement indexes must move with it.
    s.sqlite.prepare(`UPDATE objectives SET parent_kr_id = NULL, position = position + 1 WHERE id = ?`).run(o);
    expect(await writes()).toContain('upsert');
    const incremental = snapshot(s);
    await recomputeCycle(s, 'org', 'c1', e, NOW);
    expect(incremental).toEqual(snapshot(s));
    s.close();
  });

  it('processes a long queue in bounded passes that give the event loop a turn', async () => {
    const s = openStore();
    seedOrg(s, prng(12));
    const insert = s.sqlite.prepare(`INSERT INTO rollup_dirty (objective_id, org_id, n) VALUES (?, 'org', 1)`);
    for (let i = 0; i < PASS_MAX + 100; i++) insert.run(`gone${i}`); // deleted objectives: nothing stored
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    expect(await processDirty(s, NOW, 'org')).toBe(PASS_MAX + 100);
    expect(turned).toBe(true);
    expect(s.sqlite.prepare(`SELECT count(*) AS n FROM rollup_dirty`).get()).toEqual({ n: 0 });
    s.close();
  });

  it('a write made while a rebuild runs stays queued and is applied after it', async () => {
    const r = prng(13);
    const s = openStore();
    seedOrg(s, r);
    for (let i = 0; i < 25; i++) addObjective(s, r);
    const e = expectedPace(CYCLES[0], NOW, 'Asia/Shanghai');
    await ensureRollups(s, 'org', 'c1', e, NOW);
    const kr = s.sqlite
      .prepare(
        `SELECT k.id FROM key_results k JOIN objectives o ON o.id = k.objective_id
         WHERE o.cycle_id = 'c1' AND o.status = 'active' AND k.status = 'active' AND k.progress_mode = 'manual' LIMIT 1`,
      )
      .get() as { id: string };
    // The rebuild reads everything, then writes in chunks with a turn between: the write lands there.
    let finished = false;
    let during = false;
    setImmediate(() => {
      during = !finished;
      s.sqlite
        .prepare(`UPDATE key_results SET current_value = current_value + 7, confidence = 2 WHERE id = ?`)
        .run(kr.id);
    });
    await recomputeCycle(s, 'org', 'c1', e, NOW);
    finished = true;
    expect(during).toBe(true);
    expect(s.sqlite.prepare(`SELECT count(*) AS n FROM rollup_dirty`).get()).toEqual({ n: 1 });
    await processDirty(s, NOW, 'org');
    const incremental = snapshot(s);
    await recomputeCycle(s, 'org', 'c1', e, NOW);
    expect(incremental).toEqual(snapshot(s));
    s.close();
  });

  it('an objective archived or moved after the rebuild listed it is left to the queue, and the result equals a full recompute', async () => {
    const r = prng(17);
    const s = openStore();
    seedOrg(s, r);
    for (let i = 0; i < 40; i++) addObjective(s, r);
    for (const c of CYCLES) await ensureRollups(s, 'org', c.id, expectedPace(c, NOW, 'Asia/Shanghai'), NOW);
    const e = expectedPace(CYCLES[0], NOW, 'Asia/Shanghai');
    const [archived, moved] = (
      s.sqlite.prepare(`SELECT id FROM objectives WHERE cycle_id = 'c1' AND status = 'active' ORDER BY id`).all() as {
        id: string;
      }[]
    ).map((o) => o.id);
    // The rebuild lists the cycle's ids (its second read, after the queued marks), then reads them a
    // slice at a time: the writes land between the list and the slice.
    let reads = 0;
    const afterRead = () => {
      if (++reads !== 2) return;
      s.sqlite.prepare(`UPDATE objectives SET status = 'archived' WHERE id = ?`).run(archived);
      s.sqlite.prepare(`UPDATE objectives SET cycle_id = 'c2' WHERE id = ?`).run(moved);
    };
    const racing = Object.assign(Object.create(s), {
      rows<T>(query: SQL): T[] {
        const out = s.rows!<T>(query);
        afterRead();
        return out;
      },
      column<T>(query: SQL): T[] {
        const out = s.column!<T>(query);
        afterRead();
        return out;
      },
    }) as SqliteStore;
    await recomputeCycle(racing, 'org', 'c1', e, NOW);
    expect(reads).toBeGreaterThan(2);
    const rowOf = (id: string) =>
      s.sqlite.prepare(`SELECT cycle_id FROM objective_rollups WHERE objective_id = ?`).get(id);
    expect(rowOf(archived)).toBeUndefined();
    expect(rowOf(moved)).toBeUndefined(); // no longer c1's: the queue files it under c2
    expect(s.sqlite.prepare(`SELECT count(*) AS n FROM rollup_dirty`).get()).toEqual({ n: 2 });
    await processDirty(s, NOW, 'org');
    const incremental = snapshot(s);
    for (const c of CYCLES) await recomputeCycle(s, 'org', c.id, expectedPace(c, NOW, 'Asia/Shanghai'), NOW);
    expect(incremental).toEqual(snapshot(s));
    s.close();
  });

  it("the pace job rebuilds a cycle stored at another day's pace; the tree reads at any pace", async () => {
    const r = prng(14);
    const s = openStore();
    seedOrg(s, r);
    for (let i = 0; i < 25; i++) addObjective(s, r);
    const tz = 'Asia/Shanghai';
    for (const c of CYCLES) await ensureRollups(s, 'org', c.id, expectedPace(c, NOW, tz), NOW);
    const tomorrow = new Date(NOW.getTime() + 86_400_000);
    const c1 = { ...CYCLES[0] };
    // The tree of the next day does not rebuild: it computes statuses at its own pace.
    const tree = await loadTree(s, { orgId: 'org', cycle: c1, now: tomorrow, timeZone: tz, depth: 4, maxNodes: 1000 });
    expect((await readTotals(s, 'org', 'c1'))!.expected).toBe(expectedPace(c1, NOW, tz));
    const legacy = await loadRollup(s, { orgId: 'org', cycle: c1, now: tomorrow, timeZone: tz }, { krStatus: true });
    const full = await loadTree(
      s,
      { orgId: 'org', cycle: c1, now: tomorrow, timeZone: tz, depth: 4, maxNodes: 1000 },
      legacy,
    );
    expect(tree.nodes.map((n) => [n.id, n.status])).toEqual(full.nodes.map((n) => [n.id, n.status]));
    const done = await repaceOrg(s, 'org', tomorrow, tz);
    expect(done.map((c) => c.cycleId).sort()).toEqual(['c1', 'c2']);
    const repaced = snapshot(s);
    for (const c of CYCLES) await recomputeCycle(s, 'org', c.id, expectedPace(c, tomorrow, tz), tomorrow);
    expect(repaced.rows).toEqual(snapshot(s).rows);
    expect(await repaceOrg(s, 'org', tomorrow, tz)).toEqual([]); // nothing left at another pace
    s.close();
  });
});
