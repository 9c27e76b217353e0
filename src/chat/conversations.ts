// Persisted multi-step chat state (new objective, adjustment details, reject
// note) on the `conversations` table: a two-method store in the spirit of
// bolt-js's ConversationStore. State lives in the database, not in memory, so
// a conversation survives a restart and works on Workers where every request
// may land on a different isolate. A conversation ends on its own after a quiet
// period (`expiresAt`); reads ignore expired rows and writes overwrite them.
import { eq } from 'drizzle-orm';
import type { Statement, Store } from '../../storage/db';
import { conversations } from '../../storage/schema';
import type { MessageEvent } from '../../bots/types';
import type { ChatContext } from './context';
import type { Effects } from './effects';

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
      const [row] = await store.db.select().from(conversations).where(eq(conversations.key, key)).limit(1);
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

/**
 * One conversation handler for the router (see ./extensions.ts): finds the
 * person's live conversation and hands the message to its flow. `onExpired`
 * lets a flow say that a conversation timed out instead of misreading the reply.
 */
export function conversationHandler(flows: Record<string, { step: FlowStep; onExpired?: FlowStep }>) {
  return async (ctx: ChatContext, event: MessageEvent): Promise<Effects | undefined> => {
    const conversations = conversationStore(ctx.store, () => ctx.clock.now());
    const { live, expired } = await conversations.lookup(conversationKey(ctx.org.id, ctx.person.id));
    if (live) return flows[live.flow]?.step(ctx, event, live, conversations);
    if (expired) return flows[expired.flow]?.onExpired?.(ctx, event, expired, conversations);
    return undefined;
  };
}
