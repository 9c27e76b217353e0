// Turning outbound messages into outbox rows. Callers add these statements to
// the same atomic batch as the change that caused the message, so a message is
// stored if and only if its cause is.
import type { Address, OutboundMessage, Platform, SentRef } from '../../bots/types';
import type { Statement, Store } from '../../storage/db';
import { newId } from '../../storage/ids';
import {
  addressRecipientKey,
  outboxRowStatement,
  outboxRowsInsert,
  type OutboxRowInput,
} from '../../storage/outbox-rows';

/** Update a message that an earlier outbox row sent (resolved when delivering). */
export interface OutboxRowRef {
  platform: Platform;
  outboxId: string;
}

export type OutboundItem =
  | {
      operation: 'send';
      to: Address;
      message: OutboundMessage;
      orgId?: string | null;
      subject?: string;
      idempotencyKey?: string;
    }
  | {
      operation: 'update';
      ref: SentRef | OutboxRowRef;
      message: OutboundMessage;
      orgId?: string | null;
      subject?: string;
      idempotencyKey?: string;
    };

export function isOutboxRowRef(ref: SentRef | OutboxRowRef): ref is OutboxRowRef {
  return 'outboxId' in ref;
}

/** Who receives the message, for per-recipient rate limits. */
function recipientKey(item: OutboundItem): string {
  if (item.operation === 'send') return addressRecipientKey(item.to);
  return isOutboxRowRef(item.ref) ? `row:${item.ref.outboxId}` : `msg:${item.ref.messageId}`;
}

export interface PreparedOutbound {
  id: string;
  statement: Statement;
}

/** One outbox row per item. The row id doubles as the idempotency key (≤ 50 chars, as Lark's uuid requires). */
function rowOf(item: OutboundItem, now: Date): OutboxRowInput {
  return {
    id: item.idempotencyKey ?? newId('ob'),
    orgId: item.orgId ?? null,
    platform: item.operation === 'send' ? item.to.platform : item.ref.platform,
    operation: item.operation,
    target: item.operation === 'send' ? item.to : item.ref,
    payload: item.message,
    subject: item.subject ?? null,
    recipientKey: recipientKey(item),
    now,
  };
}

export function prepareOutbound(store: Store, item: OutboundItem, now: Date): PreparedOutbound {
  const row = rowOf(item, now);
  return { id: row.id, statement: outboxRowStatement(store, row) };
}

export function outboxStatements(store: Store, items: OutboundItem[], now: Date): Statement[] {
  return items.map((item) => prepareOutbound(store, item, now).statement);
}

/** The same rows as outboxStatements, several per statement: for one change's large fan-out (a review's start or close). */
export function outboxBulkStatements(store: Store, items: OutboundItem[], now: Date) {
  return outboxRowsInsert(
    store,
    items.map((item) => rowOf(item, now)),
  );
}
