// Shared by /tree and /stats: the org, its time zone and the cycle a request is about.
import type { Context } from 'hono';
import type { AppEnv } from '../app';
import { resolveOrg } from './org';
import { notFound } from './errors';
import { resolveCycle } from '../../storage/repos/cycles';
import { localDate } from '../okr/pace';
import type { RollupQuery } from '../../storage/repos/tree';

export async function rollupQueryFor(c: Context<AppEnv>): Promise<RollupQuery> {
  const { store, clock, config } = c.get('deps');
  const org = await resolveOrg(c, store);
  const timeZone = org.settings?.timezone ?? config.defaultTimezone;
  const now = clock.now();
  const ref = c.req.query('cycle') || undefined;
  const cycle = await resolveCycle(store, org.id, ref, localDate(now, timeZone));
  if (!cycle) throw ref ? notFound('Cycle', ref) : notFound('Cycle', '(current)');
  return { orgId: org.id, cycle, now, timeZone };
}
