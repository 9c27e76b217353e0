// The escalation card's life after it is sent: acknowledged ("I'll follow up",
// "Schedule coaching"), resolved, or — unacknowledged after N days (3 by
// default) — escalated to the coach's manager. Every change re-renders every
// copy of the card: the outbox rows with subject `escalation:<firingId>` are
// updated wherever they were sent, each in its reader's language.
import { and, eq, isNull, lte } from 'drizzle-orm';
import type { Statement, Store } from '../../storage/db';
import { identities, people, ruleFirings, type Locale } from '../../storage/schema';
import { buildEscalationCard } from '../../cards/escalation';
import type { Card } from '../../cards/model';
import { prepareOutbound } from '../outbox/enqueue';
import { isClickedCopy, sentCopies } from '../outbox/copies';
import type { SentRef } from '../../bots/types';
import type { MetricFiringData } from './firing-data';
import { escalationSubject, personAddresses, ruleMessageStatements } from './outbound';
import type { EvalEnv } from './eval-env';

const DAY_MS = 86_400_000;
export const DEFAULT_ESCALATE_AFTER_DAYS = 3;

export function escalationCard(
  firingId: string,
  data: MetricFiringData,
  locale: Locale,
  options: { resolved?: boolean; coachName?: string | null; now?: Date } = {},
): Card {
  return buildEscalationCard({
    locale,
    firingId,
    personName: data.personName,
    personTitle: data.personTitle,
    coachName: options.coachName,
    ruleName: data.ruleName,
    condition: data.condition,
    trend: data.trend,
    run: data.run,
    observe: data.observe,
    escalatedAfterDays: data.escalatedToId ? (data.escalateAfterDays ?? DEFAULT_ESCALATE_AFTER_DAYS) : undefined,
    acknowledged: data.acknowledgement
      ? { byName: data.acknowledgement.byName, at: data.acknowledgement.at, action: data.acknowledgement.action }
      : undefined,
    resolved: options.resolved,
    now: options.now?.toISOString(),
  });
}

async function readerLocale(store: Store, orgId: string, platform: string, platformUserId: string): Promise<Locale> {
  const [row] = await store.db
    .select({ locale: people.locale })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(
      and(
        eq(identities.orgId, orgId),
        eq(identities.platform, platform as 'lark'),
        eq(identities.platformUserId, platformUserId),
      ),
    )
    .limit(1);
  return row?.locale ?? 'zh-CN';
}

async function personName(store: Store, id: string | null | undefined): Promise<string | null> {
  if (!id) return null;
  const [row] = await store.db.select({ name: people.name }).from(people).where(eq(people.id, id)).limit(1);
  return row?.name ?? null;
}

/** `update` outbox rows redrawing every sent copy of a firing's escalation card (except the clicked one, updated inline). */
export async function escalationUpdates(
  env: Pick<EvalEnv, 'store' | 'orgId' | 'now'>,
  firingId: string,
  data: MetricFiringData,
  options: { resolved?: boolean; clicked?: Pick<SentRef, 'platform' | 'messageId'> } = {},
): Promise<Statement[]> {
  const { store, orgId, now } = env;
  const coachName = await personName(store, data.coachId);
  const statements: Statement[] = [];
  for (const copy of await sentCopies(store, escalationSubject(firingId))) {
    if (isClickedCopy(copy, options.clicked)) continue;
    const locale = await readerLocale(store, orgId, copy.platform, copy.to.id ?? '');
    const card = escalationCard(firingId, data, locale, { resolved: options.resolved, coachName, now });
    statements.push(
      prepareOutbound(
        store,
        {
          operation: 'update',
          ref: { platform: copy.platform, outboxId: copy.outboxId },
          message: { card },
          orgId,
          subject: escalationSubject(firingId),
        },
        now,
      ).statement,
    );
  }
  return statements;
}

/**
 * Escalations nobody acknowledged within their rule's `afterDays` go to the
 * coach's manager, once: the conditional update on `escalated_at` and the
 * deterministic outbox ids make a second pass a no-op.
 */
export async function escalateOverdue(env: EvalEnv): Promise<{ escalated: string[]; groups: Statement[][] }> {
  const { store, orgId, now } = env;
  const rows = await store.db
    .select()
    .from(ruleFirings)
    .where(
      and(
        eq(ruleFirings.orgId, orgId),
        eq(ruleFirings.state, 'firing'),
        isNull(ruleFirings.acknowledgedAt),
        isNull(ruleFirings.escalatedAt),
        lte(ruleFirings.firedAt, new Date(now.getTime() - DAY_MS).toISOString()),
      ),
    );
  const due = rows.filter((r) => {
    const data = r.data as unknown as MetricFiringData | null;
    if (data?.kind !== 'metric' || !data.coachId || data.observe || data.held) return false;
    const days = data.escalateAfterDays ?? DEFAULT_ESCALATE_AFTER_DAYS;
    return Date.parse(r.firedAt) <= now.getTime() - days * DAY_MS;
  });
  if (!due.length) return { escalated: [], groups: [] };
  const managers = new Map(
    due.map((r) => [r.id, env.dir.byId.get((r.data as unknown as MetricFiringData).coachId!)?.managerId ?? null]),
  );
  const index = await env.identities([...managers.values()].filter((m): m is string => !!m));
  const groups: Statement[][] = [];
  const escalated: string[] = [];
  for (const firing of due) {
    const data = firing.data as unknown as MetricFiringData;
    const managerId = managers.get(firing.id) ?? null;
    const next: MetricFiringData = { ...data, escalatedToId: managerId };
    const group: Statement[] = [
      store.db
        .update(ruleFirings)
        .set({ escalatedAt: now.toISOString(), data: next as unknown as Record<string, unknown> })
        .where(and(eq(ruleFirings.id, firing.id), isNull(ruleFirings.escalatedAt), isNull(ruleFirings.acknowledgedAt))),
    ];
    if (managerId) {
      const manager = env.dir.byId.get(managerId);
      const card = escalationCard(firing.id, next, manager?.locale ?? 'zh-CN', {
        coachName: env.dir.byId.get(data.coachId!)?.name,
        now,
      });
      const messages = personAddresses(index, managerId, env.addressable, env.orgDefault).map((to) => ({
        to,
        message: { card },
        subject: escalationSubject(firing.id),
        purpose: `escalated:${managerId}`,
      }));
      group.push(...(await ruleMessageStatements(store, orgId, firing.id, messages, now)));
      escalated.push(firing.id);
    }
    groups.push(group);
  }
  return { escalated, groups };
}
