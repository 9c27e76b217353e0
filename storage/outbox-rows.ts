// The one builder of outbox rows. Chat effects (src/outbox/enqueue.ts) and job
// fan-outs (jobs/outbox-rows.ts) both insert through it, so every row has the same
// shape: the id doubles as the platform idempotency key, and `recipient_key` is
// what per-recipient rate limits group by.
import { sql } from 'drizzle-orm';
import { insertGroups, type Statement, type Store } from './db';
import { preparedWrite } from './prepared';
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

/**
 * `status = 'pending'` and `status = 'failed'` with the status written into the SQL: the indexes
 * that find due and failed rows are partial (storage/schema.ts). SQLite matches a partial index's
 * condition against constants when it prepares a statement; a bound parameter it can match only by
 * preparing again once the value is bound, which some builds do (better-sqlite3's) and others do not
 * (the sqlite3 shell planned a scan).
 */
export const OUTBOX_PENDING = sql`${outbox.status} = 'pending'`;
export const OUTBOX_FAILED = sql`${outbox.status} = 'failed'`;

/** Per-recipient rate-limit key of a send: the address kind and id, e.g. `user:ou_123`. */
export function addressRecipientKey(to: { kind: string; id: string }): string {
  return `${to.kind}:${to.id}`;
}

/** The row's column values. */
export function outboxRowValues(row: OutboxRowInput) {
  return {
    id: row.id,
    orgId: row.orgId,
    platform: row.platform,
    operation: row.operation,
    target: row.target as Record<string, unknown>,
    payload: row.payload as Record<string, unknown>,
    idempotencyKey: row.id,
    subject: row.subject,
    recipientKey: row.recipientKey,
    status: 'pending' as const,
    nextAttemptAt: row.now.toISOString(),
    createdAt: row.now.toISOString(),
  };
}

type OutboxRowValues = ReturnType<typeof outboxRowValues>;
// Every chat reply is one: prepared once per database (storage/prepared.ts).
const insertOutboxRow = preparedWrite<OutboxRowValues>((db, value) =>
  db.insert(outbox).values({
    id: value('id'),
    orgId: value('orgId'),
    platform: value('platform'),
    operation: value('operation'),
    target: value('target'),
    payload: value('payload'),
    idempotencyKey: value('idempotencyKey'),
    subject: value('subject'),
    recipientKey: value('recipientKey'),
    status: value('status'),
    nextAttemptAt: value('nextAttemptAt'),
    createdAt: value('createdAt'),
  }),
);

/** The insert as one statement for `atomic()`, prepared on SQLite (a conflict on the id fails the batch). */
export function outboxRowStatement(store: Store, row: OutboxRowInput): Statement {
  return insertOutboxRow(store, outboxRowValues(row));
}

/** The insert; a caller that re-runs idempotently adds `.onConflictDoNothing()`. */
export function outboxRowInsert(store: Store, row: OutboxRowInput) {
  return store.db.insert(outbox).values(outboxRowValues(row));
}

/**
 * Many rows as multi-row inserts, for the large fan-outs of one change (a review's start or close,
 * a job's batch): a row binds 12 values, so 8 rows per statement stay within D1's bound; a caller
 * that re-runs idempotently adds `.onConflictDoNothing()` to each.
 */
export function outboxRowsInsert(store: Store, rows: OutboxRowInput[]) {
  return insertGroups(rows, 12).map((group) => store.db.insert(outbox).values(group.map(outboxRowValues)));
}
