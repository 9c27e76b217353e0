// Recording a goal-change request: the pending row (with the values the
// requester saw and the values they want), an audit entry, the approval card
// to each routed approver (subject `adjustment:<id>`, so the decision can later
// update every copy) and the requester's acknowledgement, all in one batch.
import type { Statement } from '../../storage/db';
import { newId } from '../../storage/ids';
import { auditStatement } from '../../storage/repos/audit';
import { effectiveSettings, ORG_SETTING_DEFAULTS } from '../../storage/repos/org-settings';
import { peopleByIds } from '../../storage/repos/people';
import type { Adjustment, KeyResult, Objective } from '../../storage/repos/types';
import { adjustments, type AdjustmentKind } from '../../storage/schema';
import { buildApprovalCard } from '../../cards/approval';
import type { ChatContext } from '../chat/context';
import type { Effects } from '../chat/effects';
import { localeOf, t } from '../../core/i18n';
import type { OutboundItem } from '../outbox/enqueue';
import { addressOf } from './addresses';
import { applyStatements } from './apply';
import { approvalView, changeText, loadRequestContext } from './describe';
import { routeRequest } from './routing';

const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_REMIND_DAYS = ORG_SETTING_DEFAULTS.adjustmentRemindDays;
export const DEFAULT_EXPIRE_DAYS = ORG_SETTING_DEFAULTS.adjustmentExpireDays;

export const adjustmentSubject = (id: string) => `adjustment:${id}`;

export interface AdjustmentInput {
  kind: AdjustmentKind;
  kr?: KeyResult;
  objective?: Objective;
  cycleId?: string | null;
  /** The values the requester saw (null when adding). */
  current: Record<string, unknown> | null;
  proposed: Record<string, unknown>;
  reason?: string | null;
  /** Writes that must land with the request, before it (the new objective's rows). */
  before?: Statement[];
  /** Position for an added KR. */
  nextPosition?: number;
}

export async function requestAdjustment(ctx: ChatContext, input: AdjustmentInput): Promise<Effects> {
  const { store, org, person } = ctx;
  const now = ctx.clock.now();
  const route = await routeRequest(store, org.id, person, now);
  const expireDays = effectiveSettings(org.settings).adjustmentExpireDays;
  const row: Adjustment = {
    id: newId('adj'),
    orgId: org.id,
    cycleId: input.cycleId ?? input.kr?.cycleId ?? input.objective?.cycleId ?? null,
    objectiveId: input.objective?.id ?? input.kr?.objectiveId ?? null,
    keyResultId: input.kr?.id ?? null,
    requesterId: person.id,
    approverId: route?.approverId ?? null,
    kind: input.kind,
    current: input.current,
    proposed: input.proposed,
    reason: input.reason ?? null,
    status: 'pending',
    decisionNote: null,
    decidedBy: null,
    decidedAt: null,
    remindedAt: null,
    expiresAt: new Date(now.getTime() + expireDays * DAY_MS).toISOString(),
    createdAt: now.toISOString(),
  };
  const statements: Statement[] = [...(input.before ?? [])];
  const audit = (action: string, data: Record<string, unknown>) =>
    auditStatement(store, {
      orgId: org.id,
      actorType: 'person',
      actorId: person.id,
      action,
      entityType: 'adjustment',
      entityId: row.id,
      data,
      now,
    });

  if (!route) {
    // Nobody above the requester (a sole admin at the top): the change applies at once, on the record.
    const applied: Adjustment = {
      ...row,
      status: 'approved',
      decidedBy: person.id,
      decidedAt: now.toISOString(),
      decisionNote: null,
      expiresAt: null,
    };
    statements.push(
      store.db.insert(adjustments).values(applied),
      ...applyStatements(store, applied, now, { nextPosition: input.nextPosition, kr: input.kr }),
    );
    statements.push(
      audit('adjustment.self_approved', { kind: row.kind, current: row.current, proposed: row.proposed }),
    );
    const text =
      input.kind === 'new_objective'
        ? t(ctx.locale, 'newObjective.created', {
            title: String(input.proposed.title ?? ''),
            count: Array.isArray(input.proposed.krs) ? input.proposed.krs.length : 0,
          })
        : t(ctx.locale, 'adjust.appliedNoApprover');
    return { statements, messages: [ctx.reply({ text })] };
  }

  statements.push(store.db.insert(adjustments).values(row));
  statements.push(
    audit('adjustment.requested', {
      kind: row.kind,
      current: row.current,
      proposed: row.proposed,
      approverId: route.approverId,
      recipients: route.recipients,
    }),
  );

  const context = await loadRequestContext(store, row);
  const recipients = await peopleByIds(
    store,
    org.id,
    route.recipients.flatMap((r) => [r.personId, r.onBehalfOf ?? r.personId]),
  );
  const byId = new Map(recipients.map((p) => [p.id, p]));
  const messages: OutboundItem[] = [];
  for (const r of route.recipients) {
    const recipient = byId.get(r.personId);
    const to = await addressOf(store, r.personId, ctx.event.platform);
    if (!recipient || !to) continue;
    const locale = localeOf(recipient);
    const card = buildApprovalCard(approvalView(locale, context, r.onBehalfOf ? byId.get(r.onBehalfOf)?.name : null));
    messages.push({ operation: 'send', to, message: { card }, orgId: org.id, subject: adjustmentSubject(row.id) });
  }
  const approverNames = route.recipients
    .map((r) => byId.get(r.personId)?.name)
    .filter(Boolean)
    .join(', ');
  const ack =
    input.kind === 'new_objective'
      ? t(ctx.locale, 'newObjective.pendingApproval', {
          title: String(input.proposed.title ?? ''),
          approver: approverNames,
        })
      : `${t(ctx.locale, 'adjust.requested', { approver: approverNames })}\n${changeText(ctx.locale, context)}`;
  messages.push(ctx.reply({ text: ack }));
  return { statements, messages };
}
