// The rule format: a zod-validated JSON structure, which IS the no-code rule
// language (no string expressions to parse or inject). Admins write it through
// /api/v1/rules; docs/rules.md documents every field with examples.
import { z } from 'zod';

export const PERIODS = ['day', 'week', 'month'] as const;
export const AGGREGATIONS = ['avg', 'sum', 'min', 'max', 'last', 'count'] as const;
export const OPERATORS = ['<', '<=', '>', '>=', '==', '!='] as const;
export const BUILTINS = ['kr_status', 'kr_confidence_drop', 'kr_stale'] as const;

export type Period = (typeof PERIODS)[number];
export type Aggregation = (typeof AGGREGATIONS)[number];
export type Operator = (typeof OPERATORS)[number];
export type BuiltinKind = (typeof BUILTINS)[number];

/** The longest window a rule may look back over, per period: about a year. */
export const MAX_CONSECUTIVE: Record<Period, number> = { day: 366, week: 53, month: 12 };

const name = z.string().trim().min(1).max(200);
const ids = z.array(name).min(1, 'list at least one').max(1000);

export const ScopeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('org') }).strict(),
  /** Team ids or names; members of sub-teams are included unless `includeSubteams` is false. */
  z.object({ type: z.literal('team'), teams: ids, includeSubteams: z.boolean().default(true) }).strict(),
  /** People whose title contains any of these words (case-insensitive): `老师`, `Teacher`. */
  z.object({ type: z.literal('role'), titles: ids }).strict(),
  /** People by external id. */
  z.object({ type: z.literal('people'), people: ids }).strict(),
]);

export const FLAG_PATTERN = /^[a-z][a-z0-9_]{1,63}$/;

export const ActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('notify_subject') }).strict(),
  z.object({ type: z.literal('escalate_coach'), afterDays: z.number().int().min(1).max(60).default(3) }).strict(),
  z.object({ type: z.literal('notify_manager') }).strict(),
  z
    .object({
      type: z.literal('set_flag'),
      flag: z.string().regex(FLAG_PATTERN, 'lower_snake_case, 2–64 characters, e.g. promotion_nomination_frozen'),
    })
    .strict(),
  z.object({ type: z.literal('open_check_in') }).strict(),
]);

const Suggestion = z
  .object({
    'zh-CN': z.string().trim().min(1).max(1000).optional(),
    en: z.string().trim().min(1).max(1000).optional(),
  })
  .strict();

export const MetricRuleSchema = z
  .object({
    kind: z.literal('metric').default('metric'),
    scope: ScopeSchema.default({ type: 'org' }),
    metric: z.string().trim().min(1).max(100).regex(/^\S+$/, 'no spaces'),
    period: z.enum(PERIODS),
    aggregation: z.enum(AGGREGATIONS),
    condition: z.object({ op: z.enum(OPERATORS), threshold: z.number().min(-1e12).max(1e12) }).strict(),
    consecutive: z.number().int().min(1).default(1),
    actions: z.array(ActionSchema).min(1, 'a rule needs at least one action').max(10),
    suggestion: Suggestion.optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const max = MAX_CONSECUTIVE[rule.period];
    if (rule.consecutive > max) {
      ctx.addIssue({
        code: 'custom',
        path: ['consecutive'],
        message: `impossible window: at most ${max} consecutive ${rule.period}s (about a year)`,
      });
    }
    const { op, threshold } = rule.condition;
    // count is a whole number ≥ 1 for every period that has data: some comparisons can never hold.
    if (
      rule.aggregation === 'count' &&
      ((op === '<' && threshold <= 1) ||
        (op === '<=' && threshold < 1) ||
        (op === '==' && (threshold < 1 || !Number.isInteger(threshold))))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['condition'],
        message: 'impossible condition: a period with data has a count of at least 1',
      });
    }
    const seen = new Set<string>();
    rule.actions.forEach((a, i) => {
      const key = a.type === 'set_flag' ? `set_flag:${a.flag}` : a.type;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['actions', i], message: `duplicate action ${key}` });
      seen.add(key);
    });
  });

export const BuiltinRuleSchema = z
  .object({
    kind: z.literal('builtin'),
    builtin: z.enum(BUILTINS),
    /** kr_confidence_drop: the drop (0–10 scale) that fires. */
    minDrop: z.number().int().min(1).max(10).optional(),
    /** kr_stale: days without a check-in. */
    days: z.number().int().min(1).max(365).optional(),
    /** kr_status: which statuses fire. */
    statuses: z
      .array(z.enum(['at_risk', 'off_track']))
      .min(1)
      .optional(),
  })
  .strict();

export type Scope = z.infer<typeof ScopeSchema>;
export type RuleAction = z.infer<typeof ActionSchema>;
export type MetricRule = z.infer<typeof MetricRuleSchema>;
export type BuiltinRule = z.infer<typeof BuiltinRuleSchema>;
export type RuleDefinition = MetricRule | BuiltinRule;

/** Built-in KR alerts, shipped enabled (editable: mode, enabled, thresholds). */
export const BUILTIN_DEFAULTS: Record<BuiltinKind, { name: string; definition: BuiltinRule }> = {
  kr_status: {
    name: 'KR 有风险或落后 / KR at risk or off track',
    definition: { kind: 'builtin', builtin: 'kr_status', statuses: ['at_risk', 'off_track'] },
  },
  kr_confidence_drop: {
    name: 'KR 信心下降 3 分以上 / KR confidence dropped by 3+',
    definition: { kind: 'builtin', builtin: 'kr_confidence_drop', minDrop: 3 },
  },
  kr_stale: {
    name: 'KR 14 天未更新 / No KR check-in for 14 days',
    definition: { kind: 'builtin', builtin: 'kr_stale', days: 14 },
  },
};

export function compare(value: number, op: Operator, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

/** The suggestion text in the reader's language, falling back to the other one. */
export function suggestionFor(rule: Pick<MetricRule, 'suggestion'>, locale: 'zh-CN' | 'en'): string | undefined {
  const s = rule.suggestion;
  if (!s) return undefined;
  return locale === 'en' ? (s.en ?? s['zh-CN']) : (s['zh-CN'] ?? s.en);
}
