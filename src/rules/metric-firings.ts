// Evaluating one metric rule: new firings for subjects that meet the condition
// (once per (rule, subject, period)), resolutions for those that no longer do,
// with their flags, cards and escalations. Returns statement groups; each group
// is one firing's complete effect and is safe to apply twice.
import { and, eq, inArray, or } from 'drizzle-orm';
import type { Statement, Store } from '../../storage/db';
import type { IdentityIndex } from '../../jobs/recipients';
import { personFlags, ruleFirings } from '../../storage/schema';
import { buildEscalationCard } from '../../cards/escalation';
import { buildCheckInTaskCard, buildSuggestionCard } from '../../cards/suggestion';
import { suggestionFor, type MetricRule } from '../../core/rules/definition';
import type { MetricFiringData } from './firing-data';
import { metricRuleHits, type MetricHit } from './metric-eval';
import { escalationSubject, firingId, personAddresses, ruleMessageStatements, type RuleMessage } from './outbound';
import { periodKeyOf, shiftPeriod } from './periods';
import type { RuleRow } from './repo';
import { scopeFilter, type ScopePerson } from './scope';
import { escalationUpdates } from './escalation';
import type { WriteGroup } from './write-groups';
import type { EvalEnv, RuleOutcome } from './eval-env';

export type { EvalEnv, RuleOutcome };

const HOLDS: Record<MetricRule['condition']['op'], (v: number, t: number) => boolean> = {
  '<': (v, t) => v < t,
  '<=': (v, t) => v <= t,
  '>': (v, t) => v > t,
  '>=': (v, t) => v >= t,
  '==': (v, t) => v === t,
  '!=': (v, t) => v !== t,
};

/** Consecutive periods of the trend, back from its latest, that meet the condition (a missing period breaks the run). */
export function observedRun(rule: MetricRule, trend: { period: string; value: number }[]): number {
  let run = 0;
  for (let i = trend.length - 1; i >= 0; i--) {
    if (!HOLDS[rule.condition.op](trend[i].value, rule.condition.threshold)) break;
    if (i < trend.length - 1 && shiftPeriod(rule.period, trend[i + 1].period, -1) !== trend[i].period) break;
    run++;
  }
  return run;
}

export function conditionOf(rule: MetricRule) {
  return {
    metric: rule.metric,
    period: rule.period,
    consecutive: rule.consecutive,
    op: rule.condition.op,
    threshold: rule.condition.threshold,
  };
}

/** Whom a hit would reach: the preview's answer and the firing's plan. */
export async function metricHitsInScope(
  env: EvalEnv,
  rule: MetricRule,
): Promise<{ hit: MetricHit; person: ScopePerson }[]> {
  const inScope = scopeFilter(env.dir, rule.scope);
  const hits = await metricRuleHits(
    env.store,
    env.orgId,
    rule,
    env.now,
    env.offsetMs,
    (s) => {
      const p = env.dir.byExternalId.get(s);
      return !!p && inScope(p);
    },
    env.aggregates,
  );
  return hits.map((hit) => ({ hit, person: env.dir.byExternalId.get(hit.subject)! }));
}

/** Open firings' data, read only for the ones being resolved (in chunks under D1's parameter limit). */
async function firingData(store: Store, ids: string[]): Promise<Map<string, MetricFiringData | null>> {
  const out = new Map<string, MetricFiringData | null>();
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await store.db
      .select({ id: ruleFirings.id, data: ruleFirings.data })
      .from(ruleFirings)
      .where(inArray(ruleFirings.id, ids.slice(i, i + 90)));
    for (const r of rows) out.set(r.id, r.data as unknown as MetricFiringData | null);
  }
  return out;
}

