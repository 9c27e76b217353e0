// /api/v1/cycles/:id/review, /close and /performance.{csv,xlsx}: the performance review of a
// cycle (docs/review.md). `:id` is a cycle id or name, as for GET /cycles/:id.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { resolveCycle } from '../../storage/repos/cycles';
import type { Cycle } from '../../storage/repos/types';
import type { AppEnv } from '../services';
import { closeCycle, ReviewStateError, reviewProgress, sendFinalMessages, startReview } from '../review/service';
import { performanceCsv, performanceRows, performanceXlsx } from '../review/sheet';
import { parseJsonText, readText, validate } from './body';
import { ApiError, badRequest, notFound } from './errors';
import { resolveOrg, type Org } from './org';
import { presentCycle } from './present';
import { orgToday } from './cycles';
import { mostImproved } from '../review/improved';

export const reviewRoutes = new Hono<AppEnv>();

async function target(c: Context<AppEnv>): Promise<{ org: Org; cycle: Cycle }> {
  const { store, clock, config } = c.get('deps');
  const org = await resolveOrg(c, store);
  const ref = c.req.param('id') ?? '';
  const cycle = await resolveCycle(
    store,
    org.id,
    ref === 'current' ? undefined : ref,
    orgToday(org, clock.now(), config.defaultTimezone),
  );
  if (!cycle) throw notFound('Cycle', ref);
  return { org, cycle };
}

function stateError(err: unknown): never {
  if (err instanceof ReviewStateError)
    throw err.reason === 'bad_dates' ? badRequest(err.message) : new ApiError(409, 'conflict', err.message);
  throw err;
}

const isoDate = z.iso.date('a date as YYYY-MM-DD');
const StartBody = z.object({ self_due: isoDate.optional(), calibration_due: isoDate.optional() }).strict();

reviewRoutes.post('/:id/review', async (c) => {
  const deps = c.get('deps');
  const { org, cycle } = await target(c);
  // An empty body means "the defaults from the org settings".
  const raw = (await readText(c, 4096)).trim();
  if (raw && !/^application\/json$/i.test((c.req.header('content-type') ?? '').split(';')[0].trim()))
    throw new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.');
  const body = raw ? validate(StartBody, parseJsonText(raw)) : {};
  const result = await startReview(
    deps,
    org,
    cycle,
    { selfDue: body.self_due, calibrationDue: body.calibration_due },
    { type: 'admin' },
  ).catch(stateError);
  if (result.cards) deps.defer(deps.outbox.drain());
  return c.json(
    {
      started: result.started,
      people: result.people,
      cards: result.cards,
      cycle: presentCycle(result.cycle),
      progress: await reviewProgress(deps, org, result.cycle),
    },
    result.started ? 201 : 200,
  );
});

reviewRoutes.get('/:id/review', async (c) => {
  const deps = c.get('deps');
  const { org, cycle } = await target(c);
  return c.json(await reviewProgress(deps, org, cycle));
});

reviewRoutes.post('/:id/close', async (c) => {
  const deps = c.get('deps');
  const { org, cycle } = await target(c);
  const result = await closeCycle(deps, org, cycle, { type: 'admin' }).catch(stateError);
  // Each person's final score follows the close (idempotent: a second close sends nothing twice).
  deps.defer(sendFinalMessages(deps, org, result.cycle).then((n) => (n ? deps.outbox.drain() : undefined)));
  return c.json({
    changed: result.changed,
    cycle: presentCycle(result.cycle),
    people: result.people,
    open_appeals: result.openAppeals,
    review_hours: result.hours,
    most_improved: await mostImproved(deps.store, org, result.cycle),
  });
});

const fileName = (cycle: Cycle, ext: string) => {
  const ascii = `performance-${cycle.id}.${ext}`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(`performance-${cycle.name}.${ext}`)}`;
};

reviewRoutes.get('/:id/performance.csv', async (c) => {
  const { org, cycle } = await target(c);
  const csv = performanceCsv(await performanceRows(c.get('deps').store, org, cycle));
  return c.body(csv, 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': fileName(cycle, 'csv'),
    'cache-control': 'no-store',
  });
});

reviewRoutes.get('/:id/performance.xlsx', async (c) => {
  const { org, cycle } = await target(c);
  const bytes = await performanceXlsx(await performanceRows(c.get('deps').store, org, cycle), cycle.name);
  return c.body(bytes.buffer as ArrayBuffer, 200, {
    'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'content-disposition': fileName(cycle, 'xlsx'),
    'cache-control': 'no-store',
  });
});
