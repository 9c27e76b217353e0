// npm run bench:rollup — 100,000 people × 5 KRs (+ company, 10 departments, 1,000 teams with
// 'children' KRs) in a SQLite file. Issue 16 goal 3, in one run:
// - GET /tree (depth 3) and GET /stats served from the stored roll-ups (storage/repos/rollup-store.ts):
//   p50 < 50 ms and p99 < 150 ms, with a check-in queued before each read (the read applies it first);
// - a check-in at most 2× today's (main's write, without the roll-up queue): as answered (write +
//   queue mark), with its own roll-up pass (worst case) and in a burst sharing one pass (BENCH_BURST);
// - the full recompute (after an import, or `polaris rollups`) and, for comparison, the former
//   read path (the whole roll-up computed on every read) and its floor, SELECT sum(current_value).
// Prints each goal with its target and whether it was met, and peak RSS (taken before the former
// read path runs, last, for comparison). Runs bundled with npm start's V8 flags, as the server does.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceUsage } from 'node:process';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain ES module without types (scripts/start.mjs uses it too)
import { SERVER_NODE_FLAGS, bundle } from '../scripts/bundle.mjs';
import { expectedPace } from '../core/okr';
import { checkInStatements, getKeyResult } from '../storage/repos/okrs';
import { ensureRollups, processDirty, recomputeCycle } from '../storage/repos/rollup-store';
import { loadStats } from '../storage/repos/stats';
import { loadRollup, loadTree } from '../storage/repos/tree';
import { openSqlite } from '../storage/sqlite';
import { generateOrg } from './generate';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const READS = Number(process.env.BENCH_READS ?? 100);
const CHECKINS = Number(process.env.BENCH_CHECKINS ?? 300);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)} ms`;
/** In bench/run.ts's form, so the summary of `npm run bench` repeats it. */
const goal = (name: string, value: string, target: string, met: boolean, id = '16.3') =>
  console.log(`  goal (issue ${id}): ${name}: ${value} (target ${target}) — ${met ? 'met' : 'NOT met'}`);

export async function benchRollup() {
  const dir = mkdtempSync(join(tmpdir(), 'polaris-bench-'));
  const store = openSqlite(join(dir, 'bench.db'));
  try {
    let t = performance.now();
    const org = generateOrg(store.sqlite, { people: PEOPLE });
    // Peak RSS as each phase ends (resourceUsage().maxRSS only grows), printed with the goals.
    const phasePeaks: string[] = [];
    const trace = (label: string) => phasePeaks.push(`${label} ${mb(resourceUsage().maxRSS * 1024)}`);
    trace('generated');
    console.log(
      `generated ${org.people} people, ${org.objectives} objectives, ${org.keyResults} KRs in ${(performance.now() - t).toFixed(0)} ms`,
    );
    const q = { orgId: org.orgId, cycle: { id: org.cycleId, ...org.cycle }, now: org.now, timeZone: 'Asia/Shanghai' };
    const expected = expectedPace(q.cycle, q.now, q.timeZone);

    // The full recompute, as after an import: the first read builds the cycle.
    t = performance.now();
    await processDirty(store, q.now, q.orgId);
    await ensureRollups(store, q.orgId, q.cycle.id, expected, q.now);
    const firstBuild = performance.now() - t;
    trace('first build');
    t = performance.now();
    await recomputeCycle(store, q.orgId, q.cycle.id, expected, q.now);
    const recompute = performance.now() - t;
    trace('recompute on demand');
    console.log(`full recompute: first build (queue + cycle) ${ms(firstBuild)}, on demand ${ms(recompute)}`);

    // Check-ins on person KRs, three ways, in interleaved blocks so all see the same cache and load:
    // - today: the check-in write as on main, without the roll-up queue (its triggers dropped);
    // - answered: the write with its queue mark, which is all a check-in waits for now (API and chat
    //   queue; a coalesced pass runs after the answer);
    // - with its pass: the write and a roll-up pass for it alone (the worst case: one check-in per
    //   500 ms window), and in a burst (BURST check-ins, then one pass for all: a busy window).
    const BURST = Number(process.env.BENCH_BURST ?? 50);
    const krIds = (
      store.sqlite
        .prepare(
          `SELECT k.id FROM key_results k JOIN objectives o ON o.id = k.objective_id WHERE o.owner_type = 'person' AND k.status = 'active' ORDER BY k.id LIMIT ?`,
        )
        .all(CHECKINS * 4) as { id: string }[]
    ).map((r) => r.id);
    let value = 1;
    const write = async (krId: string) => {
      const kr = (await getKeyResult(store, q.orgId, krId))!;
      const t0 = performance.now();
      const { statements } = checkInStatements(store, {
        orgId: q.orgId,
        kr,
        authorId: null,
        value: (value = (value * 7 + 3) % 97),
        confidence: value % 11,
        source: 'api',
        now: q.now,
      });
      await store.atomic(statements);
      return performance.now() - t0;
    };
    const triggers = store.sqlite
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rollup_dirty_%'`)
      .all() as { name: string; sql: string }[];
    const today: number[] = [];
    const answered: number[] = [];
    const withPass: number[] = [];
    const burst: number[] = [];
    const BLOCK = 25;
    let next = 0;
    const kr = () => krIds[next++ % krIds.length];
    for (let done = 0; done < CHECKINS; done += BLOCK) {
      for (const x of triggers) store.sqlite.exec(`DROP TRIGGER ${x.name}`);
      for (let i = 0; i < BLOCK; i++) today.push(await write(kr()));
      for (const x of triggers) store.sqlite.exec(x.sql);
      for (let i = 0; i < BLOCK; i++) {
        answered.push(await write(kr()));
        await processDirty(store, q.now, q.orgId); // not timed: the queue as a live server keeps it
      }
      for (let i = 0; i < BLOCK; i++) {
        const w = await write(kr());
        const t0 = performance.now();
        await processDirty(store, q.now, q.orgId);
        withPass.push(w + performance.now() - t0);
      }
    }
    for (let done = 0; done < CHECKINS; done += BURST) {
      let w = 0;
      for (let i = 0; i < BURST; i++) w += await write(kr());
      const t0 = performance.now();
      await processDirty(store, q.now, q.orgId);
      burst.push((w + performance.now() - t0) / BURST);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `check-in (${CHECKINS} each, mean / p50): today (no roll-up queue) ${ms(mean(today))} / ${ms(pct(today, 50))}; answered (write + queue mark) ${ms(mean(answered))} / ${ms(pct(answered, 50))}; with its own roll-up pass ${ms(mean(withPass))} / ${ms(pct(withPass, 50))}; in bursts of ${BURST} with one pass, per check-in ${ms(mean(burst))}`,
    );

    trace('check-ins');
    // After: the endpoints' storage calls, with a check-in before every read.
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 5);
    const treeTimes: number[] = [];
    const statsTimes: number[] = [];
    let last: unknown;
    for (let i = 0; i < READS; i++) {
      await write(krIds[i % krIds.length]); // left queued, as every check-in now is: the read catches up first
      t = performance.now();
      const tree = await loadTree(store, { ...q, depth: 3, maxNodes: 1000 });
      treeTimes.push(performance.now() - t);
      await write(krIds[(i * 7 + 1) % krIds.length]);
      t = performance.now();
      const stats = await loadStats(store, q);
      statsTimes.push(performance.now() - t);
      last = { treeNodes: tree.nodes.length, truncated: tree.truncated, company: tree.nodes[0]?.progress, stats };
    }
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    console.log(
      `after (${READS} reads each): GET /tree p50 ${ms(pct(treeTimes, 50))} p99 ${ms(pct(treeTimes, 99))}; GET /stats p50 ${ms(pct(statsTimes, 50))} p99 ${ms(pct(statsTimes, 99))}`,
    );

    const maxRss = resourceUsage().maxRSS * 1024;
    // Before: the whole roll-up computed on every read (loadRollup), with its floor. Last, after the
    // peak RSS of Polaris's own paths is taken: no server path runs loadRollup any more, and its
    // 100k-person working set is not what a server holds.
    const floorStmt = store.sqlite.prepare('SELECT sum(current_value) AS s FROM key_results');
    const before: { floor: number; tree: number; stats: number }[] = [];
    for (let run = 0; run < RUNS; run++) {
      t = performance.now();
      floorStmt.get();
      const floor = performance.now() - t;
      t = performance.now();
      await loadTree(store, { ...q, depth: 3, maxNodes: 1000 }, await loadRollup(store, q));
      const tree = performance.now() - t;
      t = performance.now();
      await loadStats(store, q, await loadRollup(store, q, { krStatus: true }));
      before.push({ floor, tree, stats: performance.now() - t });
    }
    const bestBefore = {
      floor: Math.min(...before.map((b) => b.floor)),
      tree: Math.min(...before.map((b) => b.tree)),
      stats: Math.min(...before.map((b) => b.stats)),
    };
    console.log(
      `before (full roll-up per read, best of ${RUNS}): GET /tree ${ms(bestBefore.tree)}, GET /stats ${ms(bestBefore.stats)}; floor SELECT sum(current_value) ${ms(bestBefore.floor)}`,
    );

    const ratio = mean(answered) / mean(today);
    const worst = mean(withPass) / mean(today);
    const busy = mean(burst) / mean(today);
    console.log('goals (issue 16 goal 3):');
    goal('GET /tree depth 3, p50', ms(pct(treeTimes, 50)), '< 50 ms', pct(treeTimes, 50) < 50);
    goal('GET /tree depth 3, p99', ms(pct(treeTimes, 99)), '< 150 ms', pct(treeTimes, 99) < 150);
    goal('GET /stats, p50', ms(pct(statsTimes, 50)), '< 50 ms', pct(statsTimes, 50) < 50);
    goal('GET /stats, p99', ms(pct(statsTimes, 99)), '< 150 ms', pct(statsTimes, 99) < 150);
    goal('check-in as answered (write + queue mark) / today', `${ratio.toFixed(2)}×`, '≤ 2×', ratio <= 2);
    goal('check-in with its own roll-up pass (worst case) / today', `${worst.toFixed(2)}×`, '≤ 2×', worst <= 2);
    goal(`check-in in a burst of ${BURST} with one pass / today`, `${busy.toFixed(2)}×`, '≤ 2×', busy <= 2);
    goal(
      'peak RSS through the bench (generate, rebuild, check-ins, reads)',
      mb(maxRss),
      '< 300 MB',
      maxRss < 300 * 1024 * 1024,
      '16.5',
    );
    console.log(
      `peak RSS: after each phase ${phasePeaks.join(', ')}, reads ${mb(maxRss)}; sampled through the reads ${mb(peakRss)}; after the former read path ${mb(resourceUsage().maxRSS * 1024)}`,
    );
    console.log('last result:', JSON.stringify(last));
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.env.BENCH_BUNDLED) await benchRollup();
  else {
    // Memory is the server's: run bundled, with npm start's V8 flags, as scripts/start.mjs runs it.
    // The bundle lives in dist/, beside the server's, so that its packages resolve from node_modules.
    const outfile = join(import.meta.dirname, '..', 'dist', 'bench-rollup.mjs');
    try {
      await bundle(fileURLToPath(import.meta.url), outfile);
      const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, outfile], {
        stdio: 'inherit',
        env: { ...process.env, BENCH_BUNDLED: '1' },
      });
      process.exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
    } finally {
      rmSync(outfile, { force: true });
    }
  }
}
