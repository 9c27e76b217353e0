// Card actions of the escalation card: "我来跟进 / I'll follow up" (esc.follow)
// and "安排辅导 / Schedule coaching" (esc.coach). Who may click: the coach it
// went to, the manager it was escalated to, the subject's manager, or an admin.
// A claim per (firing, action) makes a double click or two people at once
// count once; every copy of the card is then updated to match.
import { and, eq } from 'drizzle-orm';
import type { CardActionEvent } from '../../bots/types';
import { claims, people, ruleFirings } from '../../storage/schema';
import { webhookEventStatement } from '../../storage/webhook-events';
import { ESCALATION_ACTIONS } from '../../cards/escalation';
import type { Card } from '../../cards/model';
import type { ActionHandler, ChatContext } from '../chat/context';
import { noEffects, type Effects } from '../chat/effects';
import { t } from '../../core/i18n';
import { escalationCard, escalationUpdates } from './escalation';
import type { MetricFiringData } from './firing-data';

type AckAction = 'follow_up' | 'coaching';

const toast = (kind: 'success' | 'info' | 'error', text: string, card?: Card): Effects => ({
  ...noEffects(),
  result: { toast: { kind, text }, ...(card ? { card } : {}) },
});

async function loadFiring(ctx: ChatContext, id: string | undefined) {
  if (!id) return undefined;
  const [row] = await ctx.store.db
    .select()
    .from(ruleFirings)
    .where(and(eq(ruleFirings.orgId, ctx.org.id), eq(ruleFirings.id, id)))
    .limit(1);
  const data = row?.data as unknown as MetricFiringData | undefined;
  return row && data?.kind === 'metric' ? { row, data } : undefined;
}

async function mayHandle(ctx: ChatContext, data: MetricFiringData): Promise<boolean> {
  if (ctx.person.role === 'admin') return true;
  if ([data.coachId, data.escalatedToId].includes(ctx.person.id)) return true;
  const ids = [data.personId, data.coachId].filter((x): x is string => !!x);
  for (const id of ids) {
    const [p] = await ctx.store.db
      .select({ managerId: people.managerId })
      .from(people)
      .where(eq(people.id, id))
      .limit(1);
    if (p?.managerId === ctx.person.id) return true;
  }
  return false;
}

async function coachName(ctx: ChatContext, data: MetricFiringData): Promise<string | null> {
  if (!data.coachId) return null;
  const [p] = await ctx.store.db.select({ name: people.name }).from(people).where(eq(people.id, data.coachId)).limit(1);
  return p?.name ?? null;
}

function acknowledge(action: AckAction): ActionHandler {
  return async (ctx: ChatContext, event: CardActionEvent): Promise<Effects> => {
    const found = await loadFiring(ctx, event.value.f);
    if (!found) return toast('error', t(ctx.locale, 'rules.escalation.notFound'));
    const { row, data } = found;
    if (!(await mayHandle(ctx, data))) return toast('error', t(ctx.locale, 'error.forbidden'));
    const now = ctx.clock.now();
    const current = () => escalationCard(row.id, data, ctx.locale, { resolved: row.state === 'resolved', now });
    const done = data.acknowledgement;
    if (done && (done.action === 'coaching' || action === 'follow_up')) {
      return toast('info', t(ctx.locale, 'rules.escalation.already', { name: done.byName }), current());
    }
    const next: MetricFiringData = {
      ...data,
      acknowledgement: { byId: ctx.person.id, byName: ctx.person.name, at: now.toISOString(), action },
    };
    const statements = [
      ctx.store.db.insert(claims).values({ key: `escalation:${row.id}:${action}`, createdAt: now.toISOString() }),
      ctx.store.db
        .update(ruleFirings)
        .set({
          acknowledgedBy: row.acknowledgedBy ?? ctx.person.id,
          acknowledgedAt: row.acknowledgedAt ?? now.toISOString(),
          data: next as unknown as Record<string, unknown>,
        })
        .where(eq(ruleFirings.id, row.id)),
      webhookEventStatement(ctx.store, {
        orgId: ctx.org.id,
        type: 'escalation.claimed',
        data: {
          escalation: {
            firing_id: row.id,
            rule_id: row.ruleId,
            subject: row.subject,
            period: row.period,
            action,
            by: ctx.person.id,
            at: now.toISOString(),
          },
        },
        now,
      }),
    ];
    const updates = await escalationUpdates({ store: ctx.store, orgId: ctx.org.id, now }, row.id, next, {
      resolved: row.state === 'resolved',
      clicked: event.message,
    });
    const card = escalationCard(row.id, next, ctx.locale, {
      resolved: row.state === 'resolved',
      coachName: await coachName(ctx, next),
      now,
    });
    return {
      statements: [...statements, ...updates],
      messages: [],
      result: {
        toast: {
          kind: 'success',
          text: t(ctx.locale, action === 'coaching' ? 'rules.escalation.coachingToast' : 'rules.escalation.ackToast'),
        },
        card,
      },
      // Someone else's click won the claim: show them what happened.
      onConflict: async () => {
        const again = await loadFiring(ctx, row.id);
        const by = again?.data.acknowledgement?.byName ?? '';
        return toast(
          'info',
          t(ctx.locale, 'rules.escalation.already', { name: by }),
          again ? escalationCard(row.id, again.data, ctx.locale, { now }) : undefined,
        );
      },
    };
  };
}

export const escalationActions: Record<string, ActionHandler> = {
  [ESCALATION_ACTIONS.followUp]: acknowledge('follow_up'),
  [ESCALATION_ACTIONS.schedule]: acknowledge('coaching'),
};
