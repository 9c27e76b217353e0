// Outbox rows for job fan-out with deterministic idempotency keys: the key (and
// row id) is a hash of (job, org, period, message key), so re-running a period —
// after a crash, a double trigger or on a second Workers instance — inserts
// nothing twice: `insert … on conflict do nothing` on the unique key.
import { cryptoProvider } from '../bots/common/crypto-provider';
import type { Statement, Store } from '../storage/db';
import { addressRecipientKey, outboxRowInsert, outboxRowsInsert, type OutboxRowInput } from '../storage/outbox-rows';
import type { JobMessage } from './types';

const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * `j_` + 44 hex chars of SHA-256: 46 characters, under Lark's 50-character uuid limit. Through
 * the runtime's CryptoProvider: on Node, node:crypto hashes synchronously, where WebCrypto took a
 * promise and a thread-pool hop per message (a tenth of a 1,000-team digest's CPU).
 */
export async function jobMessageKey(job: string, orgId: string, period: string, key: string): Promise<string> {
  const digest = await cryptoProvider().digest(
    'SHA-256',
    encoder.encode(`${job}\u0000${orgId}\u0000${period}\u0000${key}`),
  );
  let hex = 'j_';
  for (let i = 0; i < 22; i++) hex += HEX[digest[i]];
  return hex;
}

type JobRowInput = { id: string; orgId: string; message: JobMessage; now: Date };

function jobRow({ id, orgId, message, now }: JobRowInput): OutboxRowInput {
  return {
    id,
    orgId,
    platform: message.to.platform,
    operation: 'send',
    target: message.to,
    payload: message.message,
    subject: message.subject,
    recipientKey: addressRecipientKey(message.to),
    now,
  };
}

export function jobOutboxStatement(store: Store, input: JobRowInput): Statement {
  return outboxRowInsert(store, jobRow(input)).onConflictDoNothing();
}

/** A fan-out batch's rows as multi-row inserts, each skipping a row whose key exists. */
export function jobOutboxStatements(store: Store, inputs: JobRowInput[]): Statement[] {
  return outboxRowsInsert(store, inputs.map(jobRow)).map((insert) => insert.onConflictDoNothing());
}
