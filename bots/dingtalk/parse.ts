// DingTalk payloads → BotEvents. Shared by the HTTP webhook (index.ts) and Stream mode
// (stream.ts), so both produce identical events and deduplicate the same way.
import { parseJsonBounded } from '../common/json';
import { capText } from '../common/text-cap';
import { z } from 'zod';
import type { Address, CardActionEvent, MessageEvent } from '../types';
import { sha256Hex } from '../common/bytes';

// https://open.dingtalk.com/document/orgapp/receive-message
export const RobotMessageSchema = z.object({
  conversationId: z.string().min(1),
  conversationType: z.enum(['1', '2']),
  msgId: z.string().min(1),
  senderStaffId: z.string().min(1),
  senderNick: z.string().optional(),
  senderCorpId: z.string().optional(),
  chatbotCorpId: z.string().optional(),
  robotCode: z.string().optional(),
  isInAtList: z.boolean().optional(),
  msgtype: z.string().min(1),
  text: z.object({ content: z.string() }).optional(),
  sessionWebhook: z.string().url().optional(),
  sessionWebhookExpiredTime: z.number().int().optional(),
  createAt: z.number().optional(),
});
export type RobotMessage = z.infer<typeof RobotMessageSchema>;

/**
 * The longest robot text Polaris keeps. DingTalk's receive-message page
 * (https://open.dingtalk.com/document/orgapp/receive-message) states no maximum for an incoming
 * `text.content`; the documented bound on a robot's text is the send side's: `msgParam` "must
 * not exceed 15,000 bytes" (https://open.dingtalk.com/document/orgapp/the-robot-sends-a-group-message).
 * Every character is at least one UTF-8 byte, so 15,000 characters keeps any text that fits that
 * bound and cuts only what DingTalk itself would not carry for a robot.
 */
export const DINGTALK_MAX_TEXT_CHARS = 15_000;

/** The card callback's data (HTTP events after decryption, or a Stream frame's `data`). */
export const CardCallbackSchema = z.object({
  type: z.literal('actionCallback'),
  outTrackId: z.string().min(1),
  userId: z.string().min(1),
  corpId: z.string().optional(),
  content: z.string(),
});
export type CardCallback = z.infer<typeof CardCallbackSchema>;

const CardContentSchema = z.object({
  cardPrivateData: z.object({
    actionIds: z.array(z.string()).default([]),
    params: z.record(z.string(), z.unknown()).default({}),
  }),
});

export type ParseResult<T> = { ok: true; event: T } | { ok: false; error: string };

/** "field.path: message" for the first zod issue, so a 400 names the field. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.join('.') || '(body)';
  return `${path}: ${issue?.message ?? 'invalid'}`;
}

/** DingTalk's own host for sessionWebhook replies. */
export const SESSION_WEBHOOK_BASE = 'https://oapi.dingtalk.com/robot/sendBySession';
const DEFAULT_API_BASE = 'https://api.dingtalk.com';

/**
 * Whether a sessionWebhook is DingTalk's: `https://oapi.dingtalk.com/robot/sendBySession?…`, or,
 * when DINGTALK_API_BASE points elsewhere (an emulator in tests and the playground), that base's
 * `/robot/sendBySession?…`. Anything else (another host, `javascript:`, user info, a port)
 * would make the server POST replies wherever the request said.
 * https://open.dingtalk.com/document/orgapp/robot-reply-and-send-messages
 */
export function isDingtalkSessionWebhook(url: string, apiBase: string = DEFAULT_API_BASE): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password || parsed.hash) return false;
  const base = `${parsed.origin}${parsed.pathname}`;
  if (parsed.protocol === 'https:' && base === SESSION_WEBHOOK_BASE) return true;
  const api = apiBase.replace(/\/$/, '');
  return api !== DEFAULT_API_BASE && base === `${api}/robot/sendBySession`;
}

export interface RobotCheck {
  /** DINGTALK_ROBOT_CODE: a message for another robot is refused. */
  robotCode: string;
  /** DINGTALK_CORP_ID when set: a message from another organisation's robot is refused. */
  corpId?: string;
  /** DINGTALK_API_BASE, for the sessionWebhook check. */
  apiBase?: string;
}

