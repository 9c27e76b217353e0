// Routes a known person's chat message or card click to the flow that handles
// it. Flows live in ./flows; card actions are looked up by their action id.
import type { CardActionEvent, MessageEvent } from '../../bots/types';
import { buildMyOkrsCard } from '../../cards/my-okrs';
import { buildKrProgressCard } from '../../cards/kr-progress';
import { helpText } from '../../cards/help';
import { invalidReply, t } from '../../core/i18n';
import { MAX_COMMAND_CHARS, parseCommand, type Command } from './parse';
import type { ActionHandler, ChatContext, ChatHandlers } from './context';
import { noEffects, type Effects } from './effects';
import { checkIn, krList, personView, type CheckInRequest } from './flows/checkin';
import { askConfirmation, pendingConfirmation } from './flows/checkin-confirm';
import { krByNumber } from './okr-view';
import { teamStatus } from './flows/team';
import { extraActions, extraCommands, activeConversation } from '../chat-extensions';
import { log } from '../../core/log';

const text = (ctx: ChatContext, message: string): Effects => ({
  ...noEffects(),
  messages: [ctx.reply({ text: message })],
});
const toast = (kind: 'success' | 'info' | 'warning' | 'error', message: string): Effects => ({
  ...noEffects(),
  result: { toast: { kind, text: message } },
});

async function myOkrs(ctx: ChatContext): Promise<Effects> {
  const view = await personView(ctx);
  if (!view.cycle) return text(ctx, t(ctx.locale, 'chat.noCycle'));
  const card = buildMyOkrsCard({
    person: { id: ctx.person.id, name: ctx.person.name, locale: ctx.locale },
    cycle: view.cycle,
    objectives: view.objectives,
  });
  return { ...noEffects(), messages: [ctx.reply({ card }, `person:${ctx.person.id}:okrs`)] };
}

async function checkInCommand(
  ctx: ChatContext,
  command: Extract<Command, { type: 'checkin' } | { type: 'confidence' }>,
): Promise<Effects> {
  const view = await personView(ctx);
  if (!view.cycle) return text(ctx, t(ctx.locale, 'chat.noCycle'));
  if (!view.krs.length) return text(ctx, t(ctx.locale, 'chat.noObjectives'));
  const kr = krByNumber(view, command.kr);
  if (!kr) {
    const dropped = view.dropped.get(command.kr);
    if (dropped) return text(ctx, t(ctx.locale, 'checkin.dropped', { number: command.kr, title: dropped.title }));
    return text(ctx, t(ctx.locale, 'chat.krNotFound', { kr: `KR${command.kr}`, list: krList(view) }));
  }
  const request: CheckInRequest =
    command.type === 'confidence'
      ? { value: kr.current, keepValue: true, confidence: command.confidence, note: command.note, source: 'chat' }
      : {
          value: command.value,
          percentSign: command.percentSign,
          delta: command.delta,
          done: command.done,
          confidence: command.confidence,
          note: command.note,
          source: 'chat',
        };
  const outcome = checkIn(ctx, kr, request);
  if (outcome.ok === false) return text(ctx, outcome.message);
  if (outcome.ok === 'confirm') return askConfirmation(ctx, kr, outcome, request);
  return { ...outcome.effects, messages: [ctx.reply({ card: outcome.card }, `kr:${kr.id}`)] };
}

async function handleMessage(ctx: ChatContext, event: MessageEvent): Promise<Effects> {
  // Before any flow reads it: no command, KR line or note is this long (see MAX_COMMAND_CHARS).
  if (event.text.length > MAX_COMMAND_CHARS)
    return text(ctx, invalidReply(ctx.locale, { reason: 'too_long', hint: String(MAX_COMMAND_CHARS) }));
  const command = parseCommand(event.text, { locale: ctx.locale });
  const conversation = await activeConversation(ctx, event, command);
  if (conversation && 'handled' in conversation) return conversation.handled;
  const effects = await handleCommand(ctx, command, event);
  if (!conversation) return effects;
  // A command won over a pending prompt: the flow's note, and its end (or nothing, when set aside).
  const { interrupted, noteFirst } = conversation;
  return {
    ...effects,
    statements: [...interrupted.statements, ...effects.statements],
    messages: noteFirst
      ? [...interrupted.messages, ...effects.messages]
      : [...effects.messages, ...interrupted.messages],
  };
}

