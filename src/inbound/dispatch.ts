// The inbound pipeline every adapter feeds: deduplicate → identify → handle →
// commit effects atomically with the event's deduplication claim → kick the
// outbox. Returns what the platform should show inline (toast, updated card).
import { and, eq, sql } from 'drizzle-orm';
import type { BotEvent, EventResult, PlatformAdapter } from '../../bots/types';
import { isUniqueViolation, type Statement, type Store } from '../../storage/db';
import { newId } from '../../storage/ids';
import { preparedQuery, preparedWrite } from '../../storage/prepared';
import { processDirtySoon } from '../../storage/repos/rollup-store';
import { auditLog, people, processedEvents } from '../../storage/schema';
import type { ChatContext, ChatHandlers } from '../chat/context';
import { noEffects, type Effects } from '../chat/effects';
import type { Clock } from '../../core/clock';
import type { Config } from '../config';
import { outboxStatements, type OutboundItem } from '../outbox/enqueue';
import { resolveSender } from './identity';
import { t } from '../../core/i18n';
import { log } from '../../core/log';
import { asCodedError } from '../../core/errors';

export interface DispatcherDeps {
  store: Store;
  clock: Clock;
  config: Config;
  adapters: ReadonlyMap<string, PlatformAdapter>;
  handlers: ChatHandlers;
  /** Binds an unknown sender found in the platform directory (src/directory/self-bind.ts). */
  selfBind?: (event: BotEvent) => Promise<Awaited<ReturnType<typeof resolveSender>>>;
  /** Called after effects are committed with outbound messages in them. */
  onOutbound?: () => void;
  log?: (message: string, data?: unknown) => void;
}

export interface DispatchOptions {
  /** More writes to commit with the event's effects (the inbox deletes its row this way). */
  alsoCommit?: Statement[];
}

export type Dispatch = (event: BotEvent, options?: DispatchOptions) => Promise<EventResult>;

/** The event's dedupe claim, committed with its effects: a second commit of the same event fails on the key. */
const claimEvent = preparedWrite<typeof processedEvents.$inferSelect>((db, value) =>
  db
    .insert(processedEvents)
    .values({ platform: value('platform'), eventId: value('eventId'), receivedAt: value('receivedAt') }),
);

const processedEvent = preparedQuery((db) =>
  db
    .select({ id: processedEvents.eventId })
    .from(processedEvents)
    .where(
      and(
        eq(processedEvents.platform, sql.placeholder('platform')),
        eq(processedEvents.eventId, sql.placeholder('eventId')),
      ),
    )
    .limit(1)
    .prepare(),
);

export function createDispatcher(deps: DispatcherDeps): Dispatch {
  const { store, clock } = deps;

  const alreadyProcessed = async (event: BotEvent) => {
    const rows = await processedEvent(store.db).all({ platform: event.platform, eventId: event.eventId });
    return rows.length > 0;
  };

  const duplicate = (event: BotEvent): EventResult =>
    event.type === 'card_action' ? { toast: { kind: 'info', text: t('zh-CN', 'toast.alreadyHandled') } } : {};

  async function handle(event: BotEvent): Promise<Effects> {
    const sender = (await resolveSender(store, event)) ?? (await deps.selfBind?.(event));
    if (!sender) return unknownSender(store, event, clock.now());
    const { org, person } = sender;
    const ctx: ChatContext = {
      store,
      clock,
      config: deps.config,
      org,
      person,
      locale: person.locale,
      event,
      reply: (message, subject): OutboundItem => ({
        operation: 'send',
        to: event.replyTo,
        message,
        orgId: org.id,
        subject,
      }),
    };
    const effects =
      event.type === 'message' ? await deps.handlers.message(ctx, event) : await deps.handlers.cardAction(ctx, event);
    // The platform a person last wrote from is their primary one: alerts, reminders and digests go there.
    if (event.type === 'message' && person.lastPlatform !== event.platform)
      effects.statements.push(
        store.db.update(people).set({ lastPlatform: event.platform }).where(eq(people.id, person.id)),
      );
    const adapter = deps.adapters.get(event.platform);
    // Platforms that cannot take the updated card in the callback response get it as an update call.
    if (
      event.type === 'card_action' &&
      effects.result?.card &&
      event.message &&
      adapter &&
      !adapter.inlineCardUpdates
    ) {
      effects.messages.push({
        operation: 'update',
        ref: event.message,
        message: { card: effects.result.card },
        orgId: org.id,
      });
    }
    return effects;
  }

  async function commit(event: BotEvent, effects: Effects, also: Statement[]) {
    const now = clock.now();
    const claim = claimEvent(store, {
      platform: event.platform,
      eventId: event.eventId,
      receivedAt: now.toISOString(),
    });
    await store.atomic([claim, ...effects.statements, ...outboxStatements(store, effects.messages, now), ...also]);
    // A check-in (or any OKR write) queued the objectives above it: bring their stored roll-ups up to date.
    // Coalesced: one pass for a burst of events; committed either way, and reads catch up first.
    if (effects.statements.length)
      processDirtySoon(
        store,
        () => clock.now(),
        (err) => log.warn('roll-up maintenance after events failed', { err: String(err) }),
      );
    if (effects.messages.length) deps.onOutbound?.();
  }

  return async function dispatch(event, options = {}) {
    const also = options.alsoCommit ?? [];
    if (await alreadyProcessed(event)) {
      await store.atomic(also);
      return duplicate(event);
    }
    let effects: Effects;
    try {
      effects = await handle(event);
    } catch (error) {
      // A bug must not turn into a retry storm or silence: claim the event and apologise.
      deps.log?.('handler failed', error);
      log.error('handler failed', { platform: event.platform, code: asCodedError(error).code, err: error });
      effects = {
        ...noEffects(),
        messages: [{ operation: 'send', to: event.replyTo, message: { text: t('zh-CN', 'error.generic') } }],
        result: { toast: { kind: 'error', text: t('zh-CN', 'error.generic') } },
      };
    }
    try {
      await commit(event, effects, also);
      return effects.result ?? {};
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Either a concurrent delivery of the same event won, or a claim inside the effects lost a race.
      if (await alreadyProcessed(event)) {
        await store.atomic(also);
        return duplicate(event);
      }
      const fallback = effects.onConflict ? await effects.onConflict() : noEffects();
      await commit(event, fallback, also);
      return fallback.result ?? { toast: { kind: 'warning', text: t('zh-CN', 'toast.conflict') } };
    }
  };
}

function unknownSender(store: Store, event: BotEvent, now: Date): Effects {
  // We do not know the person's locale yet: answer in both languages, and log
  // the attempt so an admin can see who tried and bind their id.
  const text = `${t('zh-CN', 'sender.unknown')}\n${t('en', 'sender.unknown')}`;
  const audit = store.db.insert(auditLog).values({
    id: newId('aud'),
    orgId: null,
    actorType: 'platform',
    actorId: `${event.platform}:${event.sender.platformUserId}`,
    action: 'unknown_sender',
    entityType: 'platform_user',
    entityId: event.sender.platformUserId,
    data: {
      platform: event.platform,
      tenantKey: event.tenantKey ?? null,
      name: event.sender.name ?? null,
      text: event.type === 'message' ? event.text.slice(0, 200) : null,
    },
    createdAt: now.toISOString(),
  });
  return {
    statements: [audit],
    messages: event.type === 'message' ? [{ operation: 'send', to: event.replyTo, message: { text } }] : [],
    result: { toast: { kind: 'warning', text } },
  };
}
