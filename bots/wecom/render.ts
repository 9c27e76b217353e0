// Platform-neutral Card -> WeCom app message bodies (pure).
// https://developer.work.weixin.qq.com/document/path/90236#模板卡片消息 (template_card)
// Template cards have small display limits (WeCom truncates beyond them), at
// most 6 buttons, and markdown messages at most 2048 bytes. A card that fits is
// sent as one template card; one that does not becomes its full content as
// markdown plus, when it has buttons, a short card carrying them: nothing is
// cut without the reader seeing the whole text somewhere.
import {
  cardButtons,
  mapCardText,
  plainCardText,
  renderCardText,
  type Card,
  type CardBlock,
  type CardButton,
  type TrackStatus,
} from '../../cards/model';
import { utf8Length } from '../common/bytes';
import { inertMarkup } from '../common/markdown';
import type { OutboundMessage } from '../types';
import { ErrorCode, PolarisError } from '../../core/errors';

export const LIMITS = {
  title: 26,
  desc: 30,
  subTitle: 112,
  fields: 6,
  keyname: 5,
  value: 26,
  buttons: 6,
  buttonText: 10,
  keyBytes: 1024,
  taskIdBytes: 128,
  /** markdown.content and text.content */
  contentBytes: 2048,
} as const;

export class WecomRenderError extends PolarisError {
  override readonly name = 'WecomRenderError';
  constructor(message: string) {
    super(ErrorCode.RenderFailed, message);
  }
}

type Json = Record<string, unknown>;
export type WecomMessageBody =
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'markdown'; markdown: { content: string } }
  | { msgtype: 'template_card'; template_card: Json };

const byteLength = utf8Length;
const chars = (s: string) => [...s].length;

/** Cuts visibly (with …) to `max` characters. */
export function clip(text: string, max: number): string {
  const all = [...text];
  return all.length > max ? `${all.slice(0, max - 1).join('')}…` : text;
}

// ---------- button keys (EventKey) ----------

const ACTION_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const DISAMBIGUATOR = '~';

/** `actionId?k=v&k2=v2`, URL-encoded: compact and reversible by decodeButtonKey. */
export function encodeButtonKey(button: Pick<CardButton, 'actionId' | 'value'>, disambiguator?: number): string {
  if (!ACTION_ID.test(button.actionId))
    throw new WecomRenderError(`button action id ${JSON.stringify(button.actionId)} is not [A-Za-z0-9_.:-]{1,64}`);
  const pairs = Object.entries(button.value).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  if (disambiguator !== undefined) pairs.push(`${DISAMBIGUATOR}=${disambiguator}`);
  const key = pairs.length ? `${button.actionId}?${pairs.join('&')}` : button.actionId;
  if (byteLength(key) > LIMITS.keyBytes)
    throw new WecomRenderError(
      `button key for ${button.actionId} exceeds ${LIMITS.keyBytes} bytes: keep button values small`,
    );
  return key;
}

export function decodeButtonKey(key: string): { actionId: string; value: Record<string, string> } | undefined {
  const q = key.indexOf('?');
  const actionId = q < 0 ? key : key.slice(0, q);
  if (!ACTION_ID.test(actionId)) return undefined;
  const value: Record<string, string> = {};
  if (q >= 0 && q < key.length - 1) {
    for (const pair of key.slice(q + 1).split('&')) {
      const eq = pair.indexOf('=');
      if (eq < 1) return undefined;
      try {
        const k = decodeURIComponent(pair.slice(0, eq));
        if (k === DISAMBIGUATOR) continue;
        value[k] = decodeURIComponent(pair.slice(eq + 1));
      } catch {
        return undefined;
      }
    }
  }
  return { actionId, value };
}

/** A WeCom task_id (letters, digits, `_-@`, ≤ 128 bytes), stable for one outbox row. */
export function taskIdFor(idempotencyKey: string): string {
  const safe = idempotencyKey.replace(/[^A-Za-z0-9_@-]/g, '_');
  const id = `polaris_${safe}`;
  return id.length <= LIMITS.taskIdBytes ? id : `polaris_${safe.slice(-(LIMITS.taskIdBytes - 8))}`;
}

// ---------- text helpers ----------

const STATUS_WORD: Record<TrackStatus, { zh: string; en: string; color: string }> = {
  on_track: { zh: '正常', en: 'on track', color: 'info' },
  done: { zh: '完成', en: 'done', color: 'info' },
  at_risk: { zh: '有风险', en: 'at risk', color: 'warning' },
  off_track: { zh: '落后', en: 'off track', color: 'warning' },
  not_started: { zh: '未开始', en: 'not started', color: 'comment' },
};

