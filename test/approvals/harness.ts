// Dispatch-level harness for the approval flows: a real SQLite file, the seeded
// small org, and Polaris wired to a recording Lark-like adapter, driven with
// hand-made BotEvents. Several instances can share one database file.
import { and, eq } from 'drizzle-orm';
import type { Address, BotEvent, OutboundMessage, PlatformAdapter, SentRef } from '../../bots/types';
import { createPolaris } from '../../src/app';
import { fixedClock } from '../../core/clock';
import { loadConfig } from '../../src/config';
import { openSqlite, type SqliteStore } from '../../storage/sqlite';
import { adjustments, auditLog } from '../../storage/schema';
import { tempDbPath } from '../helpers/app';
import { seedSmallOrg } from '../helpers/fixtures';

export interface Recorded {
  op: 'send' | 'update';
  to?: Address;
  ref?: SentRef;
  message: OutboundMessage;
  messageId: string;
}

export function recordingAdapter(platform: 'lark' | 'wecom' | 'dingtalk' = 'lark', inline = true) {
  const log: Recorded[] = [];
  let n = 0;
  const adapter: PlatformAdapter = {
    platform,
    webhookPaths: [],
    inlineCardUpdates: inline,
    limits: { perSecond: 10_000 },
    async handleWebhook() {
      return new Response('not used', { status: 404 });
    },
    async send(to, message) {
      const messageId = `${platform}_msg_${++n}`;
      log.push({ op: 'send', to, message, messageId });
      return { platform, messageId };
    },
    async update(ref, message) {
      log.push({ op: 'update', ref, message, messageId: ref.messageId });
    },
  };
  return { adapter, log };
}

let seq = 0;
export const message = (user: string, text: string, eventId = `ev_${++seq}`): BotEvent => ({
  type: 'message',
  platform: 'lark',
  eventId,
  sender: { platformUserId: user },
  conversation: { id: `p2p_${user}`, type: 'direct' },
  replyTo: { platform: 'lark', kind: 'user', id: user },
  raw: null,
  text,
  mentionedBot: false,
});
export const click = (
  user: string,
  actionId: string,
  value: Record<string, string>,
  messageId?: string,
  eventId = `ev_${++seq}`,
): BotEvent => ({
  type: 'card_action',
  platform: 'lark',
  eventId,
  sender: { platformUserId: user },
  conversation: { id: `p2p_${user}`, type: 'direct' },
  replyTo: { platform: 'lark', kind: 'user', id: user },
  raw: null,
  actionId,
  value,
  message: messageId ? { platform: 'lark', messageId } : undefined,
});

export async function startHarness(options: { now?: string; inlineCardUpdates?: boolean } = {}) {
  const db = tempDbPath();
  const store = openSqlite(db.path);
  const clock = fixedClock(options.now ?? '2026-11-27T02:00:00Z');
  const config = loadConfig({});
  await seedSmallOrg(store);
  const stores: SqliteStore[] = [store];

  function instance(useStore: SqliteStore = store) {
    const recorder = recordingAdapter('lark', options.inlineCardUpdates ?? true);
    const pending: Promise<unknown>[] = [];
    const { services } = createPolaris({
      store: useStore,
      config,
      clock,
      adapters: [recorder.adapter],
      defer: (p) => {
        pending.push(p);
      },
    });
    return {
      services,
      log: recorder.log,
      async dispatch(event: BotEvent) {
        const result = await services.dispatch(event);
        while (pending.length) await pending.shift();
        await services.outbox.drain();
        return result;
      },
    };
  }
  const main = instance();
  return {
    store,
    clock,
    config,
    ...main,
    instance,
    /** A second connection to the same file, as a second server process would have. */
    secondInstance() {
      const s = openSqlite(db.path);
      stores.push(s);
      return instance(s);
    },
    sent: (to: string) => main.log.filter((r) => r.op === 'send' && r.to?.id === to),
    lastText: (to: string) =>
      main.log.filter((r) => r.op === 'send' && r.to?.id === to && r.message.text).at(-1)?.message.text ?? '',
    async adjustment(id?: string) {
      const rows = await store.db
        .select()
        .from(adjustments)
        .where(id ? eq(adjustments.id, id) : undefined);
      return rows.at(-1)!;
    },
    async audits(action: string, entityId?: string) {
      return store.db
        .select()
        .from(auditLog)
        .where(
          entityId ? and(eq(auditLog.action, action), eq(auditLog.entityId, entityId)) : eq(auditLog.action, action),
        );
    },
    close() {
      for (const s of stores) s.close();
      db.cleanup();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** The approval card sent to `to` (newest), with its button values. */
export function approvalCard(h: Harness, to: string) {
  const sent = h
    .sent(to)
    .filter((r) =>
      r.message.card?.blocks.some((b) => b.type === 'actions' && b.buttons.some((x) => x.actionId === 'adj.approve')),
    )
    .at(-1);
  if (!sent) throw new Error(`no approval card for ${to}`);
  const adj = JSON.stringify(sent.message.card).match(/"adj":"([^"]+)"/)![1];
  return { messageId: sent.messageId, card: sent.message.card!, adj };
}
