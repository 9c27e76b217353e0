// /api/v1/key-results/:id/check-ins: record a KR's new value from an
// integration (LMS, CRM, a spreadsheet) and list a KR's history.
import { and, desc, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../services';
import { checkIns, cycles } from '../../storage/schema';
import { checkInStatements, getKeyResult, getObjective } from '../../storage/repos/okrs';
import { processDirtySoon } from '../../storage/repos/rollup-store';
import { log } from '../../core/log';
import { findPersonByExternalId } from '../../storage/repos/people';
import { readBody } from './body';
import { checkInValue, type CheckInError } from '../../core/okr/checkin';
import { ApiError, badRequest, conflict, notFound } from './errors';
import { resolveOrg } from './org';
import { afterCursor, readPage, toPage } from './pagination';
import { presentCheckIn, presentKr } from './present';

export const checkinsRoutes = new Hono<AppEnv>();

const CHECK_IN_ERRORS: Record<CheckInError, (kr: { targetValue: number }) => string> = {
  bad_value: () => 'value must be a finite number.',
  boolean_value: () => 'This key result is yes/no: value must be 1 (done) or 0 (not done).',
  milestone_value: (kr) =>
    `This key result counts milestones: value must be a whole number from 0 to ${kr.targetValue}.`,
  not_done_on_number: () => 'value must be a number.',
};

const CheckInBody = z
  .object({
    value: z.number().min(-1e12).max(1e12),
    /** Record a value far outside the KR's range (src/okr/checkin.ts) anyway. */
    confirm: z.boolean().optional(),
    confidence: z.number().int().min(0).max(10).nullable().optional(),
    note: z.string().trim().max(2000).nullable().optional(),
    author_external_id: z.string().trim().min(1).max(200).nullable().optional(),
  })
  .strict();

checkinsRoutes.post('/:id/check-ins', async (c) => {
  const { store, clock, defer } = c.get('deps');
  const org = await resolveOrg(c, store);
  const kr = await getKeyResult(store, org.id, c.req.param('id'));
  if (!kr) throw notFound('Key result', c.req.param('id'));
  const body = await readBody(c, CheckInBody);
  if (kr.status !== 'active') throw conflict('This key result is dropped; it takes no check-ins.');
  const [cycle] = await store.db
    .select({ name: cycles.name, status: cycles.status })
    .from(cycles)
    .where(eq(cycles.id, kr.cycleId));
  if (cycle?.status === 'closed')
    throw conflict(`Cycle "${cycle.name}" is closed; its key results take no check-ins (docs/review.md).`);
  const objective = await getObjective(store, org.id, kr.objectiveId);
  if (objective?.status === 'archived')
    throw conflict("This key result's objective is archived; it takes no check-ins.");
  if (kr.progressMode === 'children')
    throw conflict(
      'This key result rolls up from the objectives aligned to it (progress_mode children); check in on those instead.',
    );
  // The same validation as chat and card buttons: the value must fit the KR's kind, and a
  // value far outside its range needs `confirm: true` (docs/api.md, "Check-ins").
  const check = checkInValue(kr, { value: body.value });
  if (!check.ok) throw badRequest(CHECK_IN_ERRORS[check.error](kr), [{ path: 'value', message: check.error }]);
  if (check.confirm && !body.confirm)
    throw new ApiError(
      422,
      'out_of_range',
      `${body.value} is far outside this key result's range (start ${kr.startValue}, target ${kr.targetValue}: ${check.confirm}). Send "confirm": true to record it anyway.`,
      [{ path: 'value', message: check.confirm }],
    );
  let authorId: string | null = null;
  if (body.author_external_id) {
    const author = await findPersonByExternalId(store, org.id, body.author_external_id);
    if (!author)
      throw badRequest(`No person with external_id ${body.author_external_id}.`, [
        { path: 'author_external_id', message: 'no such person' },
      ]);
    authorId = author.id;
  }
  const now = clock.now();
  const { checkIn, statements } = checkInStatements(store, {
    orgId: org.id,
    kr,
    authorId,
    value: check.value,
    confidence: body.confidence ?? null,
    note: body.note || null,
    source: 'api',
    now,
  });
  await store.atomic(statements);
  // The stored roll-ups above this KR (docs/okr-math.md "Stored roll-ups"): queued by the write,
  // brought up to date by a coalesced pass after answering (reads catch up first, so none is stale).
  // If the pass fails, the objective stays queued and the next read or pass applies it.
  const pass = processDirtySoon(
    store,
    () => clock.now(),
    (err) =>
      log.warn('roll-up maintenance after a check-in failed', {
        err: String(err),
        cause: String((err as { cause?: unknown }).cause),
      }),
  );
  if (pass) defer(pass); // Workers: keeps the isolate for the window (Node: tracked for shutdown)
  const updated = (await getKeyResult(store, org.id, kr.id))!;
  return c.json({ check_in: presentCheckIn(checkIn), key_result: presentKr(updated) }, 201);
});

/** Newest first. */
checkinsRoutes.get('/:id/check-ins', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const kr = await getKeyResult(store, org.id, c.req.param('id'));
  if (!kr) throw notFound('Key result', c.req.param('id'));
  const page = readPage(c, 2);
  const rows = await store.db
    .select()
    .from(checkIns)
    .where(
      and(
        eq(checkIns.orgId, org.id),
        eq(checkIns.keyResultId, kr.id),
        afterCursor([checkIns.createdAt, checkIns.id], page.after, 'desc'),
      ),
    )
    .orderBy(desc(checkIns.createdAt), desc(checkIns.id))
    .limit(page.limit + 1);
  return c.json(toPage(rows, page.limit, (r) => [r.createdAt, r.id], presentCheckIn));
});
