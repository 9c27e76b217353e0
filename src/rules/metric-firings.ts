// Evaluating one metric rule: new firings for subjects that meet the condition
// (once per (rule, subject, period)), resolutions for those that no longer do,
// with their flags, cards and escalations. Returns statement groups; each group
// is one firing's complete effect and is safe to apply twice.
import { and, eq, inArray, or } from 'drizzle-orm';
import type { PlatformAdapter } from '../../bots/types';
import type { Statement, Store } from '../../storage/db';
import type { IdentityIndex } from '../../jobs/recipients';
import { personFlags, ruleFirings } from '../../storage/schema';
import { buildEscalationCard } from '../../cards/escalation';
import { buildCheckInTaskCard, buildSuggestionCard } from '../../cards/suggestion';
import { suggestionFor, type MetricRule } from './definition';
import type { MetricFiringData } from './firing-data';
import { metricRuleHits, type AggregateCache, type MetricHit } from './metric-eval';
import { escalationSubject, firingId, personAddresses, ruleMessageStatements, type RuleMessage } from './outbound';
import { periodKeyOf, shiftPeriod } from './periods';
import type { RuleRow } from './repo';
import { scopeFilter, type OrgDirectory, type ScopePerson } from './scope';
import { escalationUpdates } from './escalation';

export interface EvalEnv {
  store: Store;
  adapters: ReadonlyMap<string, PlatformAdapter>;
  orgId: string;
  now: Date;
  offsetMs: number;
  dir: OrgDirectory;
  identities(personIds: string[]): Promise<IdentityIndex>;
  /** Shared per pass: rules on the same metric and period read the points once. */
  aggregates?: AggregateCache;
}

export interface RuleOutcome {
  ruleId: string;
  fired: { firingId: string; subject: string; period: string }[];
  resolved: { firingId: string; subject: string }[];
  groups: Statement[][];
}

export function conditionOf(rule: MetricRule) {
  return { metric: rule.metric, period: rule.period, consecutive: rule.consecutive, op: rule.condition.op, threshold: rule.condition.threshold };
}

/** Whom a hit would reach: the preview's answer and the firing's plan. */
export async function metricHitsInScope(env: EvalEnv, rule: MetricRule): Promise<{ hit: MetricHit; person: ScopePerson }[]> {
  const inScope = scopeFilter(env.dir, rule.scope);
  const hits = await metricRuleHits(env.store, env.orgId, rule, env.now, env.offsetMs, (s) => {
    const p = env.dir.byExternalId.get(s);
    return !!p && inScope(p);
  }, env.aggregates);
  return hits.map((hit) => ({ hit, person: env.dir.byExternalId.get(hit.subject)! }));
}

