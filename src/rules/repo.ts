// Rules as rows: reading, the built-in KR alerts (created on first use with
// deterministic ids, so two instances never create them twice), and the
// write-time checks that need storage (is the metric known?).
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import type { Store } from '../../storage/db';
import { keyResults, rules } from '../../storage/schema';
import { metricHasPoints } from '../metrics/store';
import {
  BUILTIN_DEFAULTS,
  BUILTINS,
  BuiltinRuleSchema,
  MetricRuleSchema,
  type BuiltinKind,
  type RuleDefinition,
} from '../../core/rules/definition';

export type RuleRow = typeof rules.$inferSelect;

export interface LoadedRule {
  row: RuleRow;
  definition: RuleDefinition;
}

export const builtinRuleId = (orgId: string, builtin: BuiltinKind) => `rule_${builtin}_${orgId}`.slice(0, 120);

/** Inserts the built-in KR alert rules an org does not have yet (enabled, enforce mode). */
export async function ensureBuiltinRules(store: Store, orgId: string, now: Date): Promise<void> {
  const existing = await store.db
    .select({ builtin: rules.builtin })
    .from(rules)
    .where(and(eq(rules.orgId, orgId), isNotNull(rules.builtin)));
  const have = new Set(existing.map((r) => r.builtin));
  const missing = BUILTINS.filter((b) => !have.has(b));
  if (!missing.length) return;
  const at = now.toISOString();
  await store.db
    .insert(rules)
    .values(
      missing.map((b) => ({
        id: builtinRuleId(orgId, b),
        orgId,
        name: BUILTIN_DEFAULTS[b].name,
        enabled: true,
        mode: 'enforce' as const,
        builtin: b,
        definition: BUILTIN_DEFAULTS[b].definition as unknown as Record<string, unknown>,
        createdAt: at,
        updatedAt: at,
      })),
    )
    .onConflictDoNothing();
}

/** A stored definition, parsed; a row that no longer parses (hand-edited) is reported, not evaluated. */
export function parseDefinition(row: RuleRow): { definition?: RuleDefinition; error?: string } {
  const schema = row.builtin ? BuiltinRuleSchema : MetricRuleSchema;
  const parsed = schema.safeParse(row.definition);
  return parsed.success
    ? { definition: parsed.data }
    : { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}

export async function enabledRules(
  store: Store,
  orgId: string,
): Promise<{ rules: LoadedRule[]; broken: { id: string; error: string }[] }> {
  const rows = await store.db
    .select()
    .from(rules)
    .where(and(eq(rules.orgId, orgId), eq(rules.enabled, true)))
    .orderBy(asc(rules.id));
  const loaded: LoadedRule[] = [];
  const broken: { id: string; error: string }[] = [];
  for (const row of rows) {
    const { definition, error } = parseDefinition(row);
    if (definition) loaded.push({ row, definition });
    else broken.push({ id: row.id, error: error! });
  }
  return { rules: loaded, broken };
}

export async function getRule(store: Store, orgId: string, id: string): Promise<RuleRow | undefined> {
  const [row] = await store.db
    .select()
    .from(rules)
    .where(and(eq(rules.orgId, orgId), eq(rules.id, id)))
    .limit(1);
  return row;
}

/** A metric is known when the org has points for it or a KR is bound to it. */
export async function isKnownMetric(store: Store, orgId: string, metric: string): Promise<boolean> {
  if (await metricHasPoints(store, orgId, metric)) return true;
  const [bound] = await store.db
    .select({ id: keyResults.id })
    .from(keyResults)
    .where(and(eq(keyResults.orgId, orgId), eq(keyResults.metricKey, metric)))
    .limit(1);
  return !!bound;
}
