// Asking for a goal change: `调整 KR1 目标 80 原因 …` in one message, or the
// "申请调整" button on a KR card, which asks what to change and reads the
// answer as the rest of an `调整 KRn …` command. The request itself (routing,
// approval card) is src/approvals/request.ts.
import { and, eq } from 'drizzle-orm';
import type { CardActionEvent } from '../../../bots/types';
import { getObjective } from '../../../storage/repos/okrs';
import { alignedToKr, quoteTitles } from '../../approvals/aligned';
import { adjustments, type AdjustmentKind } from '../../../storage/schema';
import { requestAdjustment, type AdjustmentInput } from '../../approvals/request';
import { invalidReply, t, type MessageKey } from '../../../core/i18n';
import type { ActionHandler, ChatContext, CommandHandler } from '../context';
import { conversationStore, type FlowStep } from '../conversations';
import { noEffects, type Effects } from '../effects';
import { parseCommand, type Command } from '../parse';
import { krByNumber } from '../okr-view';
import { krList, personView } from './checkin';
import { log } from '../../../core/log';

type AdjustCommand = Extract<Command, { type: 'adjust' }>;

const say = (ctx: ChatContext, text: string, extra: Partial<Effects> = {}): Effects => ({
  ...noEffects(),
  ...extra,
  messages: [ctx.reply({ text })],
});

export async function requestFromCommand(ctx: ChatContext, command: AdjustCommand): Promise<Effects> {
  const view = await personView(ctx);
  if (!view.cycle) return say(ctx, t(ctx.locale, 'cycle.none'));
  if (view.cycle.row.status === 'closed')
    return say(ctx, t(ctx.locale, 'review.closedCycle', { cycle: view.cycle.name }));
  const { change } = command;
  const reason = command.reason ?? null;

  if (change.field === 'add' || (change.field === 'title' && command.kr === undefined)) {
    const number = command.objective ?? (view.objectives.length === 1 ? 1 : undefined);
    const summary = number ? view.objectives[number - 1] : undefined;
    const objective = summary ? await getObjective(ctx.store, ctx.org.id, summary.id) : undefined;
    if (!objective) return say(ctx, t(ctx.locale, 'adjust.objectiveNotFound', { number: number ?? '?' }));
    if (change.field === 'add') {
      const kr = { ...change.kr };
      delete kr.baselineMissing;
      return requestAdjustment(ctx, {
        kind: 'add',
        objective,
        current: null,
        proposed: { kr },
        reason,
        nextPosition: summary!.keyResults.length,
      });
    }
    if (change.value === objective.title) return say(ctx, t(ctx.locale, 'adjust.noChange'));
    return requestAdjustment(ctx, {
      kind: 'title',
      objective,
      current: { title: objective.title },
      proposed: { title: change.value },
      reason,
    });
  }

  const number = command.kr ?? 0;
  const entry = krByNumber(view, number);
  const dropped = view.dropped.get(number);
  if (!entry && dropped) return say(ctx, t(ctx.locale, 'checkin.dropped', { number, title: dropped.title }));
  if (!entry) {
    return say(
      ctx,
      view.krs.length
        ? t(ctx.locale, 'kr.notFound', { number, list: krList(view) })
        : t(ctx.locale, 'kr.notFoundEmpty', { number }),
    );
  }
  const kr = entry.row;
  const kind: AdjustmentKind = change.field;
  const [pending] = await ctx.store.db
    .select({ id: adjustments.id })
    .from(adjustments)
    .where(
      and(
        eq(adjustments.orgId, ctx.org.id),
        eq(adjustments.keyResultId, kr.id),
        eq(adjustments.kind, kind),
        eq(adjustments.status, 'pending'),
      ),
    )
    .limit(1);
  if (pending) return say(ctx, t(ctx.locale, 'adjust.pendingExists', { number }));

  let input: AdjustmentInput;
  switch (change.field) {
    case 'target':
    case 'start':
    case 'weight': {
      const misfit = adjustmentMisfit(kr, change.field, change.value);
      if (misfit) return say(ctx, t(ctx.locale, misfit, { number, title: kr.title }));
      const now = { target: kr.targetValue, start: kr.startValue, weight: kr.weight }[change.field];
      if (now === change.value) return say(ctx, t(ctx.locale, 'adjust.noChange'));
      input = { kind, kr, current: { [change.field]: now }, proposed: { [change.field]: change.value }, reason };
      break;
    }
    case 'title':
      if (change.value === kr.title) return say(ctx, t(ctx.locale, 'adjust.noChange'));
      input = { kind, kr, current: { title: kr.title }, proposed: { title: change.value }, reason };
      break;
    case 'drop': {
      // The API's rule (409 while objectives align to the KR): refuse, and say who must realign first.
      const aligned = await alignedToKr(ctx.store, ctx.org.id, kr.id);
      if (aligned.length)
        return say(
          ctx,
          t(ctx.locale, 'adjust.dropAligned', { count: aligned.length, titles: quoteTitles(ctx.locale, aligned) }),
        );
      input = { kind, kr, current: { title: kr.title, status: kr.status }, proposed: { status: 'dropped' }, reason };
      break;
    }
  }
  return requestAdjustment(ctx, input);
}

