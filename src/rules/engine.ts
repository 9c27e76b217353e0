// One evaluation pass over an org: bring metric KRs up to date, evaluate every
// enabled rule for every subject, escalate overdue escalations. Writes go in
// groups (one firing or resolution with its flags and messages per group),
// committed in atomic batches; every group is idempotent, so a pass that runs
// twice, or on two instances at once, fires nothing twice.
import { and, eq, isNull } from 'drizzle-orm';
import type { PlatformAdapter } from '../../bots/types';
import type { Store } from '../../storage/db';
import { rules as rulesTable } from '../../storage/schema';
import type { Organization } from '../../storage/repos/types';
import { loadIdentities, type Addressable } from '../../jobs/recipients';
import { deliverKrAlerts } from './alert-notices';
import type { Config } from '../config';
import { syncMetricKrs } from '../metrics/kr-sync';
import { orgOffsetMs, orgTimeZoneOf } from './context';
import { escalateOverdue } from './escalation';
import { evaluateKrAlertRule, openCycleKrs } from './kr-alerts';
import { evaluateMetricRule, type EvalEnv, type RuleOutcome } from './metric-firings';
import { enabledRules, ensureBuiltinRules } from './repo';
import { loadDirectory } from './scope';
import { ruleFiredStatement } from '../../storage/webhook-events';
import { commitGroups } from './write-groups';
import { Slices } from '../../core/loop';

export interface EvaluationDeps {
  store: Store;
  config: Pick<Config, 'defaultTimezone'>;
  adapters: ReadonlyMap<string, PlatformAdapter>;
  /** Where messages may be addressed (default: the adapters); see Services.addressable. */
  addressable?: Addressable & { size: number };
}

/** The org's alert sending switch (settings.alerts): off (`observe`) unless an admin turned it on. */
export function alertsSending(org: Organization): boolean {
  return org.settings?.alerts === 'send';
}

export interface EvaluationSummary {
  rules: number;
  fired: number;
  resolved: number;
  escalated: number;
  krsUpdated: number;
  /** Daily alert cards written this pass, and the KR alerts named on them. */
  alertCards: number;
  alertsNamed: number;
  broken: { id: string; error: string }[];
  perRule: { ruleId: string; fired: number; resolved: number }[];
}

export async function evaluationEnv(
  deps: EvaluationDeps,
  org: Organization,
  now: Date,
): Promise<EvalEnv & { timeZone: string }> {
  const timeZone = orgTimeZoneOf(org, deps.config);
  const addressable = deps.addressable ?? deps.adapters;
  const sending = alertsSending(org);
  return {
    store: deps.store,
    addressable,
    orgDefault: org.settings?.defaultPlatform ?? null,
    quiet: (row) => !sending || row.mode === 'observe' || !row.baselineAt,
    orgId: org.id,
    now,
    timeZone,
    offsetMs: orgOffsetMs(timeZone, now),
    dir: await loadDirectory(deps.store, org.id),
    // Without a configured platform nobody is reachable: skip the look-ups (N/90 queries).
    identities: (ids) => (addressable.size ? loadIdentities(deps.store, ids) : Promise.resolve(new Map())),
    aggregates: new Map(),
  };
}

export async function evaluateOrg(
  deps: EvaluationDeps,
  org: Organization,
  now: Date,
  options: { log?: (m: string) => void } = {},
): Promise<EvaluationSummary> {
  const { store } = deps;
  await ensureBuiltinRules(store, org.id, now);
  const env = await evaluationEnv(deps, org, now);
  const sync = await syncMetricKrs(store, { orgId: org.id, timeZone: env.timeZone, now });
  const { rules, broken } = await enabledRules(store, org.id);
  for (const b of broken) options.log?.(`rule ${b.id} skipped: its stored definition is invalid (${b.error})`);
  const summary: EvaluationSummary = {
    rules: rules.length,
    fired: 0,
    resolved: 0,
    escalated: 0,
    krsUpdated: sync.updated.length,
    alertCards: 0,
    alertsNamed: 0,
    broken,
    perRule: [],
  };
  let krs: Awaited<ReturnType<typeof openCycleKrs>> | undefined;
  // Time-boxed: between two rules the event loop runs once the slice budget is spent.
  const slices = new Slices();
  for (const { row, definition } of rules) {
    await slices.pause();
    let outcome: RuleOutcome;
    if (definition.kind === 'builtin') {
      krs ??= await openCycleKrs(env, env.timeZone);
      outcome = await evaluateKrAlertRule(env, row, definition, env.timeZone, krs);
    } else {
      outcome = await evaluateMetricRule(env, row, definition);
    }
    // Outbound webhooks: rule.fired for what this pass fired, except on the rule's silent baseline pass.
    const firedAt = now.toISOString();
    await commitGroups(
      store,
      outcome.groups,
      row.baselineAt ? () => [ruleFiredStatement(store, { orgId: org.id, ruleId: row.id, firedAt })] : undefined,
    );
    // The rule's first pass was its baseline: from the next one on, what fires is sent.
    if (!row.baselineAt)
      await store.db
        .update(rulesTable)
        .set({ baselineAt: now.toISOString() })
        .where(and(eq(rulesTable.id, row.id), isNull(rulesTable.baselineAt)));
    summary.fired += outcome.fired.length;
    summary.resolved += outcome.resolved.length;
    summary.perRule.push({ ruleId: row.id, fired: outcome.fired.length, resolved: outcome.resolved.length });
    options.log?.(`rule ${row.id} (${row.name}): ${outcome.fired.length} fired, ${outcome.resolved.length} resolved`);
  }
  if (krs) {
    const notices = await deliverKrAlerts(env, env.timeZone, krs);
    summary.alertCards = notices.cards;
    summary.alertsNamed = notices.named;
  }
  const overdue = await escalateOverdue(env);
  await commitGroups(
    store,
    overdue.groups.map((statements) => ({ statements })),
  );
  summary.escalated = overdue.escalated.length;
  return summary;
}
