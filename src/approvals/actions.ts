// The approver's side in chat: the Approve / Reject buttons of the approval
// card, and the reject note (the Lark form value `note`, or else the
// approver's next message, held in a `reject_note` conversation).
import type { ActionHandler } from '../chat/context';
import { conversationStore, type FlowStep } from '../chat/conversations';
import type { Effects } from '../chat/effects';
import { parseCommand } from '../chat/parse';
import { t } from '../../core/i18n';
import { checkDecidable, decideAdjustment } from './decide';

const REJECT_NOTE_TTL_MS = 24 * 60 * 60 * 1000;

export const approveAction: ActionHandler = (ctx, event) =>
  decideAdjustment(ctx, { id: event.value.adj, decision: 'approve', clicked: event.message });

export const rejectAction: ActionHandler = async (ctx, event) => {
  if (event.value.note?.trim()) {
    return decideAdjustment(ctx, {
      id: event.value.adj,
      decision: 'reject',
      note: event.value.note,
      clicked: event.message,
    });
  }
  const check = await checkDecidable(ctx, event.value.adj);
  if (!check.ok) return check.effects;
  const conversations = conversationStore(ctx.store, () => ctx.clock.now());
  const prompt = t(ctx.locale, 'approval.askRejectNote');
  return {
    statements: [
      conversations.set({
        orgId: ctx.org.id,
        personId: ctx.person.id,
        flow: 'reject_note',
        step: 'note',
        data: { adj: check.adjustment.id, platform: event.platform, messageId: event.message?.messageId ?? null },
        ttlMs: REJECT_NOTE_TTL_MS,
      }),
    ],
    messages: [ctx.reply({ text: prompt })],
    result: { toast: { kind: 'info', text: prompt } },
  };
};

/** The approver's message after pressing Reject: the note (or "none"), or cancel. */
export const rejectNoteStep: FlowStep = async (ctx, event, conversation, conversations) => {
  const clear = conversations.clear(conversation.key);
  const text = event.text.trim();
  if (parseCommand(text).type === 'cancel') {
    return { statements: [clear], messages: [ctx.reply({ text: t(ctx.locale, 'approval.rejectCancelled') })] };
  }
  const skip = new RegExp(`^(?:${t(ctx.locale, 'approval.noNoteWords')})$`, 'i').test(text);
  const effects = await decideAdjustment(ctx, {
    id: String(conversation.data.adj ?? ''),
    decision: 'reject',
    note: skip ? null : text,
  });
  const withClear = (e: Effects): Effects => ({ ...e, statements: [...e.statements, clear] });
  // Answered in chat, so the toast becomes a reply; the cards update through the outbox.
  const out = withClear(effects);
  if (
    effects.result?.toast &&
    !effects.messages.some((m) => m.operation === 'send' && m.to.id === ctx.event.replyTo.id)
  ) {
    out.messages = [...out.messages, ctx.reply({ text: effects.result.toast.text })];
  }
  const { onConflict } = effects;
  if (onConflict) out.onConflict = async () => withClear(await onConflict());
  return out;
};

/** A message after the reject-note prompt went quiet: the request stays pending, and the text is not a note. */
export const rejectNoteExpired: FlowStep = async (ctx, _event, conversation, conversations) => ({
  statements: [conversations.clear(conversation.key)],
  messages: [ctx.reply({ text: t(ctx.locale, 'approval.rejectExpired') })],
});
