// Where flows beyond the core commands plug into the chat router: multi-step
// conversations (new objective, reject note, check-in confirmation), extra
// commands (adjust, delegate, new objective, withdraw, approvals, show, nudge)
// and card actions (approvals, escalations). Each feature module registers
// here so the router stays small.
import type { MessageEvent } from '../bots/types';
import type { ActionHandler, ChatContext, CommandHandler } from './chat/context';
import type { Command } from './chat/parse';
import { approveAction, rejectAction, rejectNoteExpired, rejectNoteStep } from './approvals/actions';
import { t } from '../core/i18n';
import { conversationHandler, type ConversationOutcome } from './chat/conversations';
import { adjustAction, adjustCommand, adjustExpired, adjustStep } from './chat/flows/adjust';
import { confirmCancelAction, confirmCheckInExpired, confirmCheckInStep } from './chat/flows/checkin-confirm';
import { delegateCommand, delegationStatusCommand, endDelegationCommand } from './chat/flows/delegate';
import {
  alignAction,
  cancelAction,
  confirmAction,
  newObjectiveCommand,
  newObjectiveExpired,
  newObjectiveStep,
} from './chat/flows/new-objective';
import { nudgeCommand, showCommand } from './chat/flows/people';
import { approvalsCommand, withdrawCommand } from './chat/flows/requests';
import { escalationActions } from './rules/chat-actions';
import { reviewActions, reviewCommands } from './review/chat';

export const extraCommands: Partial<Record<Command['type'], CommandHandler>> = {
  adjust: adjustCommand,
  delegate: delegateCommand,
  end_delegation: endDelegationCommand,
  delegation_status: delegationStatusCommand,
  new_objective: newObjectiveCommand,
  withdraw: withdrawCommand,
  approvals: approvalsCommand,
  show: showCommand,
  nudge: nudgeCommand,
  ...reviewCommands,
};

export const extraActions: Record<string, ActionHandler> = {
  'kr.adjust': adjustAction,
  'kr.confirmCancel': confirmCancelAction,
  'adj.approve': approveAction,
  'adj.reject': rejectAction,
  'obj.align': alignAction,
  'obj.confirm': confirmAction,
  'obj.cancel': cancelAction,
  ...escalationActions,
  ...reviewActions,
};

const claimsCancel = (c: Command) => c.type === 'cancel';

/** Conversation continuations, tried in order before a message is handled as a command. */
export const conversationHandlers: ((
  ctx: ChatContext,
  event: MessageEvent,
  command: Command,
) => Promise<ConversationOutcome>)[] = [
  conversationHandler({
    new_objective: {
      step: newObjectiveStep,
      onExpired: newObjectiveExpired,
      claims: (c) => c.type === 'cancel' || c.type === 'new_objective',
      interrupt: 'setAside',
      note: (ctx) => t(ctx.locale, 'newObjective.setAside'),
    },
    adjust: {
      step: adjustStep,
      onExpired: adjustExpired,
      claims: (c) => c.type === 'cancel' || c.type === 'adjust',
      interrupt: 'leave',
      note: (ctx) => t(ctx.locale, 'adjust.left'),
    },
    reject_note: {
      step: rejectNoteStep,
      onExpired: rejectNoteExpired,
      claims: claimsCancel,
      interrupt: 'leave',
      note: (ctx) => t(ctx.locale, 'approval.rejectLeft'),
    },
    checkin_confirm: {
      step: confirmCheckInStep,
      onExpired: confirmCheckInExpired,
      claims: claimsCancel,
      interrupt: 'leave',
      note: (ctx) => t(ctx.locale, 'checkin.confirm.left'),
    },
  }),
];

export async function activeConversation(
  ctx: ChatContext,
  event: MessageEvent,
  command: Command,
): Promise<ConversationOutcome> {
  for (const handler of conversationHandlers) {
    const outcome = await handler(ctx, event, command);
    if (outcome) return outcome;
  }
  return undefined;
}
