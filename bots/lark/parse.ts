// Lark callback payloads (already decrypted) -> normalized BotEvents.
// https://open.feishu.cn/document/server-docs/im-v1/message/events/receive
// https://open.feishu.cn/document/feishu-cards/card-callback-communication
import { parseJsonBounded } from '../common/json';
import { capText } from '../common/text-cap';
import { z } from 'zod';
import type { CardActionEvent, MessageEvent } from '../types';
import type { DirectoryChange } from '../../core/directory';

const UrlVerificationSchema = z.object({
  type: z.literal('url_verification'),
  challenge: z.string(),
  token: z.string().optional(),
});

const HeaderSchema = z.object({
  event_id: z.string().min(1),
  event_type: z.string().min(1),
  create_time: z.string().optional(),
  token: z.string().optional(),
  app_id: z.string().optional(),
  tenant_key: z.string().optional(),
});

const EnvelopeSchema = z.object({
  schema: z.literal('2.0'),
  header: HeaderSchema,
  event: z.record(z.string(), z.unknown()),
});

export type LarkEnvelope = z.infer<typeof EnvelopeSchema>;

export type LarkInbound =
  | { kind: 'url_verification'; challenge: string; token?: string }
  | { kind: 'event'; envelope: LarkEnvelope }
  | { kind: 'invalid'; reason: string };

/** Classifies a decrypted callback body. Schema 1.0 events are not subscribed to, so they are invalid here. */
export function parseLarkInbound(body: unknown): LarkInbound {
  const verification = UrlVerificationSchema.safeParse(body);
  if (verification.success)
    return { kind: 'url_verification', challenge: verification.data.challenge, token: verification.data.token };
  const envelope = EnvelopeSchema.safeParse(body);
  if (envelope.success) return { kind: 'event', envelope: envelope.data };
  return { kind: 'invalid', reason: 'neither url_verification nor a schema 2.0 event' };
}

const UserIdSchema = z.object({
  open_id: z.string().min(1),
  user_id: z.string().optional(),
  union_id: z.string().optional(),
});

const MessageReceiveSchema = z.object({
  sender: z.object({ sender_id: UserIdSchema, sender_type: z.string(), tenant_key: z.string().optional() }),
  message: z.object({
    message_id: z.string(),
    chat_id: z.string(),
    chat_type: z.string(),
    message_type: z.string(),
    content: z.string(),
    mentions: z
      .array(
        z.object({ key: z.string(), name: z.string().optional(), id: z.record(z.string(), z.unknown()).optional() }),
      )
      .optional(),
  }),
});

export type ParseOutcome<T> = { ok: true; event: T } | { ok: false; ignored: string };

/** Plain text of a `text` or `post` message; other kinds (images, files, stickers) have none. */
export function messageText(messageType: string, content: string): string {
  let parsed: unknown;
  try {
    parsed = parseJsonBounded(content);
  } catch {
    return '';
  }
  if (!parsed || typeof parsed !== 'object') return '';
  const record = parsed as Record<string, unknown>;
  if (messageType === 'text') return typeof record.text === 'string' ? record.text : '';
  if (messageType === 'post' && Array.isArray(record.content)) {
    // Rich text: paragraphs of inline elements; keep the text ones.
    return (record.content as unknown[])
      .map((line) =>
        (Array.isArray(line) ? line : [])
          .map((el) =>
            el && typeof el === 'object' && typeof (el as { text?: unknown }).text === 'string'
              ? (el as { text: string }).text
              : '',
          )
          .join(''),
      )
      .join('\n');
  }
  return '';
}

/**
 * A Lark text message is at most 150 KB ("文本消息请求体最大不能超过150KB"):
 * https://open.feishu.cn/document/server-docs/im-v1/message/create
 */
export const LARK_MAX_TEXT_CHARS = 150 * 1024;

