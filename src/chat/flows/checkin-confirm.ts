// Confirming a check-in value that does not look right (src/okr/checkin.ts):
// `完成` on a number KR ("set it to the target 4.7?"), or a value far outside
// the KR's range (`KR1 8` on 4.2→4.8). Nothing is written until the person
// confirms, with the card's button or by replying `确认` / `confirm` (the
// conversation `checkin_confirm` holds the value, confidence and note).
import type { CardActionEvent } from '../../../bots/types';
import type { Statement } from '../../../storage/db';
import { t } from '../../../core/i18n';
import type { ActionHandler, ChatContext } from '../context';
import { conversationKey, conversationStore, type FlowStep } from '../conversations';
import { noEffects, type Effects } from '../effects';
import type { PersonOkrView } from '../okr-view';
import { parseCommand } from '../parse';
import { checkIn, personView, type CheckInOutcome, type CheckInRequest } from './checkin';

const FLOW = 'checkin_confirm';
/** A confirmation is a quick yes/no: it lapses sooner than a multi-step flow. */
export const CONFIRM_TTL_MS = 10 * 60 * 1000;

interface PendingCheckIn {
  kr: string;
  value: number;
  confidence: number | null;
  note: string | null;
}

const store = (ctx: ChatContext) => conversationStore(ctx.store, () => ctx.clock.now());
const say = (ctx: ChatContext, text: string, statements: Statement[] = []): Effects => ({
  ...noEffects(),
  statements,
  messages: [ctx.reply({ text })],
});

/** The confirmation card, and the conversation that lets a typed `确认` confirm it. */
export async function askConfirmation(
  ctx: ChatContext,
  kr: PersonOkrView['krs'][number],
  outcome: Extract<CheckInOutcome, { ok: 'confirm' }>,
  request: CheckInRequest,
): Promise<Effects> {
  const data: PendingCheckIn = {
    kr: kr.id,
    value: outcome.value,
    confidence: request.confidence ?? null,
    note: request.note ?? null,
  };
  return {
    statements: [
      store(ctx).set({
        orgId: ctx.org.id,
        personId: ctx.person.id,
        flow: FLOW,
        step: 'confirm',
        data: { ...data },
        ttlMs: CONFIRM_TTL_MS,
      }),
    ],
    messages: [ctx.reply({ card: outcome.card })],
  };
}

/** The waiting confirmation for this KR and value (from a card click), with the statement that ends it. */
export async function pendingConfirmation(
  ctx: ChatContext,
  krId: string,
  value: number,
): Promise<(PendingCheckIn & { clear: Statement }) | undefined> {
  const key = conversationKey(ctx.org.id, ctx.person.id);
  const live = await store(ctx).get(key);
  if (!live || live.flow !== FLOW) return undefined;
  const data = live.data as unknown as PendingCheckIn;
  if (data.kr !== krId || data.value !== value) return undefined;
  return { ...data, clear: store(ctx).clear(key) };
}

function isYes(ctx: ChatContext, text: string): boolean {
  const words = `${t(ctx.locale, 'checkin.confirm.words')}|${t('en', 'checkin.confirm.words')}`;
  return new RegExp(`^(?:${words})$`, 'i').test(text.trim().replace(/[.!。！]+$/, ''));
}

/** The reply to the confirmation: yes records the value; cancel or anything else leaves it unrecorded. */
export const confirmCheckInStep: FlowStep = async (ctx, event, conversation, conversations) => {
  const clear = conversations.clear(conversation.key);
  const data = conversation.data as unknown as PendingCheckIn;
  if (parseCommand(event.text).type === 'cancel' || !isYes(ctx, event.text)) {
    if (parseCommand(event.text).type !== 'cancel' && !isNo(ctx, event.text)) {
      // Not an answer: ask again and keep waiting.
      return say(ctx, t(ctx.locale, 'checkin.confirm.again'));
    }
    return say(ctx, t(ctx.locale, 'checkin.confirm.cancelled'), [clear]);
  }
  const view = await personView(ctx);
  const kr = view.krs.find((k) => k.id === data.kr);
  if (!kr) return say(ctx, t(ctx.locale, 'checkin.confirm.cancelled'), [clear]);
  const outcome = checkIn(ctx, kr, {
    value: data.value,
    confirmed: true,
    confidence: data.confidence,
    note: data.note,
    source: 'chat',
  });
  if (outcome.ok !== true) return say(ctx, outcome.message, [clear]);
  return {
    statements: [clear, ...outcome.effects.statements],
    messages: [ctx.reply({ card: outcome.card }, `kr:${kr.id}`)],
  };
};

function isNo(ctx: ChatContext, text: string): boolean {
  const words = `${t(ctx.locale, 'checkin.confirm.noWords')}|${t('en', 'checkin.confirm.noWords')}`;
  return new RegExp(`^(?:${words})$`, 'i').test(text.trim().replace(/[.!。！]+$/, ''));
}

export const confirmCheckInExpired: FlowStep = async (ctx, event, conversation, conversations) => {
  if (!isYes(ctx, event.text)) return undefined;
  return say(ctx, t(ctx.locale, 'checkin.confirm.expired'), [conversations.clear(conversation.key)]);
};

/** The confirmation card's "cancel" button. */
export const confirmCancelAction: ActionHandler = async (ctx, event: CardActionEvent) => {
  const key = conversationKey(ctx.org.id, ctx.person.id);
  const live = await store(ctx).get(key);
  const statements = live?.flow === FLOW ? [store(ctx).clear(key)] : [];
  void event;
  return {
    statements,
    messages: [],
    result: { toast: { kind: 'info', text: t(ctx.locale, 'checkin.confirm.cancelled') } },
  };
};
