// /api/v1/outbox: messages that could not be delivered, with the reason, and
// sending one again after fixing its cause (a person added to the chat, the
// app's visibility widened…).
import { Hono } from 'hono';
import type { AppEnv } from '../services';
import { listOutbox, OUTBOX_STATUSES, presentOutboxRow, retryOutboxRow } from '../outbox/admin';
import type { OutboxStatus } from '../../storage/schema';
import { ApiError, badRequest, notFound } from './errors';
import { resolveOrg } from './org';
import { readPage, toPage } from './pagination';

export const outboxRoutes = new Hono<AppEnv>();

outboxRoutes.get('/', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const status = (c.req.query('status') ?? 'failed') as OutboxStatus;
  if (!OUTBOX_STATUSES.includes(status)) throw badRequest(`status must be one of ${OUTBOX_STATUSES.join(', ')}.`);
  const page = readPage(c, 2);
  const rows = await listOutbox(store, { status, orgId: org.id, limit: page.limit, after: page.after });
  return c.json(toPage(rows, page.limit, (r) => [r.createdAt, r.id], presentOutboxRow));
});

outboxRoutes.post('/:id/retry', async (c) => {
  const { store, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  const id = c.req.param('id');
  const result = await retryOutboxRow(store, id, clock.now(), org.id);
  if (!result.ok && result.reason === 'not_found') throw notFound('Outbox message', id);
  if (!result.ok)
    throw new ApiError(
      409,
      'not_failed',
      `Outbox message ${id} is ${result.row?.status}, not failed: only failed messages can be sent again.`,
    );
  // Deliver now rather than at the next tick.
  c.get('deps').defer(c.get('deps').outbox.drainPlatform(result.row.platform));
  return c.json(presentOutboxRow(result.row));
});
