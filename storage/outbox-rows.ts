// The one builder of outbox rows. Chat effects (src/outbox/enqueue.ts) and job
// fan-outs (jobs/outbox-rows.ts) both insert through it, so every row has the same
// shape: the id doubles as the platform idempotency key, and `recipient_key` is
// what per-recipient rate limits group by.
import type { Store } from './db';
import { outbox, type Platform } from './schema';

export interface OutboxRowInput {
  /** Row id and idempotency key (≤ 50 characters, as Lark's uuid requires). */
  id: string;
  orgId: string | null;
  platform: Platform;
  operation: 'send' | 'update';
  /** An address (send) or a reference to an earlier message (update). */
  target: object;
  payload: object;
  subject: string | null;
  recipientKey: string;
  now: Date;
}

/** Per-recipient rate-limit key of a send: the address kind and id, e.g. `user:ou_123`. */
export function addressRecipientKey(to: { kind: string; id: string }): string {
  return `${to.kind}:${to.id}`;
}

/** The insert; a caller that re-runs idempotently adds `.onConflictDoNothing()`. */
export function outboxRowInsert(store: Store, row: OutboxRowInput) {
  return store.db.insert(outbox).values({
    id: row.id,
    orgId: row.orgId,
    platform: row.platform,
    operation: row.operation,
    target: row.target as Record<string, unknown>,
    payload: row.payload as Record<string, unknown>,
    idempotencyKey: row.id,
    subject: row.subject,
    recipientKey: row.recipientKey,
    status: 'pending',
    nextAttemptAt: row.now.toISOString(),
    createdAt: row.now.toISOString(),
  });
}
