// One KR as the dashboard's KR page shows it (values, start and target, check-in history with notes and
// confidence, the pending adjustment, the alerts on it), and who a rule hits with their values. Both are
// scoped like the tree: a KR is shown when its objective is (src/web/data.ts#Visibility).
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Store } from '../../storage/db';
import { getKeyResult, getObjective } from '../../storage/repos/okrs';
import { loadTree, type RollupQuery } from '../../storage/repos/tree';
import { adjustments, checkIns, people, ruleFirings, rules, teams } from '../../storage/schema';
import type { KeyResult } from '../../storage/repos/types';
import { alertWhy, type AlertFacts } from '../../cards/alert';
import { formatValue } from '../../core/format';
import type { Locale } from '../../core/i18n';
import { krProgress } from '../../core/okr/progress';
import { approvalView, formatMoment, loadRequestContext } from '../approvals/describe';
import type { FiringData } from '../rules/firing-data';
import { HiddenError, Visibility } from './data';
import type { Scope } from './viewer';

/** The most check-ins the page lists and draws (the latest ones). */
export const MAX_HISTORY = 60;

export interface KrCheckIn {
  at: string;
  atLocal: string;
  value: number;
  valueText: string;
  confidence: number | null;
  note: string | null;
  by: string | null;
}

export interface KrDetail {
  kr: KeyResult;
  objective: { id: string; title: string; owner: string };
  progress: number;
  status: string;
  startText: string;
  targetText: string;
  currentText: string;
  rolledCount: number;
  history: KrCheckIn[];
  pending: { requester: string; change: string; reason: string | null; atLocal: string }[];
  alerts: { rule: string; sinceLocal: string; facts: string }[];
}

export class KrNotFoundError extends Error {}

export async function krDetail(
  store: Store,
  input: {
    orgId: string;
    scope: Scope;
    id: string;
    locale: Locale;
    timeZone: string;
    now: Date;
    cycle: RollupQuery['cycle'];
  },
): Promise<KrDetail> {
  const { orgId, locale, timeZone } = input;
  const kr = input.id.length <= 64 ? await getKeyResult(store, orgId, input.id) : undefined;
  if (!kr) throw new KrNotFoundError(input.id);
  const objective = await getObjective(store, orgId, kr.objectiveId);
  if (!objective) throw new KrNotFoundError(input.id);
  const q: RollupQuery = { orgId, cycle: input.cycle, now: input.now, timeZone };
  const vis = await Visibility.load(store, q, input.scope);
  const tree = await loadTree(store, { ...q, rootId: objective.id, depth: 0, maxNodes: 1 });
  const node = tree.nodes[0];
  if (!node || !vis.sees(node)) throw new HiddenError(input.id);
  const live = node.keyResults.find((k) => k.id === kr.id);
  const shape = { kind: kr.kind, unit: kr.unit };
  const fmt = (v: number) => formatValue(v, shape, locale);

  const rows = await store.db
    .select({
      at: checkIns.createdAt,
      value: checkIns.value,
      confidence: checkIns.confidence,
      note: checkIns.note,
      by: people.name,
    })
    .from(checkIns)
    .leftJoin(people, eq(people.id, checkIns.authorId))
    .where(and(eq(checkIns.orgId, orgId), eq(checkIns.keyResultId, kr.id)))
    .orderBy(desc(checkIns.createdAt))
    .limit(MAX_HISTORY);
  const history = rows.reverse().map((r) => ({
    at: r.at,
    atLocal: formatMoment(r.at, timeZone),
    value: r.value,
    valueText: fmt(r.value),
    confidence: r.confidence,
    note: r.note,
    by: r.by,
  }));

  const pendingRows = await store.db
    .select()
    .from(adjustments)
    .where(and(eq(adjustments.orgId, orgId), eq(adjustments.keyResultId, kr.id), eq(adjustments.status, 'pending')))
    .orderBy(asc(adjustments.createdAt));
  const pending = [];
  for (const a of pendingRows) {
    const view = approvalView(locale, await loadRequestContext(store, a));
    pending.push({
      requester: view.requesterName,
      change: view.change,
      reason: a.reason,
      atLocal: formatMoment(a.createdAt, timeZone),
    });
  }

  const firing = await store.db
    .select({ rule: rules.name, firedAt: ruleFirings.firedAt, data: ruleFirings.data })
    .from(ruleFirings)
    .innerJoin(rules, eq(rules.id, ruleFirings.ruleId))
    .where(
      and(
        eq(ruleFirings.orgId, orgId),
        eq(ruleFirings.state, 'firing'),
        sql`json_extract(${ruleFirings.data}, '$.krId') = ${kr.id}`,
      ),
    )
    .orderBy(desc(ruleFirings.firedAt))
    .limit(20);
  const alerts = firing.map((f) => ({
    rule: f.rule,
    sinceLocal: formatMoment(f.firedAt, timeZone),
    facts: factsText(locale, (f.data as FiringData | null) ?? null, input.now),
  }));

  return {
    kr,
    objective: { id: objective.id, title: objective.title, owner: node.ownerName ?? '' },
    progress: live?.progress ?? krProgress(kr).progress,
    status: live?.status ?? 'not_started',
    startText: fmt(kr.startValue),
    targetText: fmt(kr.targetValue),
    currentText: fmt(kr.currentValue),
    rolledCount: kr.progressMode === 'children' ? (live?.childObjectiveIds.length ?? 0) : 0,
    history,
    pending,
    alerts,
  };
}

