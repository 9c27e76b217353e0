// Daily at 02:00 in the org's zone (overridable per org like every schedule):
// re-sync the org from every configured platform directory, healing anything
// the change events missed. An org syncs from a platform only when one of that
// platform's tenants is bound to it, or when it is the installation's only org
// and no org is bound (a single-company install), so an org never receives
// another company's directory.
import type { JobDefinition } from '../../jobs/types';
import type { Config } from '../config';
import type { Services } from '../services';
import { checkDirectoryTenant, DIRECTORY_PLATFORMS, DirectoryWrongTenant, runDirectorySync } from './run';
import type { Platform } from '../../core/types';
import type { Store } from '../../storage/db';

/**
 * The platforms whose directory this org reads: configured, and whose credentials serve the org's
 * tenant (checkDirectoryTenant), so an org never receives another company's directory.
 */
export async function directoryPlatformsFor(
  store: Store,
  config: Config,
  org: { id: string; name: string },
): Promise<Platform[]> {
  const out: Platform[] = [];
  for (const platform of DIRECTORY_PLATFORMS) {
    if (!config[platform]) continue;
    try {
      await checkDirectoryTenant(store, config, org, platform);
      out.push(platform);
    } catch (err) {
      if (!(err instanceof DirectoryWrongTenant)) throw err;
    }
  }
  return out;
}

export const directorySync: JobDefinition<Services> = {
  name: 'directory-sync',
  description: 'Re-sync teams, people and identities from the platform directories',
  schedule: '0 2 * * *',
  tick: '*/15 * * * *',
  period: 'day',
  catchUpMs: 12 * 3_600_000,
  async run(ctx) {
    const { services, org } = ctx;
    const platforms = await directoryPlatformsFor(services.store, services.config, org);
    for (const platform of platforms) {
      const summary = await runDirectorySync(services.store, services.config, org, platform, {
        dryRun: ctx.dryRun,
        clock: services.clock,
      });
      ctx.log(`${platform}: ${JSON.stringify({ ...summary, conflicts: summary.conflicts.length })}`);
      for (const key of [
        'teams_created',
        'teams_updated',
        'people_created',
        'people_updated',
        'people_deactivated',
        'people_reactivated',
        'identities_bound',
      ] as const)
        ctx.stats[key] = (ctx.stats[key] ?? 0) + summary[key];
      ctx.stats.conflicts = (ctx.stats.conflicts ?? 0) + summary.conflicts.length;
    }
    ctx.stats.platforms = platforms.length;
  },
};
