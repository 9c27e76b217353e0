// Shared by /tree and /stats: the org, its time zone and the cycle a request is about.
import type { Context } from 'hono';
import type { AppEnv } from '../services';
import { resolveOrg } from './org';
import { notFound } from './errors';
import { resolveCycle } from '../../storage/repos/cycles';
import { localDate } from '../../core/okr/pace';
import type { RollupQuery } from '../../storage/repos/tree';

export async function rollupQueryFor(c: Context<AppEnv>): Promise<RollupQuery> {
  const { store, clock, config } = c.get('deps');
  const org = await resolveOrg(c, store);
  const timeZone = org.settings?.timezone ?? config.defaultTimezone;
  const now = clock.now();
  // `current` (as the other endpoints accept) means the same as no cycle: the active one.
  const given = c.req.query('cycle');
  const ref = given && given !== 'current' ? given : undefined;
  const cycle = await resolveCycle(store, org.id, ref, localDate(now, timeZone));
  if (!cycle) throw ref ? notFound('Cycle', ref) : notFound('Cycle', '(current)');
  return { orgId: org.id, cycle, now, timeZone };
}
