// Where flows beyond the core commands plug into the chat router: multi-step
// conversations (new objective, reject note), extra commands (adjust, delegate,
// new objective) and card actions (approvals, escalations). Each feature
// module registers here so the router stays small.
import type { MessageEvent } from '../../bots/types';
import type { ActionHandler, ChatContext, CommandHandler } from './context';
import type { Effects } from './effects';
import type { Command } from './parse';

export const extraCommands: Partial<Record<Command['type'], CommandHandler>> = {};

export const extraActions: Record<string, ActionHandler> = {};

/** Conversation continuations, tried in order before a message is parsed as a command. */
export const conversationHandlers: ((ctx: ChatContext, event: MessageEvent) => Promise<Effects | undefined>)[] = [];

export async function activeConversation(ctx: ChatContext, event: MessageEvent): Promise<Effects | undefined> {
  for (const handler of conversationHandlers) {
    const effects = await handler(ctx, event);
    if (effects) return effects;
  }
  return undefined;
}
