// /api/v1/adjustments: goal-change requests, newest first, optionally by status.
import { and, desc, eq, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import type { AppEnv } from '../services';
import { adjustments, type AdjustmentStatus } from '../../storage/schema';
import { badRequest } from './errors';
import { resolveOrg } from './org';
import { afterCursor, readPage, toPage } from './pagination';
import { presentAdjustment } from './present';

export const adjustmentsRoutes = new Hono<AppEnv>();

const STATUSES: AdjustmentStatus[] = ['pending', 'approved', 'rejected', 'withdrawn', 'expired'];

adjustmentsRoutes.get('/', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const page = readPage(c, 2);
  const conds: (SQL | undefined)[] = [
    eq(adjustments.orgId, org.id),
    afterCursor([adjustments.createdAt, adjustments.id], page.after, 'desc'),
  ];
  const status = c.req.query('status');
  if (status) {
    if (!STATUSES.includes(status as AdjustmentStatus))
      throw badRequest(`status must be one of ${STATUSES.join(', ')}`);
    conds.push(eq(adjustments.status, status as AdjustmentStatus));
  }
  const rows = await store.db
    .select()
    .from(adjustments)
    .where(and(...conds))
    .orderBy(desc(adjustments.createdAt), desc(adjustments.id))
    .limit(page.limit + 1);
  return c.json(toPage(rows, page.limit, (r) => [r.createdAt, r.id], presentAdjustment));
});
