// POST /api/v1/rollups/recompute?cycle= — rebuild the cycle's stored roll-ups from scratch (after an
// import or a migration, or to check them): docs/okr-math.md "Stored roll-ups". Admin token, like
// all of /api/v1. Answers with the rebuilt totals' counts and how long it took.
import { Hono } from 'hono';
import type { AppEnv } from '../services';
import { rollupQueryFor } from './okr-query';
import { expectedPace } from '../../core/okr';
import { processDirty, recomputeCycle } from '../../storage/repos/rollup-store';

export const rollupsRoutes = new Hono<AppEnv>();

rollupsRoutes.post('/recompute', async (c) => {
  const { store } = c.get('deps');
  const q = await rollupQueryFor(c);
  const started = performance.now();
  await processDirty(store, q.now, q.orgId);
  const totals = await recomputeCycle(store, q.orgId, q.cycle.id, expectedPace(q.cycle, q.now, q.timeZone), q.now);
  return c.json({
    cycle: { id: q.cycle.id },
    objectives: totals.objectives,
    keyResults: totals.keyResults,
    ms: Math.round(performance.now() - started),
  });
});