export function parseRobotMessage(body: unknown, check?: RobotCheck): ParseResult<MessageEvent> {
  const parsed = RobotMessageSchema.safeParse(body);
  if (!parsed.success) return { ok: false, error: describeIssue(parsed.error) };
  const m = parsed.data;
  if (check) {
    if (m.robotCode !== check.robotCode) return { ok: false, error: 'robotCode: not this robot' };
    if (check.corpId && m.chatbotCorpId !== check.corpId)
      return { ok: false, error: 'chatbotCorpId: not this organisation' };
    if (m.sessionWebhook && !isDingtalkSessionWebhook(m.sessionWebhook, check.apiBase))
      return { ok: false, error: 'sessionWebhook: not a DingTalk sessionWebhook URL' };
  }
  const group = m.conversationType === '2';
  const hint: Record<string, string | number> = {};
  if (m.sessionWebhook) hint.sessionWebhook = m.sessionWebhook;
  if (m.sessionWebhookExpiredTime !== undefined) hint.sessionWebhookExpiredTime = m.sessionWebhookExpiredTime;
  // Group conversationIds are the openConversationId the group-send API expects.
  const replyTo: Address = group
    ? { platform: 'dingtalk', kind: 'group', id: m.conversationId, hint }
    : { platform: 'dingtalk', kind: 'user', id: m.senderStaffId, hint };
  return {
    ok: true,
    event: {
      type: 'message',
      platform: 'dingtalk',
      eventId: m.msgId,
      tenantKey: m.senderCorpId ?? m.chatbotCorpId,
      sender: { platformUserId: m.senderStaffId, name: m.senderNick },
      conversation: { id: m.conversationId, type: group ? 'group' : 'direct' },
      replyTo,
      // DingTalk strips the @robot mention from group text but leaves the space after it.
      text: m.msgtype === 'text' ? capText((m.text?.content ?? '').trim(), DINGTALK_MAX_TEXT_CHARS) : '',
      // Groups only deliver messages that @-mention the robot.
      mentionedBot: m.isInAtList ?? group,
      raw: body,
    },
  };
}

/** The template's buttons all post the same DingTalk actionId; ours travels in params.action. */
export const TEMPLATE_ACTION_PARAM = 'action';

function stringValues(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

/**
 * A card click → CardActionEvent. DingTalk card callbacks carry no delivery id, so the
 * eventId is a hash of (card, user, action, params): a re-push or a double click on an
 * unchanged card is processed once. Buttons that must repeat should carry a distinct value.
 */
export async function parseCardCallback(data: unknown): Promise<ParseResult<CardActionEvent>> {
  const parsed = CardCallbackSchema.safeParse(data);
  if (!parsed.success) return { ok: false, error: describeIssue(parsed.error) };
  const cb = parsed.data;
  let content: z.infer<typeof CardContentSchema>;
  try {
    const c = CardContentSchema.safeParse(parseJsonBounded(cb.content));
    if (!c.success) return { ok: false, error: `content.${describeIssue(c.error)}` };
    content = c.data;
  } catch {
    return { ok: false, error: 'content: not JSON' };
  }
  const params = stringValues(content.cardPrivateData.params);
  // Generic template (docs/dingtalk-card-template.md): params = { action, value: "<JSON>" }.
  let actionId = content.cardPrivateData.actionIds[0] ?? '';
  let value = params;
  if (params[TEMPLATE_ACTION_PARAM]) {
    actionId = params[TEMPLATE_ACTION_PARAM];
    value = { ...params };
    delete value[TEMPLATE_ACTION_PARAM];
    if (typeof value.value === 'string') {
      try {
        const inner: unknown = parseJsonBounded(value.value);
        if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
          delete value.value;
          value = { ...value, ...stringValues(inner as Record<string, unknown>) };
        }
      } catch {
        /* a plain string value stays as it is */
      }
    }
  }
  if (!actionId) return { ok: false, error: 'content.cardPrivateData.actionIds: no action' };
  const sortedValue = Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
  const digest = await sha256Hex(JSON.stringify([cb.outTrackId, cb.userId, actionId, sortedValue]));
  return {
    ok: true,
    event: {
      type: 'card_action',
      platform: 'dingtalk',
      eventId: `card:${digest.slice(0, 40)}`,
      tenantKey: cb.corpId,
      sender: { platformUserId: cb.userId },
      // The callback does not say where the card lives; the person who clicked is the reply target.
      conversation: { id: cb.userId, type: 'direct' },
      replyTo: { platform: 'dingtalk', kind: 'user', id: cb.userId },
      actionId,
      value,
      message: { platform: 'dingtalk', messageId: cb.outTrackId },
      raw: data,
    },
  };
}
