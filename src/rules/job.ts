// Hourly: evaluate every enabled rule of the org (metric rules and the built-in
// KR alerts), resolve what cleared, escalate unacknowledged escalations. The
// runner's job_runs claim keeps one run per hour; the rule engine's own
// deterministic firing and outbox ids keep a rule from firing twice per period
// even if two passes overlap (src/rules/engine.ts).
import { evaluateOrg } from './engine';
import type { JobDefinition } from '../../jobs/types';
import type { Services } from '../services';

export const rulesEvaluate: JobDefinition<Services> = {
  name: 'rules-evaluate',
  description: 'Evaluate alert rules and built-in KR alerts; resolve and escalate',
  schedule: '5 * * * *',
  tick: '*/15 * * * *',
  period: 'hour',
  catchUpMs: 3_600_000,
  async run(ctx) {
    if (ctx.dryRun) {
      ctx.log('dry run: would evaluate every enabled rule');
      return;
    }
    const s = await evaluateOrg(ctx.services, ctx.org, ctx.now, { log: ctx.log });
    Object.assign(ctx.stats, {
      rules: s.rules,
      fired: s.fired,
      resolved: s.resolved,
      escalated: s.escalated,
      krsUpdated: s.krsUpdated,
      alertCards: s.alertCards,
      alertsNamed: s.alertsNamed,
    });
    // Outbox rows were written; deliver them now rather than at the next outbox tick.
    ctx.services.defer(ctx.services.outbox.drain());
  },
};
