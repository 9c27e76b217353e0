// /api/v1/webhooks: outbound webhook subscriptions (docs/webhooks.md). Subscribe a URL to
// events with a signing secret, list and read them (never the secret), pause, resume or change
// them, delete them, and read each one's delivery log. Every change is audited.
import { and, count, desc, eq, lt, or } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../services';
import { WEBHOOK_EVENTS } from '../../core/webhooks';
import type { Store } from '../../storage/db';
import { newId } from '../../storage/ids';
import { auditStatement } from '../../storage/repos/audit';
import { outbox, webhookSubscriptions } from '../../storage/schema';
import { HELD_UNTIL, webhookRecipientKey } from '../../storage/webhook-events';
import { checkWebhookUrl } from '../outbound-webhooks/url';
import { readJson, validate } from './body';
import { ApiError, badRequest, notFound } from './errors';
import { resolveOrg } from './org';
import { afterCursor, readPage, toPage } from './pagination';

export const webhooksRoutes = new Hono<AppEnv>();

type Subscription = typeof webhookSubscriptions.$inferSelect;

/** Subscriptions per org: enough for every integration, bounded so one org cannot fan out without end. */
export const MAX_SUBSCRIPTIONS = 20;

function presentSubscription(s: Subscription) {
  return {
    id: s.id,
    url: s.url,
    events: s.events,
    status: s.status,
    consecutive_failures: s.consecutiveFailures,
    paused_at: s.pausedAt,
    paused_reason: s.pausedReason,
    last_success_at: s.lastSuccessAt,
    last_failure_at: s.lastFailureAt,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

function presentDelivery(r: typeof outbox.$inferSelect) {
  const target = r.target as { event?: string };
  const payload = r.payload as { id?: string };
  return {
    id: r.id,
    event: target.event ?? null,
    event_id: payload.id ?? null,
    status: r.status === 'pending' && r.nextAttemptAt === HELD_UNTIL ? 'held' : r.status,
    attempts: r.attempts,
    last_error: r.lastError,
    response_status: (r.sentRef as { status?: number } | null)?.status ?? null,
    created_at: r.createdAt,
    next_attempt_at: r.status === 'pending' && r.nextAttemptAt !== HELD_UNTIL ? r.nextAttemptAt : null,
    sent_at: r.sentAt,
    failed_at: r.failedAt,
  };
}

const Events = z
  .array(z.enum(WEBHOOK_EVENTS, { message: `each event must be one of ${WEBHOOK_EVENTS.join(', ')}` }))
  .min(1, 'name at least one event')
  .max(WEBHOOK_EVENTS.length)
  .refine((e) => new Set(e).size === e.length, 'events must not repeat');
// The secret is the HMAC key: long enough not to be guessed, printable so it survives copy and paste.
const Secret = z
  .string()
  .min(16, 'secret must be at least 16 characters')
  .max(256, 'secret must be at most 256 characters')
  .regex(/^[\x21-\x7e]+$/, 'secret must be printable ASCII without spaces');
const Url = z.string().max(4096);

const CreateBody = z.object({ url: Url, events: Events, secret: Secret }).strict();
const PatchBody = z
  .object({
    url: Url.optional(),
    events: Events.optional(),
    secret: Secret.optional(),
    status: z.enum(['active', 'paused']).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one of url, events, secret, status');

function validUrl(raw: string, allowPrivate: boolean | undefined): string {
  const check = checkWebhookUrl(raw, { allowPrivate });
  if (!check.ok)
    throw badRequest(`The webhook URL is refused: ${check.reason}`, [{ path: 'url', message: check.reason }]);
  return check.url;
}

async function getSubscription(store: Store, orgId: string, id: string): Promise<Subscription> {
  const [row] = await store.db
    .select()
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.orgId, orgId), eq(webhookSubscriptions.id, id)));
  if (!row) throw notFound('Webhook subscription', id);
  return row;
}

webhooksRoutes.get('/', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const page = readPage(c);
  const rows = await store.db
    .select()
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.orgId, org.id), afterCursor([webhookSubscriptions.id], page.after)))
    .orderBy(webhookSubscriptions.id)
    .limit(page.limit + 1);
  return c.json(toPage(rows, page.limit, (r) => [r.id], presentSubscription));
});

webhooksRoutes.post('/', async (c) => {
  const { store, clock, config } = c.get('deps');
  const org = await resolveOrg(c, store);
  const body = validate(CreateBody, await readJson(c, 16 * 1024));
  const url = validUrl(body.url, config.webhookAllowPrivate);
  const [{ n }] = await store.db
    .select({ n: count() })
    .from(webhookSubscriptions)
    .where(eq(webhookSubscriptions.orgId, org.id));
  if (n >= MAX_SUBSCRIPTIONS)
    throw new ApiError(
      409,
      'conflict',
      `This organisation already has ${MAX_SUBSCRIPTIONS} webhook subscriptions; delete one first.`,
    );
  const now = clock.now();
  const row: Subscription = {
    id: newId('whs'),
    orgId: org.id,
    url,
    events: body.events,
    secret: body.secret,
    status: 'active',
    consecutiveFailures: 0,
    pausedAt: null,
    pausedReason: null,
    lastSuccessAt: null,
    lastFailureAt: null,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await store.atomic([
    store.db.insert(webhookSubscriptions).values(row),
    auditStatement(store, {
      orgId: org.id,
      actorType: 'admin',
      action: 'webhook.create',
      entityType: 'webhook',
      entityId: row.id,
      data: { url, events: body.events },
      now,
    }),
  ]);
  return c.json(presentSubscription(row), 201);
});

webhooksRoutes.get('/:id', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  return c.json(presentSubscription(await getSubscription(store, org.id, c.req.param('id'))));
});

