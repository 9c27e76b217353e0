// Outbox rows for job fan-out with deterministic idempotency keys: the key (and
// row id) is a hash of (job, org, period, message key), so re-running a period —
// after a crash, a double trigger or on a second Workers instance — inserts
// nothing twice: `insert … on conflict do nothing` on the unique key.
import type { Statement, Store } from '../storage/db';
import { addressRecipientKey, outboxRowInsert } from '../storage/outbox-rows';
import type { JobMessage } from './types';

/** `j_` + 44 hex chars of SHA-256: 46 characters, under Lark's 50-character uuid limit. */
export async function jobMessageKey(job: string, orgId: string, period: string, key: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(`${job}\u0000${orgId}\u0000${period}\u0000${key}`),
  );
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `j_${hex.slice(0, 44)}`;
}

export function jobOutboxStatement(
  store: Store,
  input: { id: string; orgId: string; message: JobMessage; now: Date },
): Statement {
  const { id, orgId, message, now } = input;
  return outboxRowInsert(store, {
    id,
    orgId,
    platform: message.to.platform,
    operation: 'send',
    target: message.to,
    payload: message.message,
    subject: message.subject,
    recipientKey: addressRecipientKey(message.to),
    now,
  }).onConflictDoNothing();
}