/** The card's language, guessed from its text: the adapter's own hints follow it. */
function isChinese(card: Card): boolean {
  return /[\u4e00-\u9fff]/.test(JSON.stringify(card));
}

function plain(markdown: string): string {
  return markdown
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/\*(.+?)\*/g, '$1')
    .trim();
}

function bar(percent: number, cells: number): string {
  const safe = Number.isFinite(percent) ? percent : 0;
  const filled = Math.round((Math.min(100, Math.max(0, safe)) / 100) * cells);
  return `${'■'.repeat(filled)}${'□'.repeat(cells - filled)} ${Math.round(safe)}%`;
}

/** The status word for a progress line, unless the block's detail already starts with it (no "落后 落后"). */
function statusWord(block: Extract<CardBlock, { type: 'progress' }>, zh: boolean): string | undefined {
  if (!block.status) return undefined;
  const word = zh ? STATUS_WORD[block.status].zh : STATUS_WORD[block.status].en;
  const first = block.detail?.split(' · ')[0].toLowerCase() ?? '';
  return first.includes(word.toLowerCase()) ? undefined : word;
}

function progressLine(block: Extract<CardBlock, { type: 'progress' }>, zh: boolean, cells: number): string {
  const word = statusWord(block, zh);
  const status = word ? ` ${word}` : '';
  const detail = block.detail ? ` ${block.detail}` : '';
  return `${block.label} ${bar(block.percent, cells)}${status}${detail}`;
}

/**
 * The whole card as WeCom markdown (local fallback until cards/text.ts exists):
 * WeCom markdown supports **bold**, > quotes and <font color="info|warning|comment">.
 */
/**
 * User text in WeCom markdown: links, emphasis, quotes, code, `<font>` and the `<@userid>`
 * mention are made inert. The one place WeCom user text is escaped; template cards show
 * text literally and only lose the span markers (plainCard).
 * https://developer.work.weixin.qq.com/document/path/90236#markdown消息
 */
export function escapeWecomMarkdown(text: string): string {
  return inertMarkup(text, '<>[]()!*_~`#&|\\@');
}

/** The card with user-span markers removed, for template cards (plain text, no markup). */
function plainCard(card: Card): Card {
  return mapCardText(card, plainCardText);
}

export function cardToMarkdown(card: Card, extraLines: string[] = []): string {
  return renderCardText(cardToMarkdownRaw(card, extraLines), escapeWecomMarkdown);
}

function cardToMarkdownRaw(card: Card, extraLines: string[]): string {
  const zh = isChinese(card);
  const lines = [`**${card.header.title}**`];
  if (card.header.subtitle) lines.push(`> ${card.header.subtitle}`);
  for (const block of card.blocks) {
    switch (block.type) {
      case 'markdown':
        lines.push(block.text);
        break;
      case 'fields':
        for (const f of block.fields) lines.push(`${f.label}：${f.value}`);
        break;
      case 'progress': {
        const word = statusWord(block, zh);
        const status = word && block.status ? ` <font color="${STATUS_WORD[block.status].color}">${word}</font>` : '';
        lines.push(`${block.label} ${bar(block.percent, 10)}${status}${block.detail ? ` ${block.detail}` : ''}`);
        break;
      }
      case 'divider':
        lines.push('');
        break;
      case 'actions':
        break;
      case 'note':
        lines.push(`<font color="comment">${block.text}</font>`);
        break;
    }
  }
  return [...lines, ...extraLines].join('\n');
}

/** Splits content into pieces of at most `maxBytes` UTF-8 bytes, at line ends when possible. */
export function splitByBytes(content: string, maxBytes: number = LIMITS.contentBytes): string[] {
  const pieces: string[] = [];
  let current = '';
  const push = () => {
    if (current) pieces.push(current);
    current = '';
  };
  for (const line of content.split('\n')) {
    const candidate = current ? `${current}\n${line}` : line;
    if (byteLength(candidate) <= maxBytes) {
      current = candidate;
      continue;
    }
    push();
    if (byteLength(line) <= maxBytes) {
      current = line;
      continue;
    }
    for (const ch of line) {
      if (byteLength(current + ch) > maxBytes) push();
      current += ch;
    }
  }
  push();
  return pieces.length ? pieces : [''];
}

// ---------- template cards ----------

