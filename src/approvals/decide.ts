// Deciding a request. Only a routed approver (or their active delegate) may
// decide, and only once: the decision claims `adjustment:<id>:decision` in the
// same atomic batch that sets the status, applies the change and writes the
// audit entry, so two approvers clicking together, or one callback delivered
// twice, yield exactly one decision; the loser gets the outcome as a toast.
import { and, eq } from 'drizzle-orm';
import type { SentRef } from '../../bots/types';
import { buildResolvedApprovalCard, outcomeLine, type ApprovalOutcome } from '../../cards/approval';
import type { Statement } from '../../storage/db';
import { auditStatement } from '../../storage/repos/audit';
import { keyResultsOf } from '../../storage/repos/okrs';
import { getPerson, getTeam } from '../../storage/repos/people';
import type { Adjustment } from '../../storage/repos/types';
import { adjustments, claims, cycles, objectives } from '../../storage/schema';
import { adjustmentDecidedData, webhookEventStatement } from '../../storage/webhook-events';
import type { ChatContext } from '../chat/context';
import { noEffects, type Effects } from '../chat/effects';
import { localeOf, t } from '../../core/i18n';
import type { OutboundItem } from '../outbox/enqueue';
import { addressOf } from './addresses';
import { alignedToKr, quoteTitles } from './aligned';
import { applyStatements, discardStatements } from './apply';
import { resolveCopies } from './copies';
import { approvalView, changeText, formatMoment, loadRequestContext, type RequestContext } from './describe';
import { eligibleDeciders, wasDelegateOf } from './routing';
import { log } from '../../core/log';

export type Decision = 'approve' | 'reject';

/**
 * Who decides and where: a chat event (card click, reject note) or the dashboard, which has no event and no
 * conversation to reply in (`event` and `reply` absent). Everything else (rules, claims, audit, card updates,
 * notices) is the same for both.
 */
export type DecideContext = Omit<ChatContext, 'event' | 'reply'> & Partial<Pick<ChatContext, 'event' | 'reply'>>;

/** Where the decision came from, for the audit trail. */
const via = (ctx: DecideContext) => ctx.event?.platform ?? 'web';
/** A reply in the conversation, for decisions taken by a chat message. */
const replies = (ctx: DecideContext, text: string): OutboundItem[] =>
  ctx.event?.type === 'message' && ctx.reply ? [ctx.reply({ text })] : [];

export const decisionClaim = (id: string) => `adjustment:${id}:decision`;

export async function getAdjustment(
  ctx: Pick<ChatContext, 'store'>,
  orgId: string,
  id: string,
): Promise<Adjustment | undefined> {
  const [row] = await ctx.store.db
    .select()
    .from(adjustments)
    .where(and(eq(adjustments.orgId, orgId), eq(adjustments.id, id)))
    .limit(1);
  return row;
}

const tz = (ctx: DecideContext) => ctx.person.timezone ?? ctx.org.settings.timezone ?? ctx.config.defaultTimezone;

/** The outcome of a decided or expired request, for cards and toasts. */
export async function outcomeOf(ctx: DecideContext, a: Adjustment): Promise<ApprovalOutcome> {
  const decider = a.decidedBy ? await getPerson(ctx.store, a.orgId, a.decidedBy) : undefined;
  const status = a.status === 'pending' ? 'expired' : a.status;
  return {
    status,
    by: decider?.name ?? null,
    at: formatMoment(a.decidedAt ?? a.expiresAt ?? a.createdAt, tz(ctx)),
    note: a.decisionNote,
  };
}

/** A refusal that is logged: an action naming a request this person may not decide. */
function refuse(ctx: DecideContext, id: string, reason: string, text: string): Effects {
  log.warn(`refused adjustment decision by ${ctx.person.id} on ${id}: ${reason}`, {
    org: ctx.org.slug,
    platform: via(ctx),
  });
  const value = ctx.event?.type === 'card_action' ? ctx.event.value : undefined;
  return {
    statements: [
      auditStatement(ctx.store, {
        orgId: ctx.org.id,
        actorType: 'person',
        actorId: ctx.person.id,
        action: 'adjustment.refused',
        entityType: 'adjustment',
        entityId: id.slice(0, 80),
        data: { reason, platform: via(ctx), value: value ?? null },
        now: ctx.clock.now(),
      }),
    ],
    messages: replies(ctx, text),
    result: { toast: { kind: 'error', text } },
  };
}

/** "Already decided": the outcome as a toast, and the resolved card in place of a stale one. */
export async function alreadyDecided(ctx: DecideContext, a: Adjustment): Promise<Effects> {
  const outcome = await outcomeOf(ctx, a);
  const rc = await loadRequestContext(ctx.store, a);
  const text = t(ctx.locale, 'approval.alreadyDecided', { outcome: outcomeLine(ctx.locale, outcome) });
  return {
    ...noEffects(),
    messages: replies(ctx, text),
    result: { toast: { kind: 'info', text }, card: buildResolvedApprovalCard(approvalView(ctx.locale, rc), outcome) },
  };
}

