// /api/v1/cycles: list and create OKR cycles (quarters and the like).
import { and, asc, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../services';
import { isUniqueViolation } from '../../storage/db';
import { newId } from '../../storage/ids';
import { cycles } from '../../storage/schema';
import { auditStatement } from '../../storage/repos/audit';
import { resolveCycle } from '../../storage/repos/cycles';
import { readBody } from './body';
import { conflict, notFound } from './errors';
import { resolveOrg, type Org } from './org';
import { afterCursor, readPage, toPage } from './pagination';
import { presentCycle } from './present';
import { localDate } from '../../core/okr/pace';

export const cyclesRoutes = new Hono<AppEnv>();

/** The org's calendar date (YYYY-MM-DD) at `now`, in its time zone. */
export function orgToday(org: Org, now: Date, defaultTimezone: string): string {
  return localDate(now, org.settings?.timezone ?? defaultTimezone);
}

cyclesRoutes.get('/', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const page = readPage(c);
  const rows = await store.db
    .select()
    .from(cycles)
    .where(and(eq(cycles.orgId, org.id), afterCursor([cycles.id], page.after)))
    .orderBy(asc(cycles.id))
    .limit(page.limit + 1);
  return c.json(toPage(rows, page.limit, (r) => [r.id], presentCycle));
});

/** `:id` may be a cycle id, a cycle name, or `current`. */
cyclesRoutes.get('/:id', async (c) => {
  const { store, clock, config } = c.get('deps');
  const org = await resolveOrg(c, store);
  const ref = c.req.param('id');
  const cycle = await resolveCycle(
    store,
    org.id,
    ref === 'current' ? undefined : ref,
    orgToday(org, clock.now(), config.defaultTimezone),
  );
  if (!cycle) throw notFound('Cycle', ref);
  return c.json(presentCycle(cycle));
});

const isoDate = z.iso.date('a date as YYYY-MM-DD');
const CreateCycle = z
  .object({
    name: z.string().trim().min(1).max(100),
    starts_on: isoDate,
    ends_on: isoDate,
    status: z.enum(['planning', 'active', 'closed']).optional(),
  })
  .strict()
  .refine((b) => b.starts_on <= b.ends_on, { message: 'starts_on must be on or before ends_on', path: ['ends_on'] });

cyclesRoutes.post('/', async (c) => {
  const { store, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  const body = await readBody(c, CreateCycle);
  const now = clock.now();
  const row = {
    id: newId('cyc'),
    orgId: org.id,
    name: body.name,
    startsOn: body.starts_on,
    endsOn: body.ends_on,
    status: body.status ?? ('active' as const),
    scoredAt: null,
    createdAt: now.toISOString(),
    reviewStartedAt: null,
    selfDue: null,
    calibrationDue: null,
    closedAt: null,
  };
  try {
    await store.atomic([
      store.db.insert(cycles).values(row),
      auditStatement(store, {
        orgId: org.id,
        actorType: 'admin',
        action: 'cycle.create',
        entityType: 'cycle',
        entityId: row.id,
        data: body,
        now,
      }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`A cycle named "${body.name}" already exists.`);
    throw err;
  }
  return c.json(presentCycle(row), 201);
});