/** Removes every `@_user_N` mention key Lark puts in the text, then tidies whitespace. */
export function stripMentionKeys(text: string, keys: string[]): string {
  let out = text;
  for (const key of keys) out = out.split(key).join(' ');
  return out
    .replace(/@_user_\d+/g, ' ')
    .replace(/[ \t\u3000]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .trim();
}

/**
 * `im.message.receive_v1` -> MessageEvent.
 * - Only people (`sender_type: user`) are answered; other apps and bots are ignored.
 * - Group messages are dispatched only when someone is @-mentioned: without the
 *   "read all group messages" scope Lark only delivers messages that @ the bot, and
 *   the bot's own open_id is not in the config, so any mention counts as the bot's.
 * - Non-text messages are dispatched with empty text so the core answers with help.
 */
export function parseMessageEvent(envelope: LarkEnvelope): ParseOutcome<MessageEvent> {
  const parsed = MessageReceiveSchema.safeParse(envelope.event);
  if (!parsed.success) return { ok: false, ignored: 'malformed im.message.receive_v1 event' };
  const { sender, message } = parsed.data;
  if (sender.sender_type !== 'user') return { ok: false, ignored: `sender_type ${sender.sender_type}` };
  const mentions = message.mentions ?? [];
  const isGroup = message.chat_type !== 'p2p';
  const mentionedBot = mentions.length > 0;
  if (isGroup && !mentionedBot) return { ok: false, ignored: 'group message without a mention' };
  const openId = sender.sender_id.open_id;
  return {
    ok: true,
    event: {
      type: 'message',
      platform: 'lark',
      eventId: envelope.header.event_id,
      tenantKey: envelope.header.tenant_key ?? sender.tenant_key,
      sender: { platformUserId: openId },
      conversation: { id: message.chat_id, type: isGroup ? 'group' : 'direct' },
      replyTo: isGroup
        ? { platform: 'lark', kind: 'group', id: message.chat_id }
        : { platform: 'lark', kind: 'user', id: openId },
      text: capText(
        stripMentionKeys(
          messageText(message.message_type, message.content),
          mentions.map((m) => m.key),
        ),
        LARK_MAX_TEXT_CHARS,
      ),
      mentionedBot,
      raw: envelope,
    },
  };
}

const CardActionSchema = z.object({
  operator: z.object({
    open_id: z.string().min(1),
    user_id: z.string().optional(),
    union_id: z.string().optional(),
    tenant_key: z.string().optional(),
  }),
  token: z.string().optional(),
  action: z.object({
    value: z.unknown().optional(),
    tag: z.string().optional(),
    name: z.string().optional(),
    form_value: z.record(z.string(), z.unknown()).optional(),
    input_value: z.string().optional(),
    option: z.string().optional(),
    options: z.array(z.string()).optional(),
    checked: z.boolean().optional(),
  }),
  context: z.object({ open_message_id: z.string().optional(), open_chat_id: z.string().optional() }).optional(),
});

function asString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(asString).join(',');
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * Reverses render.ts's `encodeCallbackValue`: `{action_id, params}`. Form input is
 * merged in (`form_value` fields, `input` for an input box, `option` for a select),
 * but a button's own params win, so user input cannot overwrite ids the server chose.
 */
export function decodeCallbackValue(
  action: z.infer<typeof CardActionSchema>['action'],
): { actionId: string; value: Record<string, string> } | null {
  const raw = action.value;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const { action_id: actionId, params } = raw as { action_id?: unknown; params?: unknown };
  if (typeof actionId !== 'string' || actionId === '') return null;
  const value: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.form_value ?? {})) value[k] = asString(v);
  if (action.input_value !== undefined) value.input = action.input_value;
  if (action.option !== undefined) value.option = action.option;
  if (action.options !== undefined) value.option = action.options.join(',');
  if (params && typeof params === 'object' && !Array.isArray(params)) {
    for (const [k, v] of Object.entries(params)) value[k] = asString(v);
  }
  return { actionId, value };
}

/**
 * `card.action.trigger` -> CardActionEvent. The callback does not say whether the
 * card sits in a one-to-one or a group chat, so replies go to the operator directly.
 * `message.extra.updateToken` is Lark's delayed-update token (30 min, 2 uses).
 */
export function parseCardActionEvent(envelope: LarkEnvelope): ParseOutcome<CardActionEvent> {
  const parsed = CardActionSchema.safeParse(envelope.event);
  if (!parsed.success) return { ok: false, ignored: 'malformed card.action.trigger event' };
  const { operator, action, context, token } = parsed.data;
  const decoded = decodeCallbackValue(action);
  if (!decoded) return { ok: false, ignored: 'card action without a Polaris action_id' };
  const messageId = context?.open_message_id;
  const extra: Record<string, string> = {};
  if (context?.open_chat_id) extra.chatId = context.open_chat_id;
  if (token) extra.updateToken = token;
  return {
    ok: true,
    event: {
      type: 'card_action',
      platform: 'lark',
      eventId: envelope.header.event_id,
      tenantKey: envelope.header.tenant_key ?? operator.tenant_key,
      sender: { platformUserId: operator.open_id },
      conversation: { id: context?.open_chat_id ?? operator.open_id, type: 'direct' },
      replyTo: { platform: 'lark', kind: 'user', id: operator.open_id },
      actionId: decoded.actionId,
      value: decoded.value,
      message: messageId ? { platform: 'lark', messageId, extra } : undefined,
      raw: envelope,
    },
  };
}

/**
 * A contact change event: which user (open_id) or department (open_department_id) changed.
 * https://open.feishu.cn/document/server-docs/contact-v3/user/events/created
 * https://open.feishu.cn/document/server-docs/contact-v3/department/events/created
 */
export function parseContactChange(envelope: LarkEnvelope): DirectoryChange | undefined {
  const type = envelope.header.event_type;
  const match = /^contact\.(user|department)\.(created|updated|deleted)_v3$/.exec(type);
  if (!match) return undefined;
  const object = ((envelope.event ?? {}) as { object?: Record<string, unknown> }).object ?? {};
  const id = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 128 ? [v] : []);
  const kind = `${match[1] as 'user' | 'department'}_${match[2] as 'created' | 'updated' | 'deleted'}` as const;
  return {
    platform: 'lark',
    tenantKey: envelope.header.tenant_key,
    kind,
    userIds: match[1] === 'user' ? id(object.open_id) : [],
    departmentIds: match[1] === 'department' ? id(object.open_department_id) : [],
  };
}