async function handleCommand(ctx: ChatContext, command: Command, event: MessageEvent): Promise<Effects> {
  const extra = extraCommands[command.type];
  if (extra) {
    const handled = await extra(ctx, command, event);
    if (handled) return handled;
  }
  switch (command.type) {
    case 'help':
      return text(ctx, helpText(ctx.locale));
    case 'my_okrs':
      return myOkrs(ctx);
    case 'checkin':
    case 'confidence':
      return checkInCommand(ctx, command);
    case 'team':
      return teamStatus(ctx);
    case 'cancel':
      return text(ctx, t(ctx.locale, 'chat.nothingToCancel'));
    case 'invalid':
      return text(ctx, invalidReply(ctx.locale, command));
    default:
      // Small talk (`谢谢`, `hi`) and anything else: one line, not the whole help.
      return text(ctx, t(ctx.locale, 'chat.unknown'));
  }
}

/** A KR the clicking person owns, from a card value; anything else is refused. */
async function ownKr(ctx: ChatContext, event: CardActionEvent) {
  const view = await personView(ctx);
  return { view, kr: view.krs.find((k) => k.id === event.value.kr) };
}

function refuse(ctx: ChatContext, event: CardActionEvent, reason: string): Effects {
  log.warn(`refused card action ${event.actionId} from ${ctx.person.id}: ${reason}`, {
    org: ctx.org.slug,
    platform: event.platform,
    value: event.value,
  });
  return toast('error', t(ctx.locale, 'toast.notAllowed'));
}

const krActions: Record<string, ActionHandler> = {
  async 'kr.open'(ctx, event) {
    const { view, kr } = await ownKr(ctx, event);
    if (!kr) return refuse(ctx, event, 'not the owner of this KR');
    const card = buildKrProgressCard({
      person: { id: ctx.person.id, name: ctx.person.name, locale: ctx.locale },
      kr,
      objectiveTitle: kr.objectiveTitle,
    });
    void view;
    return {
      ...noEffects(),
      messages: [ctx.reply({ card }, `kr:${kr.id}`)],
      result: { toast: { kind: 'info', text: `KR${kr.number}` } },
    };
  },
  async 'kr.checkin'(ctx, event) {
    const { kr } = await ownKr(ctx, event);
    if (!kr) return refuse(ctx, event, 'not the owner of this KR');
    const value = Number(event.value.value);
    if (!Number.isFinite(value)) return toast('error', t(ctx.locale, 'checkin.badValue', { kr: `KR${kr.number}` }));
    const confirmed = event.value.confirmed === '1';
    // A confirmation button carries the value; the confidence and note wait in the conversation.
    const pending = confirmed ? await pendingConfirmation(ctx, kr.id, value) : undefined;
    const outcome = checkIn(ctx, kr, {
      value,
      confirmed,
      confidence: pending?.confidence ?? null,
      note: pending?.note ?? null,
      source: 'card',
    });
    if (outcome.ok === false) return toast('error', outcome.message);
    if (outcome.ok === 'confirm') {
      const effects = await askConfirmation(ctx, kr, outcome, { value, source: 'card' });
      return { ...effects, result: { toast: { kind: 'warning', text: outcome.message } } };
    }
    return {
      ...outcome.effects,
      statements: [...(pending ? [pending.clear] : []), ...outcome.effects.statements],
      result: { toast: { kind: 'success', text: outcome.summary }, card: outcome.card },
    };
  },
  async 'kr.confidence'(ctx, event) {
    const { kr } = await ownKr(ctx, event);
    if (!kr) return refuse(ctx, event, 'not the owner of this KR');
    const confidence = Number(event.value.confidence);
    if (!Number.isInteger(confidence) || confidence < 0 || confidence > 10)
      return toast('error', t(ctx.locale, 'checkin.badConfidence'));
    const outcome = checkIn(ctx, kr, { value: kr.current, keepValue: true, confidence, source: 'card' });
    if (outcome.ok !== true) return toast('error', outcome.message);
    return { ...outcome.effects, result: { toast: { kind: 'success', text: outcome.summary }, card: outcome.card } };
  },
};

async function handleCardAction(ctx: ChatContext, event: CardActionEvent): Promise<Effects> {
  const handler = krActions[event.actionId] ?? extraActions[event.actionId];
  if (!handler) return toast('warning', t(ctx.locale, 'toast.unknownAction'));
  return handler(ctx, event);
}

export const chatHandlers: ChatHandlers = { message: handleMessage, cardAction: handleCardAction };