/** A pending request whose delegation has ended: back with the approver; the old card says so and loses its buttons. */
async function handedBack(ctx: DecideContext, a: Adjustment): Promise<Effects> {
  const approver = a.approverId ? await getPerson(ctx.store, a.orgId, a.approverId) : undefined;
  const rc = await loadRequestContext(ctx.store, a);
  const text = t(ctx.locale, 'approval.handedBack', { name: approver?.name ?? '—' });
  const card = buildResolvedApprovalCard(approvalView(ctx.locale, rc), {
    status: 'handed_back',
    by: approver?.name ?? '—',
    at: formatMoment(ctx.clock.now(), tz(ctx)),
  });
  return {
    ...noEffects(),
    messages: replies(ctx, text),
    result: { toast: { kind: 'info', text }, card },
  };
}

export type Decidable = { ok: true; adjustment: Adjustment } | { ok: false; effects: Effects };

/** May this person decide request `id` now? Refusals are logged; decided requests answer with their outcome. */
export async function checkDecidable(ctx: DecideContext, id: string | undefined): Promise<Decidable> {
  if (!id || id.length > 64)
    return {
      ok: false,
      effects: refuse(ctx, String(id ?? ''), 'missing or malformed id', t(ctx.locale, 'approval.notFound')),
    };
  const a = await getAdjustment(ctx, ctx.org.id, id);
  if (!a)
    return { ok: false, effects: refuse(ctx, id, 'no such request in this org', t(ctx.locale, 'approval.notFound')) };
  const eligible = await eligibleDeciders(ctx.store, a, ctx.clock.now());
  if (!eligible.has(ctx.person.id) && a.approverId) {
    // A delegate whose delegation has ended, clicking an old card: tell them who handles it.
    if (await wasDelegateOf(ctx.store, a.orgId, ctx.person.id, [a.approverId])) {
      if (a.status !== 'pending') return { ok: false, effects: await alreadyDecided(ctx, a) };
      return { ok: false, effects: await handedBack(ctx, a) };
    }
  }
  if (!eligible.has(ctx.person.id)) {
    const approver = a.approverId ? await getPerson(ctx.store, a.orgId, a.approverId) : undefined;
    return {
      ok: false,
      effects: refuse(
        ctx,
        id,
        'not an approver of this request',
        t(ctx.locale, 'approval.notApprover', { name: approver?.name ?? '—' }),
      ),
    };
  }
  if (a.status !== 'pending') return { ok: false, effects: await alreadyDecided(ctx, a) };
  return { ok: true, adjustment: a };
}

