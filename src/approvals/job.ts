// Hourly: remind approvers of adjustment requests pending for 2 days and expire
// those past 7 (src/approvals/sweep.ts does the work and its own claims; this
// job only schedules it, once per hour for the whole installation).
import { sweepAdjustments } from './sweep';
import type { JobDefinition } from '../../jobs/types';
import type { Services } from '../services';

export const adjustmentSweep: JobDefinition<Services> = {
  name: 'adjustment-sweep',
  description: 'Remind approvers of stale adjustment requests and expire old ones',
  schedule: '0 * * * *',
  tick: '*/15 * * * *',
  period: 'hour',
  catchUpMs: 3_600_000,
  global: true,
  async run(ctx) {
    if (ctx.dryRun) {
      ctx.log('dry run: would sweep pending adjustments');
      return;
    }
    const result = await sweepAdjustments(ctx.services, ctx.now);
    ctx.stats.reminded = result.reminded;
    ctx.stats.expired = result.expired;
  },
};
