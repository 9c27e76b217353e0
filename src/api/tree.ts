// GET /api/v1/tree?cycle=&root=&depth=&limit= — the alignment tree with progress and status.
// Large orgs: the walk is breadth first and capped (`limit`, default 1000, max 5000);
// every node lists its `downstream` ids, so a client expands a branch with `?root=<id>&depth=1`.
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../services';
import { badRequest, notFound, zodDetails } from './errors';
import { rollupQueryFor } from './okr-query';
import { loadTree, UnknownObjectiveError } from '../../storage/repos/tree';

const TreeParams = z.object({
  root: z.string().min(1).optional(),
  depth: z.coerce.number().int().min(0).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});

export const treeRoutes = new Hono<AppEnv>();

treeRoutes.get('/', async (c) => {
  const parsed = TreeParams.safeParse({
    root: c.req.query('root') || undefined,
    depth: c.req.query('depth') || undefined,
    limit: c.req.query('limit') || undefined,
  });
  if (!parsed.success) throw badRequest('Invalid tree query', zodDetails(parsed.error));
  const q = await rollupQueryFor(c);
  try {
    const tree = await loadTree(c.get('deps').store, {
      ...q,
      rootId: parsed.data.root,
      depth: parsed.data.depth,
      maxNodes: parsed.data.limit,
    });
    return c.json({
      cycle: {
        id: q.cycle.id,
        name: (q.cycle as { name?: string }).name,
        startsOn: q.cycle.startsOn,
        endsOn: q.cycle.endsOn,
      },
      ...tree,
    });
  } catch (err) {
    if (err instanceof UnknownObjectiveError) throw notFound('Objective', err.objectiveId);
    throw err;
  }
});