export async function decideAdjustment(
  ctx: DecideContext,
  input: { id: string | undefined; decision: Decision; note?: string | null; clicked?: SentRef },
): Promise<Effects> {
  const check = await checkDecidable(ctx, input.id);
  if (!check.ok) return check.effects;
  const a = check.adjustment;
  const { store } = ctx;
  const now = ctx.clock.now();
  const at = now.toISOString();
  const status = input.decision === 'approve' ? 'approved' : 'rejected';
  const note = input.note?.trim() ? input.note.trim().slice(0, 500) : null;
  const rc = await loadRequestContext(store, a);
  // A closed cycle is locked (docs/review.md): a request still pending on it cannot change it any more.
  const cycleId = a.cycleId ?? rc.objective?.cycleId;
  if (status === 'approved' && cycleId) {
    const [cycle] = await store.db
      .select({ name: cycles.name, status: cycles.status })
      .from(cycles)
      .where(eq(cycles.id, cycleId));
    if (cycle?.status === 'closed')
      return refuse(ctx, a.id, 'the cycle is closed', t(ctx.locale, 'review.closedCycle', { cycle: cycle.name }));
  }
  // A drop approved after someone aligned an objective to the KR would orphan it: refuse, as the API does (409).
  if (status === 'approved' && a.kind === 'drop' && a.keyResultId) {
    const aligned = await alignedToKr(store, a.orgId, a.keyResultId);
    if (aligned.length)
      return refuse(
        ctx,
        a.id,
        'objectives align to the KR to drop',
        t(ctx.locale, 'adjust.dropAligned', { count: aligned.length, titles: quoteTitles(ctx.locale, aligned) }),
      );
  }

  const statements: Statement[] = [
    store.db.insert(claims).values({ key: decisionClaim(a.id), createdAt: at }),
    store.db
      .update(adjustments)
      .set({ status, decidedBy: ctx.person.id, decidedAt: at, decisionNote: note })
      .where(and(eq(adjustments.id, a.id), eq(adjustments.status, 'pending'))),
  ];
  if (status === 'approved') {
    const nextPosition =
      a.kind === 'add' && a.objectiveId
        ? ((await keyResultsOf(store, [a.objectiveId])).get(a.objectiveId)?.length ?? 0)
        : 0;
    statements.push(
      ...applyStatements(store, a, now, { nextPosition, objectiveCycleId: rc.objective?.cycleId, kr: rc.kr }),
    );
  } else {
    statements.push(...discardStatements(store, a, now));
  }
  statements.push(
    auditStatement(store, {
      orgId: a.orgId,
      actorType: 'person',
      actorId: ctx.person.id,
      action: `adjustment.${status}`,
      entityType: 'adjustment',
      entityId: a.id,
      data: {
        kind: a.kind,
        current: a.current,
        proposed: a.proposed,
        note,
        keyResultId: a.keyResultId,
        objectiveId: a.objectiveId,
        live: rc.kr
          ? { target: rc.kr.targetValue, start: rc.kr.startValue, weight: rc.kr.weight, title: rc.kr.title }
          : null,
        onBehalfOf: a.approverId && a.approverId !== ctx.person.id ? a.approverId : null,
        platform: via(ctx),
      },
      now,
    }),
  );

  const decided: Adjustment = { ...a, status, decidedBy: ctx.person.id, decidedAt: at, decisionNote: note };
  statements.push(
    webhookEventStatement(store, {
      orgId: a.orgId,
      type: 'adjustment.decided',
      data: adjustmentDecidedData(decided),
      now,
    }),
  );
  const outcome = (): ApprovalOutcome => ({ status, by: ctx.person.name, at: formatMoment(at, tz(ctx)), note });
  const messages: OutboundItem[] = [
    ...(await resolveCopies(store, { ...rc, adjustment: decided }, outcome, input.clicked)),
    ...(await notifyRequester(ctx, rc, status, note)),
    ...(status === 'approved' ? await notifyParentOwner(ctx, rc) : []),
  ];
  const toastKey = status === 'approved' ? 'toast.approved' : 'toast.rejected';
  return {
    statements,
    messages,
    result: {
      toast: { kind: 'success', text: t(ctx.locale, toastKey) },
      card: buildResolvedApprovalCard(approvalView(ctx.locale, rc), outcome()),
    },
    // Someone else's decision (or expiry) committed first: say what happened, change nothing.
    onConflict: async () => {
      const now2 = await getAdjustment(ctx, a.orgId, a.id);
      return now2 ? alreadyDecided(ctx, now2) : noEffects();
    },
  };
}

async function notifyRequester(
  ctx: DecideContext,
  rc: RequestContext,
  status: 'approved' | 'rejected',
  note: string | null,
): Promise<OutboundItem[]> {
  const requester = rc.requester;
  if (!requester) return [];
  const to = await addressOf(ctx.store, requester.id, ctx.event?.platform ?? requester.lastPlatform ?? undefined);
  if (!to) return [];
  const locale = localeOf(requester);
  const change = changeText(locale, rc);
  const text =
    status === 'approved'
      ? t(locale, 'adjust.approved', { approver: ctx.person.name, change })
      : note
        ? t(locale, 'adjust.rejected', { approver: ctx.person.name, change, reason: note })
        : t(locale, 'adjust.rejectedNoReason', { approver: ctx.person.name, change });
  return [{ operation: 'send', to, message: { text }, orgId: ctx.org.id }];
}

/** A child's target moved: the owner of the KR it aligns to should know (unless they just decided it). */
async function notifyParentOwner(ctx: DecideContext, rc: RequestContext): Promise<OutboundItem[]> {
  if (rc.adjustment.kind !== 'target' || !rc.parentKr) return [];
  const [parentObjective] = await ctx.store.db
    .select()
    .from(objectives)
    .where(and(eq(objectives.orgId, ctx.org.id), eq(objectives.id, rc.parentKr.objectiveId)))
    .limit(1);
  let ownerId = parentObjective?.ownerPersonId ?? null;
  if (!ownerId && parentObjective?.ownerTeamId)
    ownerId = (await getTeam(ctx.store, ctx.org.id, parentObjective.ownerTeamId))?.managerId ?? null;
  if (!ownerId || ownerId === rc.adjustment.requesterId || ownerId === ctx.person.id) return [];
  const owner = await getPerson(ctx.store, ctx.org.id, ownerId);
  const to = owner
    ? await addressOf(ctx.store, owner.id, ctx.event?.platform ?? owner.lastPlatform ?? undefined)
    : undefined;
  if (!owner || !to) return [];
  const ownerLocale = localeOf(owner);
  const text = t(ownerLocale, 'approval.parentNotice', {
    name: rc.requester?.name ?? '',
    parent: rc.parentKr.title,
    change: changeText(ownerLocale, rc),
  });
  return [{ operation: 'send', to, message: { text }, orgId: ctx.org.id }];
}