export async function evaluateMetricRule(env: EvalEnv, row: RuleRow, rule: MetricRule): Promise<RuleOutcome> {
  const { store, orgId, now } = env;
  const outcome: RuleOutcome = { ruleId: row.id, fired: [], resolved: [], groups: [] };
  const hits = await metricHitsInScope(env, rule);
  const current = periodKeyOf(rule.period, now, env.offsetMs);
  // Ids and subjects only: a firing's data (its cards' facts) is read just for those that resolve.
  const recent = await store.db
    .select({ id: ruleFirings.id, subject: ruleFirings.subject, state: ruleFirings.state })
    .from(ruleFirings)
    .where(
      and(
        eq(ruleFirings.ruleId, row.id),
        or(
          eq(ruleFirings.state, 'firing'),
          inArray(ruleFirings.period, [current, shiftPeriod(rule.period, current, -1)]),
        ),
      ),
    );
  const known = new Set(recent.map((r) => r.id));
  const open = new Map(recent.filter((r) => r.state === 'firing').map((r) => [r.subject, r]));
  const hitSubjects = new Set(hits.map((h) => h.person.id));

  const candidates = hits.filter(({ person }) => !open.has(person.id));
  const ids = await Promise.all(candidates.map(({ hit, person }) => firingId(row.id, person.id, hit.endPeriod)));
  // Fired and resolved within this same period: never twice.
  const fresh = candidates.map((c, i) => ({ ...c, id: ids[i] })).filter((f) => !known.has(f.id));
  const observe = row.mode === 'observe';
  // Quiet (observe org, baseline pass): flags as the rule's mode says, but no message and no escalation.
  const quiet = env.quiet(row);
  const escalate = rule.actions.find((a) => a.type === 'escalate_coach');
  const recipients = new Set<string>();
  for (const { person } of fresh) {
    recipients.add(person.id);
    const coach = person.coachId ?? person.managerId;
    if (coach) recipients.add(coach);
    if (person.managerId) recipients.add(person.managerId);
  }
  const index = quiet || !fresh.length ? new Map() : await env.identities([...recipients]);
  const firedAt = now.toISOString();
  const condition = conditionOf(rule);
  const flags = rule.actions.flatMap((a) => (a.type === 'set_flag' ? [a.flag] : []));

  for (const { hit, person, id } of fresh) {
    const coachId = escalate ? (person.coachId ?? person.managerId) : null;
    const data: MetricFiringData = {
      kind: 'metric',
      ruleName: row.name,
      condition,
      values: hit.values,
      trend: hit.trend,
      run: Math.max(rule.consecutive, observedRun(rule, hit.trend)),
      personId: person.id,
      externalId: person.externalId,
      personName: person.name,
      personTitle: person.title,
      observe,
      ...(quiet && !observe ? { held: true } : {}),
      coachId,
      escalateAfterDays: escalate?.afterDays,
    };
    const group: WriteGroup = {
      firing: {
        id,
        orgId,
        ruleId: row.id,
        subject: person.id,
        period: hit.endPeriod,
        state: 'firing',
        data: data as unknown as Record<string, unknown>,
        firedAt,
      },
      flags: flags.map((flag) => ({
        personId: person.id,
        flag,
        orgId,
        ruleId: row.id,
        observeOnly: observe,
        setAt: firedAt,
      })),
      statements: quiet
        ? []
        : await ruleMessageStatements(store, orgId, id, planMessages(env, index, rule, data, id), now),
    };
    outcome.groups.push(group);
    outcome.fired.push({ firingId: id, subject: person.id, period: hit.endPeriod });
  }

  const resolving = [...open].filter(([subject]) => !hitSubjects.has(subject));
  const dataOf = resolving.length
    ? await firingData(
        store,
        resolving.map(([, f]) => f.id),
      )
    : new Map<string, MetricFiringData | null>();
  for (const [subject, firing] of resolving) {
    const statements: Statement[] = [
      store.db
        .update(ruleFirings)
        .set({ state: 'resolved', resolvedAt: firedAt })
        .where(and(eq(ruleFirings.id, firing.id), eq(ruleFirings.state, 'firing'))),
      store.db.delete(personFlags).where(and(eq(personFlags.personId, subject), eq(personFlags.ruleId, row.id))),
    ];
    const data = dataOf.get(firing.id);
    if (data?.coachId) statements.push(...(await escalationUpdates(env, firing.id, data, { resolved: true })));
    outcome.groups.push({ statements });
    outcome.resolved.push({ firingId: firing.id, subject });
  }
  return outcome;
}

function planMessages(
  env: EvalEnv,
  index: IdentityIndex,
  rule: MetricRule,
  data: MetricFiringData,
  id: string,
): RuleMessage[] {
  const out: RuleMessage[] = [];
  const person = env.dir.byId.get(data.personId)!;
  const to = (personId: string) => personAddresses(index, personId, env.addressable, env.orgDefault);
  // Cards are drawn only for someone reachable: most of a large org may have no bound platform account.
  for (const action of rule.actions) {
    if (action.type === 'notify_subject') {
      const addresses = to(person.id);
      if (!addresses.length) continue;
      const card = buildSuggestionCard({
        locale: person.locale,
        personName: person.name,
        ruleName: data.ruleName,
        condition: data.condition,
        values: data.values,
        suggestion: suggestionFor(rule, person.locale),
      });
      for (const address of addresses)
        out.push({ to: address, message: { card }, subject: `rule:${id}`, purpose: 'subject' });
    } else if (action.type === 'open_check_in') {
      const addresses = to(person.id);
      if (!addresses.length) continue;
      const card = buildCheckInTaskCard({
        locale: person.locale,
        personName: person.name,
        ruleName: data.ruleName,
        condition: data.condition,
      });
      for (const address of addresses)
        out.push({ to: address, message: { card }, subject: `rule:${id}:checkin`, purpose: 'checkin' });
    } else if (action.type === 'escalate_coach' || action.type === 'notify_manager') {
      const recipientId = action.type === 'escalate_coach' ? data.coachId : person.managerId;
      if (!recipientId) continue;
      if (
        action.type === 'notify_manager' &&
        recipientId === data.coachId &&
        rule.actions.some((a) => a.type === 'escalate_coach')
      )
        continue;
      const addresses = to(recipientId);
      if (!addresses.length) continue;
      const reader = env.dir.byId.get(recipientId);
      const coach = data.coachId ? env.dir.byId.get(data.coachId) : undefined;
      const card = buildEscalationCard({
        locale: reader?.locale ?? 'zh-CN',
        firingId: id,
        personName: person.name,
        personTitle: person.title,
        coachName: coach?.name,
        ruleName: data.ruleName,
        condition: data.condition,
        trend: data.trend,
        run: data.run,
      });
      for (const address of addresses)
        out.push({
          to: address,
          message: { card },
          subject: escalationSubject(id),
          purpose: `${action.type}:${recipientId}`,
        });
    }
  }
  return out;
}
