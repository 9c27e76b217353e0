// Dry run: whom a rule would hit right now, and what it would do — nothing is written.
import { and, eq } from 'drizzle-orm';
import type { Organization } from '../../storage/repos/types';
import { ruleFirings } from '../../storage/schema';
import type { RuleDefinition } from '../../core/rules/definition';
import { evaluationEnv, type EvaluationDeps } from './engine';
import { desiredStates, openCycleKrs } from './kr-alerts';
import { metricHitsInScope } from './metric-firings';

export interface PreviewHit {
  subject: { type: 'person' | 'key_result'; id: string; external_id?: string; name: string };
  period: string;
  values?: { period: string; value: number }[];
  facts?: unknown;
  already_firing: boolean;
}

export async function previewRule(
  deps: EvaluationDeps,
  org: Organization,
  definition: RuleDefinition,
  now: Date,
  ruleId?: string,
): Promise<{ hits: PreviewHit[]; evaluated_at: string }> {
  const env = await evaluationEnv(deps, org, now);
  const open = ruleId
    ? new Set(
        (
          await deps.store.db
            .select({ subject: ruleFirings.subject })
            .from(ruleFirings)
            .where(and(eq(ruleFirings.ruleId, ruleId), eq(ruleFirings.state, 'firing')))
        ).map((r) => r.subject),
      )
    : new Set<string>();
  if (definition.kind === 'builtin') {
    const states = await desiredStates(env, definition, await openCycleKrs(env, env.timeZone), env.timeZone);
    return {
      evaluated_at: now.toISOString(),
      hits: [...states.values()].map((s) => ({
        subject: { type: 'key_result' as const, id: s.kr.id, name: s.kr.title },
        period: s.period,
        facts: { ...s.facts, owner_id: s.ownerId },
        already_firing: open.has(s.kr.id),
      })),
    };
  }
  const hits = await metricHitsInScope(env, definition);
  return {
    evaluated_at: now.toISOString(),
    hits: hits.map(({ hit, person }) => ({
      subject: { type: 'person' as const, id: person.id, external_id: person.externalId, name: person.name },
      period: hit.endPeriod,
      values: hit.values,
      already_firing: open.has(person.id),
    })),
  };
}
