// Every 15 minutes: run each enabled connector of the org whose own schedule (a cron in the
// org's zone) has a slot no run has served yet, or whose failed run is due for a retry. A
// connector's failure is recorded on it and never stops the others.
import type { JobDefinition } from '../../jobs/types';
import type { Services } from '../services';
import { enabledConnectors, isDue, runConnector } from './run';

export const connectorsRun: JobDefinition<Services> = {
  name: 'connectors',
  description: 'Pull metric points from connectors (attendance, Bitable, HTTP sources) whose schedule is due',
  schedule: '*/15 * * * *',
  tick: '*/15 * * * *',
  period: 'quarter-hour',
  catchUpMs: 15 * 60_000,
  async run(ctx) {
    const { services, org } = ctx;
    const now = services.clock.now();
    for (const row of await enabledConnectors(services.store, org.id)) {
      const due = isDue(row, ctx.orgTimeZone, now);
      if (!due.due) continue;
      if (ctx.dryRun) {
        ctx.log(`would run connector ${row.name}`);
        ctx.stats.due = (ctx.stats.due ?? 0) + 1;
        continue;
      }
      const report = await runConnector(services, org, row, ctx.orgTimeZone, { slot: due.slot });
      ctx.log(`${row.name}: ${report.status} read ${report.read} stored ${report.stored} rejected ${report.rejected}`);
      ctx.stats.runs = (ctx.stats.runs ?? 0) + 1;
      ctx.stats.stored = (ctx.stats.stored ?? 0) + report.stored;
      ctx.stats.rejected = (ctx.stats.rejected ?? 0) + report.rejected;
      if (report.status === 'failed') ctx.stats.failed = (ctx.stats.failed ?? 0) + 1;
    }
  },
};
