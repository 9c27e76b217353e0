// What the dashboard's rule builder reads: the known metrics with their latest values, the
// choices of the scope picker (teams from the tree, titles, people), and a rule's hits per period
// for its page's chart. The form itself turns into the API's create/patch body here
// (formToRuleInput), so the builder validates and audits through src/api/rules.ts, never twice.
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import { allRows, type Store } from '../../storage/db';
import { keyResults, metricPoints, people, ruleFirings, teams } from '../../storage/schema';

export interface MetricChoice {
  metric: string;
  /** Subjects whose latest point counts, their latest values' mean/min/max, and the latest point's time. */
  subjects: number;
  avg: number | null;
  min: number | null;
  max: number | null;
  lastAt: string | null;
  boundToKr: boolean;
}

/**
 * Every known metric (points exist, or a KR is bound to it: the API's definition of known) with the
 * latest value of each subject summarised. One grouped pass over the primary key (org, metric, subject, at):
 * SQLite takes the bare `value` from the row of `max(at)`.
 */
export async function metricChoices(store: Store, orgId: string): Promise<MetricChoice[]> {
  const rows = await allRows<Omit<MetricChoice, 'boundToKr'>>(
    store,
    sql`
    SELECT metric, count(*) AS subjects, avg(value) AS avg, min(value) AS min, max(value) AS max, max(at) AS lastAt
    FROM (
      SELECT ${metricPoints.metric} AS metric, ${metricPoints.subject} AS subject, max(${metricPoints.at}) AS at, ${metricPoints.value} AS value
      FROM ${metricPoints} WHERE ${metricPoints.orgId} = ${orgId}
      GROUP BY ${metricPoints.metric}, ${metricPoints.subject}
    ) GROUP BY metric ORDER BY metric LIMIT 500`,
  );
  const bound = await store.db
    .selectDistinct({ metric: keyResults.metricKey })
    .from(keyResults)
    .where(and(eq(keyResults.orgId, orgId), isNotNull(keyResults.metricKey)));
  const byName = new Map<string, MetricChoice>(rows.map((r) => [r.metric, { ...r, boundToKr: false }]));
  for (const b of bound) {
    const m = b.metric!;
    const existing = byName.get(m);
    if (existing) existing.boundToKr = true;
    else byName.set(m, { metric: m, subjects: 0, avg: null, min: null, max: null, lastAt: null, boundToKr: true });
  }
  return [...byName.values()].sort((a, b) => a.metric.localeCompare(b.metric));
}

export interface ScopeChoices {
  /** Teams in tree order (parents first), with their depth for indentation. */
  teams: { id: string; name: string; depth: number }[];
  titles: string[];
  people: { externalId: string; name: string; title: string | null }[];
}

/** The scope picker's options. People are capped (a large org types ids; the API takes up to 1000). */
export async function scopeChoices(store: Store, orgId: string, maxPeople = 2000): Promise<ScopeChoices> {
  const teamRows = await store.db
    .select({ id: teams.id, name: teams.name, parentId: teams.parentId })
    .from(teams)
    .where(eq(teams.orgId, orgId))
    .orderBy(asc(teams.name));
  const children = new Map<string | null, typeof teamRows>();
  const ids = new Set(teamRows.map((t) => t.id));
  for (const t of teamRows) {
    const parent = t.parentId && ids.has(t.parentId) ? t.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), t]);
  }
  const ordered: ScopeChoices['teams'] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const t of children.get(parent) ?? []) {
      ordered.push({ id: t.id, name: t.name, depth });
      if (depth < 20) walk(t.id, depth + 1);
    }
  };
  walk(null, 0);
  const titleRows = await store.db
    .selectDistinct({ title: people.title })
    .from(people)
    .where(and(eq(people.orgId, orgId), isNotNull(people.title)))
    .orderBy(asc(people.title))
    .limit(500);
  const peopleRows = await store.db
    .select({ externalId: people.externalId, name: people.name, title: people.title })
    .from(people)
    .where(eq(people.orgId, orgId))
    .orderBy(asc(people.name))
    .limit(maxPeople);
  return {
    teams: ordered,
    titles: titleRows.map((r) => r.title!).filter((x) => x.trim() !== ''),
    people: peopleRows,
  };
}

export interface HitBar {
  period: string;
  hits: number;
}

/**
 * A rule's firings per period, oldest first (the last `limit` periods with any): a metric rule's
 * firing names its period (`2026-11`, a week's Monday, a day); a built-in KR alert's names a state
 * and a day (`off_track@2026-11-20`), or a check-in, so those count by the day they fired.
 */
export async function hitHistory(store: Store, orgId: string, ruleId: string, limit = 12): Promise<HitBar[]> {
  const rows = (await store.db
    .select({ period: ruleFirings.period, firedAt: ruleFirings.firedAt })
    .from(ruleFirings)
    .where(and(eq(ruleFirings.orgId, orgId), eq(ruleFirings.ruleId, ruleId)))
    .limit(100_000)) as { period: string; firedAt: string }[];
  const counts = new Map<string, number>();
  for (const r of rows) {
    const key = /^\d{4}-\d{2}(-\d{2})?$/.test(r.period)
      ? r.period
      : (/@(\d{4}-\d{2}-\d{2})$/.exec(r.period)?.[1] ?? r.firedAt.slice(0, 10));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .slice(-limit)
    .map(([period, hits]) => ({ period, hits }));
}
