// npm run bench:rule-builder — what the dashboard's rule builder reads per page view and per live
// preview, at scale: 100,000 people × 12 weekly points of one metric (1.2M points) on a fresh SQLite
// file. Measures the metric picker (every metric with its subjects' latest values: one grouped
// pass over the primary key), the scope picker (teams, titles, the first 2,000 people) and one
// preview of a rule over all of them (the API's previewRule).
//   BENCH_SUBJECTS=20000 npm run bench:rule-builder   (a quicker run)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../storage/sqlite';
import { organizations, people } from '../storage/schema';
import { mulberry32 } from '../storage/seed/prng';
import { storePoints } from '../src/metrics/store';
import type { MetricPoint } from '../src/metrics/points';
import { previewRule } from '../src/rules/preview';
import { metricChoices, scopeChoices } from '../src/web/rule-builder-data';
import { MetricRuleSchema } from '../core/rules/definition';
import { peakRssLine } from './proc';

const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 100_000);
const WEEKS = 12;
const dir = mkdtempSync(join(tmpdir(), 'polaris-bench-builder-'));
const store = openSqlite(join(dir, 'bench.db'));
const now = new Date('2026-11-27T02:00:00Z');
const orgId = 'org_bench';
const ms = (t0: number) => Math.round(performance.now() - t0);

try {
  const [org] = await store.db
    .insert(organizations)
    .values({ id: orgId, name: 'Bench', slug: 'bench', settings: { timezone: 'Asia/Shanghai' } })
    .returning();
  for (let i = 0; i < SUBJECTS; i += 5000) {
    const rows = Array.from({ length: Math.min(5000, SUBJECTS - i) }, (_, k) => ({
      id: `p_${i + k}`,
      orgId,
      externalId: `T${i + k}`,
      name: `Teacher ${i + k}`,
      title: (i + k) % 10 === 0 ? '教研主管' : '老师',
      locale: 'zh-CN' as const,
    }));
    const statements = [];
    for (let k = 0; k < rows.length; k += 500) statements.push(store.db.insert(people).values(rows.slice(k, k + 500)));
    await store.atomic(statements);
  }
  const rand = mulberry32(7);
  let batch: MetricPoint[] = [];
  for (let s = 0; s < SUBJECTS; s++) {
    for (let w = 0; w < WEEKS; w++)
      batch.push({
        metric: 'feedback_score',
        subject: `T${s}`,
        at: new Date(now.getTime() - w * 7 * 86_400_000).toISOString(),
        value: Math.round((4 + rand()) * 100) / 100,
      });
    if (batch.length >= 10_000) {
      await storePoints(store, orgId, batch, now);
      batch = [];
    }
  }
  if (batch.length) await storePoints(store, orgId, batch, now);

  let t0 = performance.now();
  const metrics = await metricChoices(store, orgId);
  const metricMs = ms(t0);
  t0 = performance.now();
  const choices = await scopeChoices(store, orgId);
  const scopeMs = ms(t0);
  const rule = MetricRuleSchema.parse({
    scope: { type: 'role', titles: ['老师'] },
    metric: 'feedback_score',
    period: 'week',
    aggregation: 'avg',
    condition: { op: '<', threshold: 4.2 },
    consecutive: 2,
    actions: [{ type: 'notify_subject' }],
  });
  t0 = performance.now();
  const preview = await previewRule(
    { store, config: { defaultTimezone: 'Asia/Shanghai' }, adapters: new Map() },
    org,
    rule,
    now,
  );
  const previewMs = ms(t0);
  console.log(
    JSON.stringify(
      {
        subjects: SUBJECTS,
        points: SUBJECTS * WEEKS,
        metric_picker_ms: metricMs,
        metric_picker: metrics.map((m) => ({ metric: m.metric, subjects: m.subjects, avg: m.avg })),
        scope_picker_ms: scopeMs,
        scope_picker_people: choices.people.length,
        preview_ms: previewMs,
        preview_hits: preview.hits.length,
      },
      null,
      2,
    ),
  );
  console.log(peakRssLine());
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
