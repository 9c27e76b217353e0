// WeCom callback XML -> normalized BotEvents.
// https://developer.work.weixin.qq.com/document/path/90239 (接收消息格式)
// https://developer.work.weixin.qq.com/document/path/90240 (模板卡片事件 template_card_event)
import { capText } from '../common/text-cap';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { CardActionEvent, MessageEvent } from '../types';
import type { DirectoryChange, DirectoryChangeKind } from '../../core/directory';
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

/** WeCom callbacks nest a few levels (`<xml><SendPicsInfo><PicList><item>…`); deeper is not from WeCom. */
export const MAX_XML_DEPTH = 16;

/** The deepest element nesting in `xml`, CDATA skipped; one linear pass, stopping past `limit`. */
export function xmlDepth(xml: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let i = xml.indexOf('<');
  while (i !== -1) {
    if (xml.startsWith('<![CDATA[', i)) {
      const end = xml.indexOf(']]>', i + 9);
      if (end === -1) return deepest;
      i = xml.indexOf('<', end + 3);
      continue;
    }
    const close = xml.indexOf('>', i + 1);
    if (close === -1) return deepest;
    const next = xml.charCodeAt(i + 1);
    if (next === 47 /* / */) depth--;
    else if (next !== 63 /* ? */ && next !== 33 /* ! */ && xml.charCodeAt(close - 1) !== 47) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    }
    i = xml.indexOf('<', close + 1);
  }
  return deepest;
}

/**
 * The `<Encrypt>` value of a callback body, found without parsing the XML (so nothing about an
 * unverified body is parsed: the signature covers exactly this value). Linear; exactly one
 * `<Encrypt>` element of base64, optionally in CDATA, or WecomXmlError.
 */
export function extractEncrypt(xml: string): string {
  const open = xml.indexOf('<Encrypt>');
  if (open === -1) throw new WecomXmlError('missing <Encrypt>');
  if (xml.indexOf('<Encrypt>', open + 1) !== -1) throw new WecomXmlError('more than one <Encrypt>');
  const close = xml.indexOf('</Encrypt>', open);
  if (close === -1) throw new WecomXmlError('unterminated <Encrypt>');
  let value = xml.slice(open + '<Encrypt>'.length, close).trim();
  if (value.startsWith('<![CDATA[') && value.endsWith(']]>')) value = value.slice(9, -3).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw new WecomXmlError('<Encrypt> is not base64');
  return value;
}

/** Parses one small XML document, refusing DTDs, entities, deep nesting and malformed input. */
export function parseXmlSafely(xml: string): Record<string, unknown> {
  if (xml.length > MAX_BODY_BYTES) throw new WecomXmlError('XML too large');
  // `<!` may only open CDATA: no DOCTYPE, ENTITY or comments-with-surprises.
  if (/<!(?!\[CDATA\[)/.test(xml))
    throw new WecomXmlError('DOCTYPE, entity declarations and comments are not accepted');
  if (xmlDepth(xml, MAX_XML_DEPTH) > MAX_XML_DEPTH)
    throw new WecomXmlError(`XML nested deeper than ${MAX_XML_DEPTH} levels`);
  let doc: Record<string, unknown>;
  try {
    const valid = XMLValidator.validate(xml);
    if (valid !== true) throw new WecomXmlError(`malformed XML: ${valid.err.msg}`);
    doc = parser.parse(xml) as Record<string, unknown>;
  } catch (error) {
    // Whatever the parser throws is bad input (400), never a 500 with a stack trace.
    if (error instanceof WecomXmlError) throw error;
    throw new WecomXmlError('malformed XML');
  }
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
  | { kind: 'directory_change'; change: DirectoryChange }
  | { kind: 'ignored'; reason: string };

/**
 * 通讯录变更: change_contact with ChangeType create_user / update_user / delete_user (UserID; NewUserID
 * when the userid itself changed) and create_party / update_party / delete_party (Id).
 * https://developer.work.weixin.qq.com/document/path/90970 (成员变更通知)
 * https://developer.work.weixin.qq.com/document/path/90971 (部门变更通知)
 */
const CHANGE_KINDS: Record<string, DirectoryChangeKind> = {
  create_user: 'user_created',
  update_user: 'user_updated',
  delete_user: 'user_deleted',
  create_party: 'department_created',
  update_party: 'department_updated',
  delete_party: 'department_deleted',
};

/**
 * A WeCom text message holds at most 2048 bytes ("消息内容，最长不超过2048个字节"), so at most
 * 2048 characters: https://developer.work.weixin.qq.com/document/path/90236
 */
export const WECOM_MAX_TEXT_CHARS = 2048;

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
    const content = msgType === 'text' ? capText(text(root, 'Content') ?? '', WECOM_MAX_TEXT_CHARS) : '';
    // App messages are one-to-one with the app, so every message is addressed to the bot.
    return {
      kind: 'message',
      event: { ...base, type: 'message', eventId: msgId, text: content.trim(), mentionedBot: true },
    };
  }

  if (msgType === 'event') {
    const event = text(root, 'Event');
    if (event === 'change_contact') {
      const kind = CHANGE_KINDS[text(root, 'ChangeType') ?? ''];
      if (!kind) return { kind: 'ignored', reason: `change_contact ${text(root, 'ChangeType') ?? '(none)'}` };
      const ids = (...names: string[]) =>
        names.map((n) => text(root, n)).filter((v): v is string => !!v && v.length <= 64);
      return {
        kind: 'directory_change',
        change: {
          platform: 'wecom',
          tenantKey: corpId,
          kind,
          userIds: kind.startsWith('user_') ? ids('UserID', 'NewUserID') : [],
          departmentIds: kind.startsWith('department_') ? ids('Id') : [],
        },
      };
    }
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