/** A firing's facts in words: a KR alert as its card says it, a metric rule's values by period (never JSON). */
function factsText(locale: Locale, data: FiringData | null, now: Date): string {
  if (!data) return '';
  if (data.kind === 'metric') return data.values.map((v) => `${v.period} ${v.value}`).join(' · ');
  return alertWhy(locale, data.facts as unknown as AlertFacts, now.toISOString());
}

export interface RuleHit {
  name: string;
  title: string | null;
  team: string | null;
  values: string;
  sinceLocal: string;
  krId: string | null;
}

/** Who a rule hits now, with their values: metric rules name a person, KR rules a KR and its owner. */
export async function ruleHitList(
  store: Store,
  input: { orgId: string; ruleId: string; timeZone: string; locale: Locale; now: Date; limit?: number },
): Promise<{ rule: { id: string; name: string }; hits: RuleHit[]; total: number } | undefined> {
  if (input.ruleId.length > 64) return undefined;
  const [rule] = await store.db
    .select({ id: rules.id, name: rules.name })
    .from(rules)
    .where(and(eq(rules.orgId, input.orgId), eq(rules.id, input.ruleId)))
    .limit(1);
  if (!rule) return undefined;
  const firing = await store.db
    .select({ subject: ruleFirings.subject, firedAt: ruleFirings.firedAt, data: ruleFirings.data })
    .from(ruleFirings)
    .where(and(eq(ruleFirings.orgId, input.orgId), eq(ruleFirings.ruleId, rule.id), eq(ruleFirings.state, 'firing')))
    .orderBy(desc(ruleFirings.firedAt));
  const limit = input.limit ?? 500;
  const hits: RuleHit[] = [];
  for (const f of firing.slice(0, limit)) {
    const data = (f.data as FiringData | null) ?? null;
    const personId = data?.kind === 'metric' ? data.personId : data?.kind === 'kr' ? data.ownerId : null;
    const [person] = personId
      ? await store.db
          .select({ name: people.name, title: people.title, team: teams.name })
          .from(people)
          .leftJoin(teams, eq(teams.id, people.teamId))
          .where(and(eq(people.orgId, input.orgId), eq(people.id, personId)))
          .limit(1)
      : [];
    hits.push({
      name: person?.name ?? (data?.kind === 'metric' ? data.personName : '—'),
      title: person?.title ?? null,
      team: person?.team ?? null,
      values: factsText(input.locale, data, input.now),
      sinceLocal: formatMoment(f.firedAt, input.timeZone),
      krId: data?.kind === 'kr' ? data.krId : null,
    });
  }
  return { rule, hits, total: firing.length };
}
