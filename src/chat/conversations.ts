// Persisted multi-step chat state (new objective, adjustment details, reject
// note) on the `conversations` table: a two-method store in the spirit of
// bolt-js's ConversationStore. State lives in the database, not in memory, so
// a conversation survives a restart and works on Workers where every request
// may land on a different isolate. A conversation ends on its own after a quiet
// period (`expiresAt`); reads ignore expired rows and writes overwrite them.
import { eq, sql } from 'drizzle-orm';
import type { Statement, Store } from '../../storage/db';
import { preparedQuery } from '../../storage/prepared';
import { conversations } from '../../storage/schema';
import type { MessageEvent } from '../../bots/types';
import type { ChatContext } from './context';
import type { Effects } from './effects';
import type { Command } from './parse';

/** How long a conversation waits for the next message before it is forgotten. */
export const CONVERSATION_TTL_MS = 30 * 60 * 1000;

export interface Conversation<T extends Record<string, unknown> = Record<string, unknown>> {
  key: string;
  orgId: string;
  personId: string;
  flow: string;
  step: string;
  data: T;
  expiresAt: string;
}

/**
 * One conversation per person, whatever the platform or chat: people talk to
 * the bot one-to-one, and a person who starts on one platform may well answer
 * from another.
 */
export function conversationKey(orgId: string, personId: string): string {
  return `${orgId}:${personId}`;
}

/** Every chat message looks its sender's conversation up: prepared once (storage/prepared.ts). */
const conversationByKey = preparedQuery((db) =>
  db
    .select()
    .from(conversations)
    .where(eq(conversations.key, sql.placeholder('key')))
    .limit(1)
    .prepare(),
);

export interface ConversationStore {
  /** The live conversation under `key`, or undefined when there is none or it has expired. */
  get(key: string): Promise<Conversation | undefined>;
  /** Like `get`, but also returns a conversation that has just gone quiet (to say so). */
  lookup(key: string): Promise<{ live?: Conversation; expired?: Conversation }>;
  /** A statement that starts or advances a conversation; commit it with the event's other effects. */
  set(value: Omit<Conversation, 'key' | 'expiresAt'> & { key?: string; ttlMs?: number }): Statement;
  /** A statement that ends the conversation under `key`. */
  clear(key: string): Statement;
}

export function conversationStore(store: Store, now: () => Date): ConversationStore {
  return {
    async get(key) {
      return (await this.lookup(key)).live;
    },
    async lookup(key) {
      const [row] = await conversationByKey(store.db).all({ key });
      if (!row) return {};
      const value: Conversation = {
        key: row.key,
        orgId: row.orgId,
        personId: row.personId,
        flow: row.flow,
        step: row.step,
        data: row.data,
        expiresAt: row.expiresAt,
      };
      return row.expiresAt <= now().toISOString() ? { expired: value } : { live: value };
    },
    set(value) {
      const at = now();
      const key = value.key ?? conversationKey(value.orgId, value.personId);
      const expiresAt = new Date(at.getTime() + (value.ttlMs ?? CONVERSATION_TTL_MS)).toISOString();
      const row = {
        key,
        orgId: value.orgId,
        personId: value.personId,
        flow: value.flow,
        step: value.step,
        data: value.data,
        expiresAt,
        updatedAt: at.toISOString(),
      };
      return store.db
        .insert(conversations)
        .values(row)
        .onConflictDoUpdate({
          target: conversations.key,
          set: {
            orgId: row.orgId,
            personId: row.personId,
            flow: row.flow,
            step: row.step,
            data: row.data,
            expiresAt,
            updatedAt: row.updatedAt,
          },
        });
    },
    clear(key) {
      return store.db.delete(conversations).where(eq(conversations.key, key));
    },
  };
}

/** Continues one kind of conversation with the person's next message. */
export type FlowStep = (
  ctx: ChatContext,
  event: MessageEvent,
  conversation: Conversation,
  conversations: ConversationStore,
) => Promise<Effects | undefined>;

export interface FlowDefinition {
  step: FlowStep;
  /** A reply after the conversation went quiet (only called for text that is not a command of its own). */
  onExpired?: FlowStep;
  /** Commands the flow reads itself (e.g. `取消`); any other recognised command wins over the flow. */
  claims?: (command: Command) => boolean;
  /**
   * What a command that wins does to the flow: `leave` ends it, `setAside` keeps it for later
   * (a draft worth keeping). Either way the person gets `note`, one clear line.
   */
  interrupt: 'leave' | 'setAside';
  note: (ctx: ChatContext, conversation: Conversation) => string;
}

/** What the person's live (or just expired) conversation makes of a message. */
export type ConversationOutcome =
  /** The flow handled the message. */
  | { handled: Effects }
  /** A command wins over the flow: handle it, and add these effects (the note, the flow's end). */
  | { interrupted: Effects; noteFirst: boolean }
  | undefined;

/** Recognised commands (not free text, not a command with bad arguments) always win over a pending prompt. */
export function isCommand(command: Command): boolean {
  return command.type !== 'unknown' && command.type !== 'invalid';
}

/**
 * One conversation handler for the router (see ./extensions.ts): finds the
 * person's live conversation and hands the message to its flow, unless the
 * message is a command of its own (issue 18: "commands always win"). An
 * expired conversation lets `onExpired` say it timed out instead of misreading
 * the reply; the clock is the injected one, so tests move it.
 */
export function conversationHandler(flows: Record<string, FlowDefinition>) {
  return async (ctx: ChatContext, event: MessageEvent, command: Command): Promise<ConversationOutcome> => {
    const conversations = conversationStore(ctx.store, () => ctx.clock.now());
    const { live, expired } = await conversations.lookup(conversationKey(ctx.org.id, ctx.person.id));
    if (live) {
      const flow = flows[live.flow];
      if (!flow) return undefined;
      if (isCommand(command) && !flow.claims?.(command)) {
        const note = ctx.reply({ text: flow.note(ctx, live) });
        return flow.interrupt === 'leave'
          ? { interrupted: { statements: [conversations.clear(live.key)], messages: [note] }, noteFirst: true }
          : { interrupted: { statements: [], messages: [note] }, noteFirst: false };
      }
      const effects = await flow.step(ctx, event, live, conversations);
      return effects ? { handled: effects } : undefined;
    }
    if (expired && !isCommand(command)) {
      const effects = await flows[expired.flow]?.onExpired?.(ctx, event, expired, conversations);
      return effects ? { handled: effects } : undefined;
    }
    return undefined;
  };
}
