// npm run bench:rules — metrics ingestion and one full rule-evaluation pass at
// scale: 100,000 subjects × 12 weekly points (1.2M points), 10 rules, on a
// fresh SQLite file. The baseline is reading the same 1.2M points back once:
// a pass reads each (metric, period) window once for all rules, so a second
// pass (nothing new) should be ≤ 2× the baseline; the first adds the writes.
//   BENCH_SUBJECTS=20000 npm run bench:rules   (a quicker run)
import { mulberry32 } from '../storage/seed/prng';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { openSqlite } from '../storage/sqlite';
import { metricPoints, organizations, people, rules } from '../storage/schema';
import { MAX_POINTS, validatePoints, type RawPoint } from '../src/metrics/points';
import { storePoints } from '../src/metrics/store';
import { unknownSubjects } from '../src/metrics/subjects';
import { evaluateOrg } from '../src/rules/engine';
import type { MetricRule } from '../core/rules/definition';
import { peakRssLine } from './proc';

const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 100_000);
const WEEKS = 12;
const dir = mkdtempSync(join(tmpdir(), 'polaris-bench-rules-'));
const store = openSqlite(join(dir, 'bench.db'));
const now = new Date('2026-11-27T02:00:00Z');
const orgId = 'org_bench';
const ms = (t0: number) => performance.now() - t0;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

try {
  await store.db
    .insert(organizations)
    .values({ id: orgId, name: 'Bench', slug: 'bench', settings: { timezone: 'Asia/Shanghai' } });
  for (let i = 0; i < SUBJECTS; i += 5000) {
    const rows = Array.from({ length: Math.min(5000, SUBJECTS - i) }, (_, k) => {
      const n = i + k;
      return {
        id: `p_${n}`,
        orgId,
        externalId: `T${n}`,
        name: `Teacher ${n}`,
        title: n % 10 === 0 ? '教研主管' : '老师',
        coachId: `p_${n - (n % 10)}`,
        locale: 'zh-CN' as const,
      };
    });
    const statements = [];
    for (let k = 0; k < rows.length; k += 500) statements.push(store.db.insert(people).values(rows.slice(k, k + 500)));
    await store.atomic(statements);
  }

  // Ingest: the API's path (validate, check subjects, upsert), 10,000 points per request.
  const rand = mulberry32(42);
  const total = SUBJECTS * WEEKS;
  let ingestMs = 0;
  let batch: RawPoint[] = [];
  const flush = async () => {
    const t0 = performance.now();
    const { points, errors } = validatePoints(batch, now);
    const unknown = await unknownSubjects(store, orgId, new Set(points.map((p) => p.subject)));
    if (errors.length || unknown.size)
      throw new Error(`bench data invalid: ${errors.length} errors, ${unknown.size} unknown subjects`);
    await storePoints(store, orgId, points, now);
    ingestMs += ms(t0);
    batch = [];
  };
  for (let s = 0; s < SUBJECTS; s++) {
    const low = s % 7 === 0;
    for (let w = 0; w < WEEKS; w++) {
      batch.push({
        metric: 'feedback_score',
        subject: `T${s}`,
        at: new Date(now.getTime() - w * 7 * 86_400_000 - 3_600_000).toISOString(),
        value: Math.round(((low ? 4.2 : 4.7) + (rand() - 0.5) * 0.4) * 100) / 100,
      });
      if (batch.length === MAX_POINTS) await flush();
    }
  }
  if (batch.length) await flush();
  console.log(`ingest:    ${fmt(total)} points in ${fmt(ingestMs)} ms → ${fmt(total / (ingestMs / 1000))} points/s`);

  const t1 = performance.now();
  let read = 0;
  const all = await store.db
    .select({ subject: metricPoints.subject, at: metricPoints.at, value: metricPoints.value })
    .from(metricPoints)
    .where(and(eq(metricPoints.orgId, orgId), eq(metricPoints.metric, 'feedback_score')));
  for (const r of all) read += r.value > 0 ? 1 : 0;
  const baseline = ms(t1);
  console.log(`baseline:  read ${fmt(read)} points once in ${fmt(baseline)} ms`);

  const variants: Partial<MetricRule>[] = [
    { aggregation: 'avg', condition: { op: '<', threshold: 4.5 }, consecutive: 2 },
    { aggregation: 'min', condition: { op: '<', threshold: 4.0 }, consecutive: 1 },
    { aggregation: 'max', condition: { op: '<', threshold: 4.4 }, consecutive: 3 },
    { aggregation: 'last', condition: { op: '<=', threshold: 4.3 }, consecutive: 2 },
    { aggregation: 'sum', condition: { op: '<', threshold: 4.5 }, consecutive: 4 },
    { aggregation: 'count', condition: { op: '>=', threshold: 2 }, consecutive: 1 },
    { aggregation: 'avg', condition: { op: '>', threshold: 4.9 }, consecutive: 1 },
    { aggregation: 'avg', condition: { op: '<', threshold: 4.5 }, consecutive: 2, period: 'month' },
    { aggregation: 'avg', condition: { op: '<', threshold: 4.4 }, consecutive: 5, period: 'day' },
    {
      aggregation: 'avg',
      condition: { op: '<', threshold: 4.5 },
      consecutive: 2,
      scope: { type: 'role', titles: ['教研'] },
    },
  ];
  await store.db.insert(rules).values(
    variants.map((v, i) => ({
      id: `rule_${i}`,
      orgId,
      name: `bench ${i}`,
      mode: 'enforce' as const,
      definition: {
        kind: 'metric',
        scope: { type: 'org' },
        metric: 'feedback_score',
        period: 'week',
        actions: [
          { type: 'notify_subject' },
          { type: 'escalate_coach', afterDays: 3 },
          { type: 'set_flag', flag: 'low_feedback' },
        ],
        ...v,
      } as Record<string, unknown>,
    })),
  );
  const [org] = await store.db.select().from(organizations).where(eq(organizations.id, orgId));
  const deps = { store, config: { defaultTimezone: 'Asia/Shanghai' }, adapters: new Map() };
  const t2 = performance.now();
  const first = await evaluateOrg(deps, org, now);
  const pass = ms(t2);
  console.log(
    `evaluate:  ${first.rules} rules × ${fmt(SUBJECTS)} subjects in ${fmt(pass)} ms (${(pass / baseline).toFixed(1)}× the baseline read; ${fmt(first.fired)} firings written)`,
  );
  const t3 = performance.now();
  let last = performance.now();
  const second = await evaluateOrg(
    deps,
    org,
    now,
    process.env.BENCH_VERBOSE
      ? {
          log: (m) => {
            console.log(`  +${fmt(performance.now() - last)} ms ${m}`);
            last = performance.now();
          },
        }
      : {},
  );
  console.log(`re-run:    ${fmt(ms(t3))} ms, ${second.fired} new firings (must be 0)`);
  console.log(peakRssLine());
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