export const adjustCommand: CommandHandler = async (ctx, command) =>
  command.type === 'adjust' ? requestFromCommand(ctx, command) : undefined;

/** Reads `目标 80 原因 …` as the rest of `调整 KR<n> …`; a full `调整 …` command is taken as is. */
function asAdjustCommand(text: string, krNumber: number, locale: 'zh-CN' | 'en'): Command {
  const direct = parseCommand(text, { locale });
  if (direct.type === 'adjust' || direct.type === 'cancel') return direct;
  return parseCommand(`调整 KR${krNumber} ${text}`, { locale });
}

/** The KR card's "申请调整" button: a form value (`change`) is used at once; otherwise ask. */
export const adjustAction: ActionHandler = async (ctx, event: CardActionEvent) => {
  const view = await personView(ctx);
  const entry = view.krs.find((k) => k.id === event.value.kr);
  if (!entry) {
    log.warn(`refused kr.adjust from ${ctx.person.id}: not the owner`, {
      org: ctx.org.slug,
      platform: event.platform,
      value: event.value,
    });
    return { ...noEffects(), result: { toast: { kind: 'error', text: t(ctx.locale, 'toast.forbidden') } } };
  }
  const form = event.value.change?.trim();
  if (form) {
    const command = asAdjustCommand(form, entry.number, ctx.locale);
    if (command.type === 'adjust') {
      const effects = await requestFromCommand(ctx, command);
      return { ...effects, result: { toast: { kind: 'success', text: t(ctx.locale, 'toast.recorded') } } };
    }
  }
  const conversations = conversationStore(ctx.store, () => ctx.clock.now());
  const prompt = t(ctx.locale, 'adjust.askChange', { number: entry.number, title: entry.title });
  return {
    statements: [
      conversations.set({
        orgId: ctx.org.id,
        personId: ctx.person.id,
        flow: 'adjust',
        step: 'change',
        data: { kr: entry.id },
      }),
    ],
    messages: [ctx.reply({ text: prompt })],
    result: { toast: { kind: 'info', text: prompt } },
  };
};

/** The answer to "what should change?". */
export const adjustStep: FlowStep = async (ctx, event, conversation, conversations) => {
  const clear = conversations.clear(conversation.key);
  const view = await personView(ctx);
  const entry = view.krs.find((k) => k.id === conversation.data.kr);
  if (!entry) return say(ctx, t(ctx.locale, 'adjust.cancelled'), { statements: [clear] });
  const command = asAdjustCommand(event.text, entry.number, ctx.locale);
  if (command.type === 'cancel') return say(ctx, t(ctx.locale, 'adjust.cancelled'), { statements: [clear] });
  if (command.type !== 'adjust') {
    // Not understood: explain and keep waiting (the conversation is still live).
    const hint =
      command.type === 'invalid' && command.hint
        ? command.hint
        : t(ctx.locale, 'adjust.askChange', { number: entry.number, title: entry.title });
    return say(ctx, command.type === 'invalid' ? invalidReply(ctx.locale, { ...command, hint }) : hint);
  }
  const effects = await requestFromCommand(ctx, command);
  return { ...effects, statements: [clear, ...effects.statements] };
};

/** A reply after the "what should change?" prompt went quiet: say so rather than misread it. */
export const adjustExpired: FlowStep = async (ctx, _event, conversation, conversations) =>
  say(ctx, t(ctx.locale, 'adjust.expired.prompt'), { statements: [conversations.clear(conversation.key)] });

/**
 * Why a numeric change does not fit the KR's kind, as a message key: a yes/no KR has no
 * target or start to move (done is done); a milestone KR counts whole milestones from 0.
 */
function adjustmentMisfit(
  kr: { kind: string; startValue: number },
  field: 'target' | 'start' | 'weight',
  value: number,
): MessageKey | undefined {
  if (field === 'weight') return undefined;
  if (kr.kind === 'boolean') return 'adjust.misfit.boolean';
  if (kr.kind === 'milestone') {
    if (field === 'start') return 'adjust.misfit.milestoneStart';
    if (!Number.isInteger(value) || value < 1) return 'adjust.misfit.milestoneTarget';
  }
  return undefined;
}
