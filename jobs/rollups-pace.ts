// Daily, just after local midnight: the stored roll-ups' statuses at the new day's pace. Statuses
// (on track, at risk, …) depend on the fraction of the cycle elapsed, which moves once a day; the
// values (progress, confidence, check-ins) do not. Each cycle with stored totals at another pace is
// rebuilt in slices that give the event loop a turn (storage/repos/rollup-store.ts), so the first
// GET /stats of the day finds today's pace stored instead of rebuilding the cycle itself (8 s at
// 100,000 people). GET /tree never waits for it: it computes statuses at the request's pace.
import { repaceOrg } from '../storage/repos/rollup-store';
import type { JobDefinition } from './types';

export const rollupsPace: JobDefinition = {
  name: 'rollups-pace',
  description: "Rebuild the stored roll-ups' statuses at the new day's pace, in slices",
  schedule: '0 0 * * *',
  tick: '*/15 * * * *',
  period: 'day',
  catchUpMs: 24 * 3_600_000,
  async run(ctx) {
    if (ctx.dryRun) {
      ctx.log('dry run: would rebuild every cycle whose stored roll-ups are at another pace than today');
      return;
    }
    const rebuilt = await repaceOrg(ctx.services.store, ctx.org.id, ctx.now, ctx.orgTimeZone);
    ctx.stats.cycles = rebuilt.length;
    for (const c of rebuilt) ctx.log(`cycle ${c.cycleId}: pace ${c.from.toFixed(4)} → ${c.to.toFixed(4)}`);
  },
};
