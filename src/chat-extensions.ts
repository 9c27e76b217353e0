// Where flows beyond the core commands plug into the chat router: multi-step
// conversations (new objective, reject note), extra commands (adjust, delegate,
// new objective) and card actions (approvals, escalations). Each feature
// module registers here so the router stays small.
import type { MessageEvent } from '../bots/types';
import type { ActionHandler, ChatContext, CommandHandler } from './chat/context';
import type { Effects } from './chat/effects';
import type { Command } from './chat/parse';
import { approveAction, rejectAction, rejectNoteStep } from './approvals/actions';
import { conversationHandler } from './chat/conversations';
import { adjustAction, adjustCommand, adjustStep } from './chat/flows/adjust';
import { delegateCommand } from './chat/flows/delegate';
import {
  alignAction,
  cancelAction,
  confirmAction,
  newObjectiveCommand,
  newObjectiveExpired,
  newObjectiveStep,
} from './chat/flows/new-objective';
import { escalationActions } from './rules/chat-actions';

export const extraCommands: Partial<Record<Command['type'], CommandHandler>> = {
  adjust: adjustCommand,
  delegate: delegateCommand,
  new_objective: newObjectiveCommand,
};

export const extraActions: Record<string, ActionHandler> = {
  'kr.adjust': adjustAction,
  'adj.approve': approveAction,
  'adj.reject': rejectAction,
  'obj.align': alignAction,
  'obj.confirm': confirmAction,
  'obj.cancel': cancelAction,
  ...escalationActions,
};

/** Conversation continuations, tried in order before a message is parsed as a command. */
export const conversationHandlers: ((ctx: ChatContext, event: MessageEvent) => Promise<Effects | undefined>)[] = [
  conversationHandler({
    new_objective: { step: newObjectiveStep, onExpired: newObjectiveExpired },
    adjust: { step: adjustStep },
    reject_note: { step: rejectNoteStep },
  }),
];

export async function activeConversation(ctx: ChatContext, event: MessageEvent): Promise<Effects | undefined> {
  for (const handler of conversationHandlers) {
    const effects = await handler(ctx, event);
    if (effects) return effects;
  }
  return undefined;
}
