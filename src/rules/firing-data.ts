// What a firing row remembers (rule_firings.data): enough to draw its cards
// again later (acknowledgement, escalation, resolution) without re-reading the rule.
import type { ConditionFacts } from '../../core/rules/describe';
import type { PeriodValue } from './metric-eval';

export interface MetricFiringData {
  kind: 'metric';
  ruleName: string;
  condition: ConditionFacts;
  values: PeriodValue[];
  trend: PeriodValue[];
  /** Consecutive periods up to the latest that met the condition, as the trend shows them. */
  run?: number;
  personId: string;
  externalId: string;
  personName: string;
  personTitle: string | null;
  observe: boolean;
  /** Recorded without sending (observe org, baseline pass): never escalated later either. */
  held?: boolean;
  /** Who got the escalation card (coach, or manager when there is no coach). */
  coachId?: string | null;
  /** Days before an unacknowledged escalation goes to the coach's manager. */
  escalateAfterDays?: number;
  /** Set when it went to the coach's manager. */
  escalatedToId?: string | null;
  acknowledgement?: { byId: string; byName: string; at: string; action: 'follow_up' | 'coaching' };
}

export interface KrFiringData {
  kind: 'kr';
  builtin: string;
  krId: string;
  ownerId: string;
  facts: Record<string, unknown>;
  observe: boolean;
}

export type FiringData = MetricFiringData | KrFiringData;
