// An event for outbound webhook subscribers, as one statement for the caller's atomic batch:
// INSERT INTO outbox … SELECT … FROM webhook_subscriptions, one delivery row per subscription of
// the org that lists the event. It needs no read beforehand, so the code that causes an event
// (a check-in, a decision) adds it to the batch that stores the cause: the event is stored if
// and only if its cause is, and an org without subscribers pays one indexed lookup.
//
// Rows of a paused subscription are stored too (never lost), due only when it is resumed
// (src/webhooks-out/subscriptions.ts sets them due again).
import { sql } from 'drizzle-orm';
import type { WebhookEvent } from '../core/webhooks';
import type { Statement, Store } from './db';
import { newId } from './ids';
import { preparedWrite } from './prepared';
import { outbox, ruleFirings, rules, webhookSubscriptions } from './schema';

/** Next attempt of a delivery held for a paused subscription: never, until it is resumed. */
export const HELD_UNTIL = '9999-12-31T00:00:00.000Z';
/** The outbox `recipient_key` of a subscription's deliveries: the per-subscriber ordering key. */
export const webhookRecipientKey = (subscriptionId: string) => `webhook:${subscriptionId}`;

export interface WebhookEventInput {
  orgId: string;
  type: WebhookEvent;
  /** The event's payload (`data` of the envelope); keep it small and free of secrets. */
  data: Record<string, unknown>;
  now: Date;
  /**
   * A stable id when the same event may be emitted twice (a rule firing re-evaluated): the
   * delivery rows' ids derive from it, so the second emission inserts nothing.
   */
  eventId?: string;
}

/** The envelope every subscriber receives. */
export function webhookEnvelope(input: WebhookEventInput & { eventId: string }) {
  return { id: input.eventId, type: input.type, created_at: input.now.toISOString(), data: input.data };
}

// Every check-in and decision adds one: prepared once per database (storage/prepared.ts).
const insertDeliveries = preparedWrite<{ idPrefix: string; type: string; envelope: string; at: string; orgId: string }>(
  (db, value) => {
    const s = webhookSubscriptions;
    // Every outbox column, in the table's order (Drizzle inserts a raw select into all of them).
    const select = sql`select
      ${value('idPrefix')} || ${s.id},
      ${s.orgId},
      'webhook',
      'send',
      json_object('kind', 'webhook', 'id', ${s.id}, 'event', ${value('type')}),
      ${value('envelope')},
      ${value('idPrefix')} || ${s.id},
      'webhook:' || ${value('type')},
      'webhook:' || ${s.id},
      'pending',
      0,
      case when ${s.status} = 'active' then ${value('at')} else ${HELD_UNTIL} end,
      null, null, null,
      ${value('at')},
      null, null, null
    from ${s}
    where ${s.orgId} = ${value('orgId')}
      and exists (select 1 from json_each(${s.events}) where json_each.value = ${value('type')})`;
    return db.insert(outbox).select(select).onConflictDoNothing();
  },
);

export function webhookEventStatement(store: Store, input: WebhookEventInput): Statement {
  const eventId = input.eventId ?? newId('evt');
  return insertDeliveries(store, {
    idPrefix: `${eventId}~`,
    type: input.type,
    envelope: JSON.stringify(webhookEnvelope({ ...input, eventId })),
    at: input.now.toISOString(),
    orgId: input.orgId,
  });
}

/**
 * `rule.fired` for the firings a rule's evaluation pass inserted (those with this pass's
 * `fired_at`), one delivery per firing and subscription. Row ids derive from the firing and the
 * subscription, so running it in every batch of the pass, or again after a crash, adds nothing
 * twice; firings that already existed keep their earlier `fired_at` and are not news. The
 * subscriptions are the outer loop (`cross join` fixes SQLite's join order), so an org without a
 * rule.fired subscriber scans no firing; with one, `rule_firings_pass` finds the pass's firings.
 */
export function ruleFiredStatement(store: Store, input: { orgId: string; ruleId: string; firedAt: string }): Statement {
  const s = webhookSubscriptions;
  const f = ruleFirings;
  const r = rules;
  const envelope = sql`json_object(
      'id', ${f.id},
      'type', 'rule.fired',
      'created_at', ${f.firedAt},
      'data', json_object(
        'firing', json_object('id', ${f.id}, 'subject', ${f.subject}, 'period', ${f.period}, 'fired_at', ${f.firedAt}, 'data', json(${f.data})),
        'rule', json_object('id', ${r.id}, 'name', ${r.name}, 'mode', ${r.mode}, 'builtin', ${r.builtin})))`;
  const select = sql`select
      ${f.id} || '~' || ${s.id},
      ${s.orgId},
      'webhook',
      'send',
      json_object('kind', 'webhook', 'id', ${s.id}, 'event', 'rule.fired'),
      ${envelope},
      ${f.id} || '~' || ${s.id},
      'webhook:rule.fired',
      'webhook:' || ${s.id},
      'pending',
      0,
      case when ${s.status} = 'active' then ${input.firedAt} else ${HELD_UNTIL} end,
      null, null, null,
      ${input.firedAt},
      null, null, null
    from ${s}
    cross join ${f}
    join ${r} on ${r.id} = ${f.ruleId}
    where ${s.orgId} = ${input.orgId} and ${f.orgId} = ${s.orgId}
      and ${f.orgId} = ${input.orgId} and ${f.ruleId} = ${input.ruleId} and ${f.firedAt} = ${input.firedAt}
      and ${f.state} = 'firing'
      and exists (select 1 from json_each(${s.events}) where json_each.value = 'rule.fired')`;
  return store.db.insert(outbox).select(select).onConflictDoNothing();
}

/** The `data` of an `adjustment.decided` event (approved, rejected, or expired undecided). */
export function adjustmentDecidedData(a: {
  id: string;
  kind: string;
  status: string;
  cycleId?: string | null;
  objectiveId: string | null;
  keyResultId: string | null;
  requesterId: string;
  current: unknown;
  proposed: unknown;
  reason: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
}) {
  return {
    adjustment: {
      id: a.id,
      kind: a.kind,
      status: a.status,
      objective_id: a.objectiveId,
      key_result_id: a.keyResultId,
      requester_id: a.requesterId,
      current: a.current,
      proposed: a.proposed,
      reason: a.reason,
      decided_by: a.decidedBy,
      decided_at: a.decidedAt,
      note: a.decisionNote,
    },
  };
}