const BUTTON_STYLE: Record<NonNullable<CardButton['style']>, number> = {
  // WeCom offers styles 1-4 (1 is the default, blue); 3 is the red one used for destructive actions.
  primary: 1,
  default: 2,
  danger: 3,
};
const IMPORTANCE: Record<NonNullable<CardButton['style']>, number> = { primary: 0, danger: 1, default: 2 };

/** At most 6 buttons: the most important ones (primary, then danger, then default), in card order. */
export function selectButtons(buttons: CardButton[]): { kept: CardButton[]; dropped: CardButton[] } {
  if (buttons.length <= LIMITS.buttons) return { kept: buttons, dropped: [] };
  const ranked = buttons
    .map((b, i) => ({ b, i }))
    .sort((x, y) => IMPORTANCE[x.b.style ?? 'default'] - IMPORTANCE[y.b.style ?? 'default'] || x.i - y.i);
  const keep = new Set(ranked.slice(0, LIMITS.buttons).map((r) => r.i));
  return { kept: buttons.filter((_, i) => keep.has(i)), dropped: buttons.filter((_, i) => !keep.has(i)) };
}

function buttonList(buttons: CardButton[]): Json[] {
  const seen = new Map<string, number>();
  return buttons.map((b) => {
    let key = encodeButtonKey(b);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    // Keys must be unique within a card; two identical buttons get a suffix decodeButtonKey drops.
    if (n > 0) key = encodeButtonKey(b, n);
    return { type: 0, text: clip(b.text, LIMITS.buttonText), style: BUTTON_STYLE[b.style ?? 'default'], key };
  });
}

interface Layout {
  title: string;
  desc?: string;
  lines: string[];
  /** Indexes into `lines` that must survive clipping: notes carry the card's news (✅ 已确认跟进). */
  keep: Set<number>;
  fields: { keyname: string; value: string }[];
  buttons: CardButton[];
}

function layout(card: Card): Layout {
  const zh = isChinese(card);
  const lines: string[] = [];
  const keep = new Set<number>();
  const fields: Layout['fields'] = [];
  for (const block of card.blocks) {
    switch (block.type) {
      case 'markdown':
        lines.push(plain(block.text));
        break;
      case 'fields':
        for (const f of block.fields) {
          // Short pairs sit in the two-column list; longer ones read better as a line.
          if (chars(f.label) <= LIMITS.keyname && chars(f.value) <= LIMITS.value)
            fields.push({ keyname: f.label, value: f.value });
          else lines.push(`${f.label}：${f.value}`);
        }
        break;
      case 'progress':
        lines.push(progressLine(block, zh, 5));
        break;
      case 'note':
        if (plain(block.text)) keep.add(lines.length);
        lines.push(plain(block.text));
        break;
      case 'divider':
      case 'actions':
        break;
    }
  }
  const kept = new Set<number>();
  const nonEmpty: string[] = [];
  lines.forEach((line, i) => {
    if (!line) return;
    if (keep.has(i)) kept.add(nonEmpty.length);
    nonEmpty.push(line);
  });
  return {
    title: card.header.title,
    desc: card.header.subtitle,
    lines: nonEmpty,
    keep: kept,
    fields,
    buttons: cardButtons(card),
  };
}

/** Does the card show in full as one template card? */
export function fitsTemplateCard(card: Card): boolean {
  const l = layout(card);
  return (
    chars(l.title) <= LIMITS.title &&
    (!l.desc || chars(l.desc) <= LIMITS.desc) &&
    chars(l.lines.join('\n')) <= LIMITS.subTitle &&
    l.fields.length <= LIMITS.fields &&
    l.buttons.length <= LIMITS.buttons &&
    l.buttons.every((b) => chars(b.text) <= LIMITS.buttonText)
  );
}

/**
 * The card as a `template_card`: `button_interaction` when it has buttons,
 * otherwise `text_notice` (which WeCom requires to open a URL when tapped, so it
 * needs `cardUrl`). A buttonless card without a URL has no documented template
 * card form (button_interaction requires button_list): sending goes as markdown
 * (renderOutbound) and updating renames the clicked button (index.ts).
 * Over-long parts are clipped with a visible "…"; callers that can send more than
 * one message use renderOutbound to avoid clipping.
 * https://developer.work.weixin.qq.com/document/path/90236 (模板卡片消息)
 */
