// Everything a chat flow needs to handle one event from a known person.
import type { BotEvent, CardActionEvent, MessageEvent, OutboundMessage } from '../../bots/types';
import type { Store } from '../../storage/db';
import type { Locale, organizations, people } from '../../storage/schema';
import type { Clock } from '../../core/clock';
import type { Config } from '../config';
import type { OutboundItem } from '../outbox/enqueue';
import type { Effects } from './effects';

export type OrgRow = typeof organizations.$inferSelect;
export type PersonRow = typeof people.$inferSelect;

export interface ChatContext {
  store: Store;
  clock: Clock;
  config: Config;
  org: OrgRow;
  person: PersonRow;
  locale: Locale;
  event: BotEvent;
  /** An outbound item answering in the conversation the event came from. */
  reply(message: OutboundMessage, subject?: string): OutboundItem;
}

export interface ChatHandlers {
  message(ctx: ChatContext, event: MessageEvent): Promise<Effects>;
  cardAction(ctx: ChatContext, event: CardActionEvent): Promise<Effects>;
}

/** Handles one card action id (e.g. `kr.checkin`). */
export type ActionHandler = (ctx: ChatContext, event: CardActionEvent) => Promise<Effects>;
/** Handles a parsed chat command; undefined lets the default handling run. */
export type CommandHandler = (
  ctx: ChatContext,
  command: import('./parse').Command,
  event: MessageEvent,
) => Promise<Effects | undefined>;
