// GET /api/v1/stats?cycle= — alignment rate, check-in rate, adjustments per 100
// people per month, counts by status and the score distribution (docs/okr-math.md).
import { Hono } from 'hono';
import type { AppEnv } from '../services';
import { rollupQueryFor } from './okr-query';
import { loadStats } from '../../storage/repos/stats';
import { reviewFigures } from '../review/service';
import type { Cycle } from '../../storage/repos/types';

export const statsRoutes = new Hono<AppEnv>();

statsRoutes.get('/', async (c) => {
  const q = await rollupQueryFor(c);
  const stats = await loadStats(c.get('deps').store, q);
  return c.json({
    cycle: {
      id: q.cycle.id,
      name: (q.cycle as { name?: string }).name,
      startsOn: q.cycle.startsOn,
      endsOn: q.cycle.endsOn,
    },
    ...stats,
    // The performance review's figures (docs/review.md): null until a review starts.
    review: await reviewFigures(c.get('deps').store, q.orgId, q.cycle as Cycle),
  });
});
