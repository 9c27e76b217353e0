// WeCom callback XML -> normalized BotEvents.
// https://developer.work.weixin.qq.com/document/path/90239 (接收消息格式)
// https://developer.work.weixin.qq.com/document/path/90240 (模板卡片事件 template_card_event)
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { CardActionEvent, MessageEvent } from '../types';
import { decodeButtonKey } from './render';
import { ErrorCode, PolarisError } from '../../core/errors';

/** Callbacks are a few hundred bytes; anything near this is not from WeCom. */
export const MAX_BODY_BYTES = 64 * 1024;

export class WecomXmlError extends PolarisError {
  override readonly name = 'WecomXmlError';
  constructor(message: string) {
    super(ErrorCode.BadRequest, message);
  }
}

// Values stay strings (`parseTagValue: false`: MsgId and CreateTime exceed safe
// integers in places), attributes are ignored, and only XML's five predefined
// entities are decoded: DOCTYPE (and so any custom entity) is refused before parsing.
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Parses one small XML document, refusing DTDs, entities and malformed input. */
export function parseXmlSafely(xml: string): Record<string, unknown> {
  if (xml.length > MAX_BODY_BYTES) throw new WecomXmlError('XML too large');
  // `<!` may only open CDATA: no DOCTYPE, ENTITY or comments-with-surprises.
  if (/<!(?!\[CDATA\[)/.test(xml))
    throw new WecomXmlError('DOCTYPE, entity declarations and comments are not accepted');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new WecomXmlError(`malformed XML: ${valid.err.msg}`);
  const doc = parser.parse(xml) as Record<string, unknown>;
  const root = doc.xml;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new WecomXmlError('missing <xml> root');
  return root as Record<string, unknown>;
}

function text(root: Record<string, unknown>, name: string): string | undefined {
  const value = root[name];
  return typeof value === 'string' ? value : undefined;
}

export interface WecomEnvelope {
  encrypt: string;
  toUserName?: string;
  agentId?: string;
}

/** The outer POST body: `<xml><ToUserName/><AgentID/><Encrypt/></xml>`. */
export function parseEnvelope(xml: string): WecomEnvelope {
  const root = parseXmlSafely(xml);
  const encrypt = text(root, 'Encrypt')?.trim();
  if (!encrypt) throw new WecomXmlError('missing <Encrypt>');
  return { encrypt, toUserName: text(root, 'ToUserName'), agentId: text(root, 'AgentID') };
}

export type WecomInbound =
  | { kind: 'message'; event: MessageEvent }
  | { kind: 'card_action'; event: CardActionEvent }
  | { kind: 'ignored'; reason: string };

/** Message types that carry no text: answered like unknown input (help), never silence. */
const NON_TEXT_MESSAGES = new Set(['image', 'voice', 'video', 'file', 'location', 'link']);

/** Classifies a decrypted callback. Throws WecomXmlError when it is not a usable WeCom callback. */
export function parseDecrypted(xml: string, corpId: string): WecomInbound {
  const root = parseXmlSafely(xml);
  const to = text(root, 'ToUserName');
  if (to !== corpId) throw new WecomXmlError('ToUserName is not our corp id');
  const from = text(root, 'FromUserName');
  const msgType = text(root, 'MsgType');
  if (!from || !msgType) throw new WecomXmlError('missing FromUserName or MsgType');
  const base = {
    platform: 'wecom' as const,
    tenantKey: corpId,
    sender: { platformUserId: from },
    conversation: { id: from, type: 'direct' as const },
    replyTo: { platform: 'wecom' as const, kind: 'user' as const, id: from },
    raw: root,
  };

  if (msgType === 'text' || NON_TEXT_MESSAGES.has(msgType)) {
    const msgId = text(root, 'MsgId');
    if (!msgId) throw new WecomXmlError('message without MsgId');
    const content = msgType === 'text' ? (text(root, 'Content') ?? '') : '';
    // App messages are one-to-one with the app, so every message is addressed to the bot.
    return {
      kind: 'message',
      event: { ...base, type: 'message', eventId: msgId, text: content.trim(), mentionedBot: true },
    };
  }

  if (msgType === 'event') {
    const event = text(root, 'Event');
    if (event !== 'template_card_event') return { kind: 'ignored', reason: `event ${event ?? '(none)'}` };
    const eventKey = text(root, 'EventKey') ?? '';
    const createTime = text(root, 'CreateTime') ?? '';
    const taskId = text(root, 'TaskId') ?? '';
    const responseCode = text(root, 'ResponseCode') ?? '';
    const action = decodeButtonKey(eventKey);
    if (!action) throw new WecomXmlError('EventKey is not a Polaris button key');
    // WeCom documents FromUserName+CreateTime as the event's identity; EventKey separates two buttons clicked in one second.
    const eventId = `${from}:${createTime}:${eventKey}`;
    const extra: Record<string, string> = { userid: from, taskId };
    if (responseCode) extra.responseCode = responseCode;
    return {
      kind: 'card_action',
      event: {
        ...base,
        type: 'card_action',
        eventId,
        actionId: action.actionId,
        value: action.value,
        message: taskId ? { platform: 'wecom', messageId: taskId, extra } : undefined,
      },
    };
  }
  return { kind: 'ignored', reason: `message type ${msgType}` };
}