webhooksRoutes.patch('/:id', async (c) => {
  const { store, clock, config, defer, webhooks } = c.get('deps');
  const org = await resolveOrg(c, store);
  const current = await getSubscription(store, org.id, c.req.param('id'));
  const body = validate(PatchBody, await readJson(c, 16 * 1024));
  const now = clock.now();
  const at = now.toISOString();
  const url = body.url === undefined ? current.url : validUrl(body.url, config.webhookAllowPrivate);
  const resuming = body.status === 'active' && current.status === 'paused';
  const pausing = body.status === 'paused' && current.status === 'active';
  const next: Subscription = {
    ...current,
    url,
    events: body.events ?? current.events,
    secret: body.secret ?? current.secret,
    status: body.status ?? current.status,
    ...(resuming ? { consecutiveFailures: 0, pausedAt: null, pausedReason: null } : {}),
    ...(pausing ? { pausedAt: at, pausedReason: 'paused by an admin' } : {}),
    updatedAt: at,
  };
  const held = and(
    eq(outbox.platform, 'webhook'),
    eq(outbox.recipientKey, webhookRecipientKey(current.id)),
    eq(outbox.status, 'pending'),
  );
  await store.atomic([
    store.db.update(webhookSubscriptions).set(next).where(eq(webhookSubscriptions.id, current.id)),
    // Resumed: everything kept while paused is due now, oldest first, with a fresh retry window.
    ...(resuming
      ? [store.db.update(outbox).set({ nextAttemptAt: at, firstErrorAt: null, lockedUntil: null }).where(held)]
      : []),
    ...(pausing ? [store.db.update(outbox).set({ nextAttemptAt: HELD_UNTIL }).where(held)] : []),
    auditStatement(store, {
      orgId: org.id,
      actorType: 'admin',
      action: resuming ? 'webhook.resume' : pausing ? 'webhook.pause' : 'webhook.update',
      entityType: 'webhook',
      entityId: current.id,
      data: {
        ...(body.url !== undefined ? { url } : {}),
        ...(body.events ? { events: body.events } : {}),
        ...(body.secret ? { secret: 'changed' } : {}),
        ...(body.status ? { status: body.status } : {}),
      },
      now,
    }),
  ]);
  if (resuming) defer(webhooks.drain());
  return c.json(presentSubscription(next));
});

webhooksRoutes.delete('/:id', async (c) => {
  const { store, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  const current = await getSubscription(store, org.id, c.req.param('id'));
  const now = clock.now();
  await store.atomic([
    store.db.delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, current.id)),
    // Undelivered events of a deleted subscription are given up, visibly, not left pending forever.
    store.db
      .update(outbox)
      .set({
        status: 'failed',
        failedAt: now.toISOString(),
        lockedUntil: null,
        lastError: 'the subscription was deleted',
      })
      .where(
        and(
          eq(outbox.platform, 'webhook'),
          eq(outbox.recipientKey, webhookRecipientKey(current.id)),
          eq(outbox.status, 'pending'),
        ),
      ),
    auditStatement(store, {
      orgId: org.id,
      actorType: 'admin',
      action: 'webhook.delete',
      entityType: 'webhook',
      entityId: current.id,
      data: { url: current.url, events: current.events },
      now,
    }),
  ]);
  return c.body(null, 204);
});

/** The delivery log: one entry per event sent (or being sent) to this subscriber, newest first. */
webhooksRoutes.get('/:id/deliveries', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const sub = await getSubscription(store, org.id, c.req.param('id'));
  const page = readPage(c, 2);
  const status = c.req.query('status');
  if (status !== undefined && !['pending', 'sent', 'failed'].includes(status))
    throw badRequest('status must be one of pending, sent, failed.');
  const after = page.after;
  const rows = await store.db
    .select()
    .from(outbox)
    .where(
      and(
        eq(outbox.platform, 'webhook'),
        eq(outbox.recipientKey, webhookRecipientKey(sub.id)),
        status ? eq(outbox.status, status as 'pending' | 'sent' | 'failed') : undefined,
        after
          ? or(lt(outbox.createdAt, after[0]), and(eq(outbox.createdAt, after[0]), lt(outbox.id, after[1])))
          : undefined,
      ),
    )
    .orderBy(desc(outbox.createdAt), desc(outbox.id))
    .limit(page.limit + 1);
  return c.json(toPage(rows, page.limit, (r) => [r.createdAt, r.id], presentDelivery));
});
