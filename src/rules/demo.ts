// The demo org's rules (npm run seed:demo): low classroom feedback escalates to
// the coach; a low monthly renewal rate freezes promotion nominations, in
// observe mode (the rollout's first months: visible, no consequences).
// Deterministic ids: loading twice changes nothing.
import type { Store } from '../../storage/db';
import { rules } from '../../storage/schema';
import type { MetricRule } from '../../core/rules/definition';
import { ensureBuiltinRules } from './repo';

export const DEMO_RULES: { key: string; name: string; mode: 'observe' | 'enforce'; definition: MetricRule }[] = [
  {
    key: 'feedback',
    name: '课堂反馈连续两周低于 4.5 / Feedback below 4.5 for 2 weeks',
    mode: 'enforce',
    definition: {
      kind: 'metric',
      scope: { type: 'role', titles: ['老师', 'Teacher'] },
      metric: 'feedback_score',
      period: 'week',
      aggregation: 'avg',
      condition: { op: '<', threshold: 4.5 },
      consecutive: 2,
      actions: [{ type: 'notify_subject' }, { type: 'escalate_coach', afterDays: 3 }],
      suggestion: {
        'zh-CN': '建议本周旁听一节高分老师的课，课后用 5 分钟收集学生反馈，并和教研主管一起复盘课堂节奏。',
        en: 'Sit in on a top-rated class this week, collect five minutes of student feedback after each lesson, and review your pacing with your coach.',
      },
    },
  },
  {
    key: 'renewal',
    name: '月续费率低于 60% 冻结晋升提名 / Renewal below 60% freezes promotion nomination',
    mode: 'observe',
    definition: {
      kind: 'metric',
      scope: { type: 'role', titles: ['老师', 'Teacher'] },
      metric: 'renewal_rate',
      period: 'month',
      aggregation: 'last',
      condition: { op: '<', threshold: 60 },
      consecutive: 1,
      actions: [{ type: 'set_flag', flag: 'promotion_nomination_frozen' }, { type: 'notify_manager' }],
    },
  },
];

export async function loadDemoRules(store: Store, orgId: string, now: Date): Promise<string[]> {
  const at = now.toISOString();
  const ids = DEMO_RULES.map((r) => `rule_demo_${r.key}_${orgId}`);
  await store.db
    .insert(rules)
    .values(
      DEMO_RULES.map((r, i) => ({
        id: ids[i],
        orgId,
        name: r.name,
        enabled: true,
        mode: r.mode,
        builtin: null,
        definition: r.definition as unknown as Record<string, unknown>,
        createdAt: at,
        updatedAt: at,
      })),
    )
    .onConflictDoNothing();
  await ensureBuiltinRules(store, orgId, now);
  return ids;
}
