// The requester's and the approver's lists of goal-change requests:
// `撤回` / `withdraw` takes back one's own pending request (its approval cards
// turn into "withdrawn" everywhere), and `待审批` / `approvals` shows the
// approver what waits for them, as approval cards they can act on.
import { and, asc, eq, inArray } from 'drizzle-orm';
import { buildApprovalCard, type ApprovalOutcome } from '../../../cards/approval';
import type { Statement } from '../../../storage/db';
import { auditStatement } from '../../../storage/repos/audit';
import { peopleByIds } from '../../../storage/repos/people';
import type { Adjustment } from '../../../storage/repos/types';
import { adjustments, claims } from '../../../storage/schema';
import { discardStatements } from '../../approvals/apply';
import { resolveCopies } from '../../approvals/copies';
import { alreadyDecided, decisionClaim, getAdjustment } from '../../approvals/decide';
import { approvalView, changeText, formatMoment, loadRequestContext } from '../../approvals/describe';
import { standingInFor } from '../../approvals/routing';
import { adjustmentSubject } from '../../approvals/request';
import { t } from '../../../core/i18n';
import type { ChatContext, CommandHandler } from '../context';
import { noEffects, type Effects } from '../effects';
import { krByNumber } from '../okr-view';
import { personView } from './checkin';

/** At most this many approval cards answer one `待审批`; the reply says how many more wait. */
export const MAX_APPROVAL_CARDS = 10;

const say = (ctx: ChatContext, text: string): Effects => ({ ...noEffects(), messages: [ctx.reply({ text })] });
const tz = (ctx: ChatContext) => ctx.person.timezone ?? ctx.org.settings.timezone ?? ctx.config.defaultTimezone;

async function myPending(ctx: ChatContext): Promise<Adjustment[]> {
  return ctx.store.db
    .select()
    .from(adjustments)
    .where(
      and(
        eq(adjustments.orgId, ctx.org.id),
        eq(adjustments.requesterId, ctx.person.id),
        eq(adjustments.status, 'pending'),
      ),
    )
    .orderBy(asc(adjustments.createdAt), asc(adjustments.id));
}

export const withdrawCommand: CommandHandler = async (ctx, command) => {
  if (command.type !== 'withdraw') return undefined;
  const pending = await myPending(ctx);
  if (!pending.length) return say(ctx, t(ctx.locale, 'withdraw.none'));
  let chosen: Adjustment | undefined;
  if (command.kr !== undefined) {
    const kr = krByNumber(await personView(ctx), command.kr);
    chosen = kr ? pending.find((a) => a.keyResultId === kr.id) : undefined;
    if (!chosen) return say(ctx, t(ctx.locale, 'withdraw.noneOnKr', { number: command.kr }));
  } else if (command.index !== undefined) {
    chosen = pending[command.index - 1];
    if (!chosen) return say(ctx, t(ctx.locale, 'withdraw.badIndex', { max: pending.length }));
  } else if (pending.length === 1) {
    chosen = pending[0];
  } else {
    const lines = await Promise.all(
      pending.map(async (a, i) => `${i + 1}. ${changeText(ctx.locale, await loadRequestContext(ctx.store, a))}`),
    );
    return say(ctx, t(ctx.locale, 'withdraw.which', { list: lines.join('\n') }));
  }
  return withdraw(ctx, chosen);
};

async function withdraw(ctx: ChatContext, a: Adjustment): Promise<Effects> {
  const now = ctx.clock.now();
  const at = now.toISOString();
  const rc = await loadRequestContext(ctx.store, a);
  const withdrawn: Adjustment = { ...a, status: 'withdrawn', decidedBy: ctx.person.id, decidedAt: at };
  const statements: Statement[] = [
    // The same one-shot claim a decision takes: withdrawing and approving at once yield exactly one outcome.
    ctx.store.db.insert(claims).values({ key: decisionClaim(a.id), createdAt: at }),
    ctx.store.db
      .update(adjustments)
      .set({ status: 'withdrawn', decidedBy: ctx.person.id, decidedAt: at })
      .where(and(eq(adjustments.id, a.id), eq(adjustments.status, 'pending'))),
    ...discardStatements(ctx.store, a, now),
    auditStatement(ctx.store, {
      orgId: a.orgId,
      actorType: 'person',
      actorId: ctx.person.id,
      action: 'adjustment.withdrawn',
      entityType: 'adjustment',
      entityId: a.id,
      data: { kind: a.kind, current: a.current, proposed: a.proposed, platform: ctx.event.platform },
      now,
    }),
  ];
  const outcome = (): ApprovalOutcome => ({ status: 'withdrawn', by: ctx.person.name, at: formatMoment(at, tz(ctx)) });
  const copies = await resolveCopies(ctx.store, { ...rc, adjustment: withdrawn }, outcome);
  return {
    statements,
    messages: [ctx.reply({ text: t(ctx.locale, 'withdraw.done', { change: changeText(ctx.locale, rc) }) }), ...copies],
    onConflict: async () => {
      const latest = await getAdjustment(ctx, a.orgId, a.id);
      return latest ? alreadyDecided(ctx, latest) : noEffects();
    },
  };
}

export const approvalsCommand: CommandHandler = async (ctx, command) => {
  if (command.type !== 'approvals') return undefined;
  // Requests waiting for me, and for the people whose approvals are delegated to me now.
  const approverIds = [ctx.person.id, ...(await standingInFor(ctx.store, ctx.org.id, ctx.person.id, ctx.clock.now()))];
  const waiting = (
    await ctx.store.db
      .select()
      .from(adjustments)
      .where(
        and(
          eq(adjustments.orgId, ctx.org.id),
          inArray(adjustments.approverId, approverIds),
          eq(adjustments.status, 'pending'),
        ),
      )
      .orderBy(asc(adjustments.createdAt), asc(adjustments.id))
  ).filter((a) => a.requesterId !== ctx.person.id);
  if (!waiting.length) return say(ctx, t(ctx.locale, 'approvals.none'));
  const shown = waiting.slice(0, MAX_APPROVAL_CARDS);
  const onBehalf = new Map((await peopleByIds(ctx.store, ctx.org.id, approverIds)).map((p) => [p.id, p.name] as const));
  const messages = [
    ctx.reply({
      text:
        waiting.length > shown.length
          ? t(ctx.locale, 'approvals.someOf', { count: waiting.length, shown: shown.length })
          : t(ctx.locale, 'approvals.count', { count: waiting.length }),
    }),
  ];
  for (const a of shown) {
    const rc = await loadRequestContext(ctx.store, a);
    const delegatedFrom = a.approverId && a.approverId !== ctx.person.id ? onBehalf.get(a.approverId) : null;
    const card = buildApprovalCard(approvalView(ctx.locale, rc, delegatedFrom));
    messages.push(ctx.reply({ card }, adjustmentSubject(a.id)));
  }
  return { statements: [], messages };
};
