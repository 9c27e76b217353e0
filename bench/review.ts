// `npm run bench:review`: the performance review of 10,000 people in 1,000 teams (issue 13).
//  1. Baseline: read the rows a review start needs (person objectives with their owners, the
//     cycle's KRs, identities) with plain selects.
//  2. Start the review: compute every objective's score, write the review rows and enqueue one
//     self-assessment card per person (startReview, one atomic batch). Reported as a ratio to 1.
//  3. A third of the people self-assess and a tenth are calibrated (direct writes), then close
//     the cycle and produce the CSV and the xlsx (target: under 5 s together); the final-score
//     messages that follow the close are timed apart.
//  4. Peak RSS of the process.
import Database from 'better-sqlite3';
import { and, eq } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../core/clock';
import { closeCycle, sendFinalMessages, startReview } from '../src/review/service';
import { performanceCsv, performanceRows, performanceXlsx } from '../src/review/sheet';
import { cycles, identities, keyResults, objectives, organizations, outbox, people } from '../storage/schema';
import { openSqlite } from '../storage/sqlite';
import { generateOrg } from './generate';
import { peakRssLine } from './proc';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 10_000);
const TEAMS = Number(process.env.BENCH_TEAMS ?? 1_000);
const dir = mkdtempSync(join(tmpdir(), 'polaris-bench-review-'));
const path = join(dir, 'polaris.db');
let peakRss = 0;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const sampler = setInterval(sample, 20);

try {
  openSqlite(path).close(); // migrate
  const raw = new Database(path);
  const generated = generateOrg(raw, { people: PEOPLE, teams: TEAMS });
  raw
    .prepare(
      `INSERT OR IGNORE INTO identities (org_id, person_id, platform, platform_user_id) SELECT org_id, id, 'lark', 'ou_' || id FROM people WHERE org_id = ?`,
    )
    .run(generated.orgId);
  raw.close();
  console.log(
    `org: ${generated.people} people, ${TEAMS} teams, ${generated.objectives} objectives, ${generated.keyResults} KRs`,
  );

  const store = openSqlite(path);
  const clock = fixedClock(generated.now);
  const deps = {
    store,
    clock,
    config: { defaultTimezone: 'Asia/Shanghai' },
    addressable: new Set(['lark']) as ReadonlySet<string>,
  };
  const [org] = await store.db.select().from(organizations).where(eq(organizations.id, generated.orgId));
  const cycleRow = async () => (await store.db.select().from(cycles).where(eq(cycles.id, generated.cycleId)))[0];

  // 1. Baseline: the same rows, read and nothing else.
  let t = performance.now();
  const rows = [
    await store.db
      .select()
      .from(objectives)
      .innerJoin(people, eq(people.id, objectives.ownerPersonId))
      .where(and(eq(objectives.orgId, org.id), eq(objectives.cycleId, generated.cycleId))),
    await store.db.select().from(keyResults).where(eq(keyResults.cycleId, generated.cycleId)),
    await store.db.select().from(identities).where(eq(identities.orgId, org.id)),
  ].reduce((s, r) => s + r.length, 0);
  const baselineMs = performance.now() - t;
  console.log(`baseline: read ${rows} rows in ${baselineMs.toFixed(0)} ms`);

  // 2. Start: scores, review rows and one card per person.
  t = performance.now();
  const started = await startReview(deps, org, await cycleRow(), {}, { type: 'system' });
  const startMs = performance.now() - t;
  const enqueued = (await store.db.select({ id: outbox.id }).from(outbox)).length;
  sample();
  console.log(
    `start: ${started.people} reviews, ${enqueued} cards enqueued in ${startMs.toFixed(0)} ms (${(startMs / baselineMs).toFixed(1)}× the baseline read)`,
  );

  // 3. Some self-assessments and calibrations, then close and both sheets.
  const sqlite = new Database(path);
  sqlite.exec(
    `UPDATE reviews SET self_score = computed_score, self_at = '${clock.now().toISOString()}' WHERE rowid % 3 = 0`,
  );
  sqlite.exec(`UPDATE reviews SET calibrated_score = 0.5, calibrated_by = manager_id WHERE rowid % 10 = 0`);
  sqlite.close();
  t = performance.now();
  const closed = await closeCycle(deps, org, await cycleRow(), { type: 'system' });
  const closeMs = performance.now() - t;
  // Each person's final-score message, enqueued after the close (not part of it, nor of the target).
  t = performance.now();
  const told = await sendFinalMessages(deps, org, closed.cycle);
  const finalMs = performance.now() - t;
  t = performance.now();
  const sheet = await performanceRows(store, org, await cycleRow());
  const csv = performanceCsv(sheet);
  const csvMs = performance.now() - t;
  t = performance.now();
  const xlsx = await performanceXlsx(sheet, 'bench');
  const xlsxMs = performance.now() - t;
  sample();
  const total = closeMs + csvMs + xlsxMs;
  console.log(`close: ${closed.people} final scores in ${closeMs.toFixed(0)} ms`);
  console.log(`final-score messages: ${told} enqueued in ${finalMs.toFixed(0)} ms, after the close`);
  console.log(`csv: ${sheet.length} rows, ${(csv.length / 1024).toFixed(0)} KiB in ${csvMs.toFixed(0)} ms`);
  console.log(`xlsx: ${(xlsx.length / 1024).toFixed(0)} KiB in ${xlsxMs.toFixed(0)} ms`);
  console.log(
    `close + csv + xlsx: ${(total / 1000).toFixed(2)} s (target under 5 s; ${(total / baselineMs).toFixed(1)}× the baseline read)`,
  );
  console.log(`peak RSS: sampled ${(peakRss / 1024 / 1024).toFixed(0)} MB; ${peakRssLine()}`);
  store.close();
  if (total > 5000) process.exitCode = 1;
} finally {
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
}