export function renderTemplateCard(input: Card, taskId: string, options: { cardUrl?: string } = {}): Json {
  const card = plainCard(input);
  const l = layout(card);
  const mainTitle: Json = { title: clip(l.title, LIMITS.title) };
  if (l.desc) mainTitle.desc = clip(l.desc, LIMITS.desc);
  const body: Json = { main_title: mainTitle };
  if (l.lines.length) body.sub_title_text = fitLines(l.lines, l.keep, LIMITS.subTitle);
  if (l.fields.length)
    body.horizontal_content_list = l.fields
      .slice(0, LIMITS.fields)
      .map((f) => ({ keyname: f.keyname, value: f.value }));
  const { kept } = selectButtons(l.buttons);
  if (kept.length) return { card_type: 'button_interaction', task_id: taskId, ...body, button_list: buttonList(kept) };
  if (options.cardUrl)
    return { card_type: 'text_notice', task_id: taskId, ...body, card_action: { type: 1, url: options.cardUrl } };
  throw new WecomRenderError('a template card without buttons needs a URL to open (text_notice card_action)');
}

/** A short card that only carries the buttons of a card whose content went out as markdown. */
function buttonsCard(card: Card, buttons: CardButton[], taskId: string): Json {
  const zh = isChinese(card);
  return {
    card_type: 'button_interaction',
    task_id: taskId,
    main_title: {
      title: clip(card.header.title, LIMITS.title),
      desc: zh ? '详情见上一条消息' : 'Details in the message above',
    },
    button_list: buttonList(buttons),
  };
}

export interface RenderedOutbound {
  bodies: WecomMessageBody[];
  /** Which body is the message to update later (the card), or the last one. */
  primary: number;
}

/** Everything one OutboundMessage becomes on WeCom, in sending order. */
export function renderOutbound(
  message: OutboundMessage,
  taskId: string,
  options: { cardUrl?: string } = {},
): RenderedOutbound {
  if (message.card === undefined) {
    const bodies = splitByBytes(message.text).map(
      (content): WecomMessageBody => ({ msgtype: 'text', text: { content } }),
    );
    return { bodies, primary: bodies.length - 1 };
  }
  const card = message.card;
  const plain = plainCard(card);
  const buttons = cardButtons(plain);
  if (fitsTemplateCard(plain) && (buttons.length > 0 || options.cardUrl)) {
    return {
      bodies: [{ msgtype: 'template_card', template_card: renderTemplateCard(plain, taskId, options) }],
      primary: 0,
    };
  }
  const zh = isChinese(card);
  const { kept, dropped } = selectButtons(buttons);
  const extra = dropped.length
    ? [
        '',
        zh
          ? `更多操作：${dropped.map((b) => b.text).join('、')}（请发送「帮助」查看对应的文字命令）`
          : `More actions: ${dropped.map((b) => b.text).join(', ')} (send "help" for the matching text commands)`,
      ]
    : [];
  const bodies: WecomMessageBody[] = splitByBytes(cardToMarkdown(card, extra)).map((content) => ({
    msgtype: 'markdown',
    markdown: { content },
  }));
  if (kept.length) bodies.push({ msgtype: 'template_card', template_card: buttonsCard(plain, kept, taskId) });
  return { bodies, primary: bodies.length - 1 };
}

/**
 * Lines joined within `max` characters for a template card that cannot be split (an update):
 * the `keep` lines (notes: the outcome a reader looks for) always stay; the others are taken in
 * order while they fit whole, and the first that does not is cut at a separator (" · ", "，",
 * a space) with "…", never inside a number ("4.…"). Order is preserved.
 */
export function fitLines(lines: string[], keep: Set<number>, max: number): string {
  const all = lines.join('\n');
  if (chars(all) <= max) return all;
  let budget = max - [...keep].reduce((n, i) => n + chars(lines[i]) + 1, 0);
  const out: (string | undefined)[] = lines.map((line, i) => (keep.has(i) ? line : undefined));
  for (let i = 0; i < lines.length && budget > 1; i++) {
    if (keep.has(i)) continue;
    const need = chars(lines[i]) + 1;
    if (need <= budget) {
      out[i] = lines[i];
      budget -= need;
      continue;
    }
    const room = [...lines[i]].slice(0, budget - 2).join('');
    const cut = Math.max(room.lastIndexOf(' · '), room.lastIndexOf('，'), room.lastIndexOf(' '));
    if (cut > 0) out[i] = `${room.slice(0, cut).trimEnd()} …`;
    break;
  }
  return clip(out.filter((x): x is string => x !== undefined).join('\n'), max);
}
