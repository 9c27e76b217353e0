// Messages rules send: to a person's primary platform (jobs/recipients.ts), as
// outbox rows with deterministic ids (a hash of firing, purpose and platform)
// inserted with `on conflict do nothing`, so a pass that runs twice — or on two
// instances at once — never sends anything twice.
import type { Address, OutboundMessage, Platform } from '../../bots/types';
import type { Statement, Store } from '../../storage/db';
import { jobMessageKey, jobOutboxStatement } from '../../jobs/outbox-rows';
import { personAddress, type Addressable, type IdentityIndex } from '../../jobs/recipients';

/** The person's primary platform address (jobs/recipients.ts), as a list: empty when unreachable. */
export function personAddresses(
  index: IdentityIndex,
  personId: string,
  addressable: Addressable,
  orgDefault?: Platform | null,
): Address[] {
  const to = personAddress(index, personId, addressable, orgDefault);
  return to ? [to] : [];
}

export interface RuleMessage {
  to: Address;
  message: OutboundMessage;
  /** Outbox subject: `escalation:<firingId>` lets a later update find every copy. */
  subject: string;
  /** Unique per firing: what this message is (`subject`, `coach`, `escalated:<personId>`…). */
  purpose: string;
}

export async function ruleMessageStatements(
  store: Store,
  orgId: string,
  firingId: string,
  messages: RuleMessage[],
  now: Date,
): Promise<Statement[]> {
  // Keys first, statements after: a Drizzle builder is thenable, so returning one
  // from an async function would execute it on the spot, outside the atomic batch.
  const ids = await Promise.all(
    messages.map((m) => jobMessageKey('rules', orgId, firingId, `${m.purpose}|${m.to.platform}|${m.to.id}`)),
  );
  return messages.map((m, i) =>
    jobOutboxStatement(store, {
      id: ids[i],
      orgId,
      now,
      message: { key: m.purpose, to: m.to, message: m.message, subject: m.subject },
    }),
  );
}

/** Deterministic firing id, so concurrent passes insert (and then ignore) the same row. */
export async function firingId(ruleId: string, subject: string, period: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(`${ruleId}\u0000${subject}\u0000${period}`),
  );
  return `rf_${[...new Uint8Array(digest)]
    .slice(0, 16)
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')}`;
}

export const escalationSubject = (firingId: string) => `escalation:${firingId}`;
