// What operators see of the outbox and what they can do about it: list messages
// by status (failed ones with their reason) and send a failed one again. Shared
// by the admin API (src/api/outbox.ts) and the CLI (`npx polaris outbox`).
import { and, desc, eq, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Platform } from '../../bots/types';
import type { Store } from '../../storage/db';
import { OUTBOX_FAILED } from '../../storage/outbox-rows';
import { outbox, type OutboxStatus } from '../../storage/schema';

export type OutboxRow = typeof outbox.$inferSelect;
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['failed', 'pending', 'sent'];

/** An outbox row as the API and the CLI show it (snake_case, no payload). */
export function presentOutboxRow(r: OutboxRow) {
  const target = r.target as { kind?: string; id?: string; messageId?: string; outboxId?: string };
  return {
    id: r.id,
    org_id: r.orgId,
    platform: r.platform,
    operation: r.operation,
    to:
      r.operation === 'send' ? { kind: target.kind, id: target.id } : { message: target.messageId ?? target.outboxId },
    subject: r.subject,
    status: r.status,
    attempts: r.attempts,
    reason: r.lastError,
    created_at: r.createdAt,
    next_attempt_at: r.status === 'pending' ? r.nextAttemptAt : null,
    first_error_at: r.firstErrorAt,
    failed_at: r.failedAt,
    sent_at: r.sentAt,
  };
}

export interface ListOptions {
  status: OutboxStatus;
  /** The org's rows and rows that belong to no org (replies to unknown senders); all when undefined. */
  orgId?: string;
  limit: number;
  /** [created_at, id] of the last row already returned (newest first). */
  after?: string[];
}

/** Newest first; `limit + 1` rows so the caller can tell whether there is a next page. */
export async function listOutbox(store: Store, options: ListOptions): Promise<OutboxRow[]> {
  const { status, orgId, after } = options;
  return store.db
    .select()
    .from(outbox)
    .where(
      and(
        eq(outbox.status, status),
        orgId === undefined ? undefined : or(eq(outbox.orgId, orgId), isNull(outbox.orgId)),
        after
          ? or(lt(outbox.createdAt, after[0]), and(eq(outbox.createdAt, after[0]), lt(outbox.id, after[1])))
          : undefined,
      ),
    )
    .orderBy(desc(outbox.createdAt), desc(outbox.id))
    .limit(options.limit + 1);
}

export type RetryOutcome =
  | { ok: true; row: OutboxRow }
  | { ok: false; reason: 'not_found' | 'not_failed'; row?: OutboxRow };

/** Puts a failed message back in the queue, due now, with a fresh retry window. */
export async function retryOutboxRow(store: Store, id: string, now: Date, orgId?: string): Promise<RetryOutcome> {
  const scope = orgId === undefined ? undefined : or(eq(outbox.orgId, orgId), isNull(outbox.orgId));
  const [row] = await store.db
    .update(outbox)
    .set({
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now.toISOString(),
      lockedUntil: null,
      firstErrorAt: null,
      failedAt: null,
    })
    .where(and(eq(outbox.id, id), eq(outbox.status, 'failed'), scope))
    .returning();
  if (row) return { ok: true, row };
  const [existing] = await store.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.id, id), scope));
  return existing ? { ok: false, reason: 'not_failed', row: existing } : { ok: false, reason: 'not_found' };
}

/** The failure summary's query: a covering search of outbox_failed (failed rows only) for the org. */
export function failureSummaryQuery(store: Store, orgId: string, since: Date) {
  return store.db
    .select({
      platform: outbox.platform,
      total: sql<number>`count(*)`,
      recent: sql<number>`sum(case when ${outbox.failedAt} > ${since.toISOString()} then 1 else 0 end)`,
    })
    .from(outbox)
    .where(and(OUTBOX_FAILED, eq(outbox.orgId, orgId), ne(outbox.platform, 'webhook')))
    .groupBy(outbox.platform);
}

/** Failed messages of an org: how many failed since `since`, how many are failed in all, per platform. */
export async function failureSummary(store: Store, orgId: string, since: Date) {
  const rows = await failureSummaryQuery(store, orgId, since);
  // Chat messages only: a failing webhook subscriber is paused and its admins told (src/outbound-webhooks).
  return rows.map((r) => ({ platform: r.platform as Platform, total: Number(r.total), recent: Number(r.recent ?? 0) }));
}