export async function evaluateMetricRule(env: EvalEnv, row: RuleRow, rule: MetricRule): Promise<RuleOutcome> {
  const { store, orgId, now } = env;
  const outcome: RuleOutcome = { ruleId: row.id, fired: [], resolved: [], groups: [] };
  const hits = await metricHitsInScope(env, rule);
  const current = periodKeyOf(rule.period, now, env.offsetMs);
  const recent = await store.db.select({ id: ruleFirings.id, subject: ruleFirings.subject, state: ruleFirings.state, data: ruleFirings.data }).from(ruleFirings)
    .where(and(eq(ruleFirings.ruleId, row.id), or(eq(ruleFirings.state, 'firing'), inArray(ruleFirings.period, [current, shiftPeriod(rule.period, current, -1)]))));
  const known = new Set(recent.map((r) => r.id));
  const open = new Map(recent.filter((r) => r.state === 'firing').map((r) => [r.subject, r]));
  const hitSubjects = new Set(hits.map((h) => h.person.id));

  const fresh: { hit: MetricHit; person: ScopePerson; id: string }[] = [];
  for (const { hit, person } of hits) {
    if (open.has(person.id)) continue;
    const id = await firingId(row.id, person.id, hit.endPeriod);
    if (known.has(id)) continue; // fired and resolved within this same period: never twice
    fresh.push({ hit, person, id });
  }
  const observe = row.mode === 'observe';
  const escalate = rule.actions.find((a) => a.type === 'escalate_coach');
  const recipients = new Set<string>();
  for (const { person } of fresh) {
    recipients.add(person.id);
    const coach = person.coachId ?? person.managerId;
    if (coach) recipients.add(coach);
    if (person.managerId) recipients.add(person.managerId);
  }
  const index = observe || !fresh.length ? new Map() : await env.identities([...recipients]);

  for (const { hit, person, id } of fresh) {
    const coachId = escalate ? person.coachId ?? person.managerId : null;
    const data: MetricFiringData = {
      kind: 'metric', ruleName: row.name, condition: conditionOf(rule), values: hit.values, trend: hit.trend,
      personId: person.id, externalId: person.externalId, personName: person.name, personTitle: person.title, observe,
      coachId, escalateAfterDays: escalate?.afterDays,
    };
    const group: Statement[] = [store.db.insert(ruleFirings).values({
      id, orgId, ruleId: row.id, subject: person.id, period: hit.endPeriod, state: 'firing', data: data as unknown as Record<string, unknown>, firedAt: now.toISOString(),
    }).onConflictDoNothing()];
    for (const action of rule.actions) {
      if (action.type !== 'set_flag') continue;
      group.push(store.db.insert(personFlags).values({ personId: person.id, flag: action.flag, orgId, ruleId: row.id, observeOnly: observe, setAt: now.toISOString() }).onConflictDoNothing());
    }
    if (!observe) group.push(...await ruleMessageStatements(store, orgId, id, planMessages(env, index, rule, data, id), now));
    outcome.groups.push(group);
    outcome.fired.push({ firingId: id, subject: person.id, period: hit.endPeriod });
  }

  for (const [subject, firing] of open) {
    if (hitSubjects.has(subject)) continue;
    const group: Statement[] = [
      store.db.update(ruleFirings).set({ state: 'resolved', resolvedAt: now.toISOString() }).where(and(eq(ruleFirings.id, firing.id), eq(ruleFirings.state, 'firing'))),
      store.db.delete(personFlags).where(and(eq(personFlags.personId, subject), eq(personFlags.ruleId, row.id))),
    ];
    const data = firing.data as unknown as MetricFiringData | null;
    if (data?.coachId) group.push(...await escalationUpdates(env, firing.id, data, { resolved: true }));
    outcome.groups.push(group);
    outcome.resolved.push({ firingId: firing.id, subject });
  }
  return outcome;
}

function planMessages(env: EvalEnv, index: IdentityIndex, rule: MetricRule, data: MetricFiringData, id: string): RuleMessage[] {
  const out: RuleMessage[] = [];
  const person = env.dir.byId.get(data.personId)!;
  const to = (personId: string) => personAddresses(index, personId, env.adapters);
  for (const action of rule.actions) {
    if (action.type === 'notify_subject') {
      const card = buildSuggestionCard({ locale: person.locale, personName: person.name, ruleName: data.ruleName, condition: data.condition, values: data.values, suggestion: suggestionFor(rule, person.locale) });
      for (const address of to(person.id)) out.push({ to: address, message: { card }, subject: `rule:${id}`, purpose: 'subject' });
    } else if (action.type === 'open_check_in') {
      const card = buildCheckInTaskCard({ locale: person.locale, personName: person.name, ruleName: data.ruleName, condition: data.condition });
      for (const address of to(person.id)) out.push({ to: address, message: { card }, subject: `rule:${id}:checkin`, purpose: 'checkin' });
    } else if (action.type === 'escalate_coach' || action.type === 'notify_manager') {
      const recipientId = action.type === 'escalate_coach' ? data.coachId : person.managerId;
      if (!recipientId) continue;
      if (action.type === 'notify_manager' && recipientId === data.coachId && rule.actions.some((a) => a.type === 'escalate_coach')) continue;
      const reader = env.dir.byId.get(recipientId);
      const coach = data.coachId ? env.dir.byId.get(data.coachId) : undefined;
      const card = buildEscalationCard({
        locale: reader?.locale ?? 'zh-CN', firingId: id, personName: person.name, personTitle: person.title, coachName: coach?.name,
        ruleName: data.ruleName, condition: data.condition, trend: data.trend,
      });
      for (const address of to(recipientId)) out.push({ to: address, message: { card }, subject: escalationSubject(id), purpose: `${action.type}:${recipientId}` });
    }
  }
  return out;
}
