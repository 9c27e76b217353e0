// Platform-neutral Card -> Lark card JSON 2.0, and outbound message bodies.
// https://open.feishu.cn/document/feishu-cards/card-json-v2-structure
// Only properties Lark's 2.0 schema accepts (Lark rejects unknown ones); buttons
// fire `card.action.trigger` through `behaviors` callbacks (2.0 has no `action` wrapper).
import type { OutboundMessage } from '../types';
import {
  plainCardText,
  renderCardText,
  type Card,
  type CardBlock,
  type CardButton,
  type TrackStatus,
} from '../../cards/model';
import { clip, inertMarkup, percentBar } from '../common/markdown';
import { utf8Length } from '../common/bytes';

/** Lark rejects cards over 30 KB; stay a little below to leave room for the envelope. */
export const MAX_CARD_BYTES = 30 * 1024;
const TARGET_CARD_BYTES = MAX_CARD_BYTES - 1024;
const MAX_MARKDOWN_CHARS = 4000;

/** What a button's callback carries; parse.ts decodes the same shape. */
export interface CallbackValue {
  action_id: string;
  params: Record<string, string>;
}

export function encodeCallbackValue(button: Pick<CardButton, 'actionId' | 'value'>): CallbackValue {
  return { action_id: button.actionId, params: { ...button.value } };
}

type Json = Record<string, unknown>;

const STATUS_TEXT_COLOR: Record<TrackStatus, string> = {
  on_track: 'green',
  done: 'green',
  at_risk: 'orange',
  off_track: 'red',
  not_started: 'grey',
};

/** `▓▓▓▓▓░░░░░ 52%`: Lark has no progress element, so progress is text. */
export const progressBar = percentBar;

/**
 * User text in a Lark markdown component: mentions (`<at id=all>`), tags (`<font>`, `<link>`),
 * links and images (`[t](url)`, `![t](img_key)`), emphasis, code, headings and HTML entities
 * (which Lark decodes, so `&#60;at` would be a mention again) are made inert.
 * https://open.feishu.cn/document/feishu-cards/card-json-v2-components/content-components/rich-text
 */
export function escapeLarkMarkdown(text: string): string {
  return inertMarkup(text, '<>[]()!*_~`#&|\\');
}

// Every string of a card goes through exactly one of these two: markdown (user spans escaped)
// or plain_text (Lark shows it literally; only the span markers are removed).
function markdown(content: string, extra: Json = {}): Json {
  return { tag: 'markdown', content: clip(renderCardText(content, escapeLarkMarkdown), MAX_MARKDOWN_CHARS), ...extra };
}

function plainText(content: string): Json {
  return { tag: 'plain_text', content: clip(plainCardText(content), 200) };
}

function button(b: CardButton): Json {
  return {
    tag: 'button',
    text: plainText(b.text),
    type: b.style ?? 'default',
    behaviors: [{ type: 'callback', value: encodeCallbackValue(b) }],
  };
}

function column(elements: Json[], width: 'auto' | 'weighted' = 'weighted'): Json {
  return width === 'auto'
    ? { tag: 'column', width: 'auto', elements }
    : { tag: 'column', width: 'weighted', weight: 1, elements };
}

function renderBlock(block: CardBlock): Json[] {
  switch (block.type) {
    case 'markdown':
      return [markdown(block.text)];
    case 'note':
      return [markdown(`<font color='grey'>${block.text}</font>`, { text_size: 'notation' })];
    case 'divider':
      return [{ tag: 'hr' }];
    case 'fields': {
      // Two fields per row, each "**label**\nvalue".
      const rows: Json[] = [];
      for (let i = 0; i < block.fields.length; i += 2) {
        const pair = block.fields.slice(i, i + 2);
        rows.push({
          tag: 'column_set',
          flex_mode: 'bisect',
          columns: pair.map((f) => column([markdown(`**${f.label}**\n${f.value}`)])),
        });
      }
      return rows;
    }
    case 'progress': {
      const bar = progressBar(block.percent);
      const coloured = block.status ? `<font color='${STATUS_TEXT_COLOR[block.status]}'>${bar}</font>` : bar;
      const detail = block.detail ? `\n<font color='grey'>${block.detail}</font>` : '';
      return [markdown(`**${block.label}**\n${coloured}${detail}`)];
    }
    case 'actions':
      if (block.buttons.length === 0) return [];
      if (block.buttons.length === 1) return [button(block.buttons[0])];
      // Several buttons side by side, wrapping on narrow screens.
      return [{ tag: 'column_set', flex_mode: 'flow', columns: block.buttons.map((b) => column([button(b)], 'auto')) }];
  }
}

/** The card's JSON when its UTF-8 form fits `max` bytes, else undefined. */
function jsonWithin(value: Json, max: number): string | undefined {
  const json = JSON.stringify(value);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: most cards fit without counting.
  return json.length * 3 <= max || utf8Length(json) <= max ? json : undefined;
}

function assemble(card: Card, blocks: CardBlock[], omitted: number): Json {
  const elements = blocks.flatMap(renderBlock);
  if (omitted > 0) elements.splice(lastNonActionIndex(blocks, elements), 0, markdown(`… (+${omitted})`));
  const header: Json = { title: plainText(card.header.title), template: card.header.color };
  if (card.header.subtitle) header.subtitle = plainText(card.header.subtitle);
  return { schema: '2.0', config: { update_multi: true }, header, body: { elements } };
}

/** Where the "(+N)" line goes: before trailing action rows, so buttons stay last. */
function lastNonActionIndex(blocks: CardBlock[], elements: Json[]): number {
  let trailing = 0;
  for (let i = blocks.length - 1; i >= 0 && blocks[i].type === 'actions'; i--)
    trailing += renderBlock(blocks[i]).length;
  return elements.length - trailing;
}

/** Renders a Card as Lark card JSON 2.0, dropping trailing content blocks if it would exceed 30 KB. */
export function renderLarkCard(card: Card): Json {
  return fitted(card).card;
}

/** The card that fits, with its JSON (measured once, sent as is). */
function fitted(card: Card): { card: Json; json: string } {
  let rendered = assemble(card, card.blocks, 0);
  let json = jsonWithin(rendered, TARGET_CARD_BYTES);
  // Drop content blocks from the end (keeping action rows) until it fits.
  const keep = [...card.blocks];
  let omitted = 0;
  while (json === undefined) {
    const index = keep.findLastIndex((b) => b.type !== 'actions');
    if (index < 0) return { card: rendered, json: JSON.stringify(rendered) };
    keep.splice(index, 1);
    omitted++;
    rendered = assemble(card, keep, omitted);
    json = jsonWithin(rendered, TARGET_CARD_BYTES);
  }
  return { card: rendered, json };
}

/** Body fields for `im.v1.message.create` / `patch`. */
export function renderLarkMessage(message: OutboundMessage): { msg_type: 'text' | 'interactive'; content: string } {
  if (message.card) return { msg_type: 'interactive', content: fitted(message.card).json };
  // A text message reads `<at user_id="all"></at>` as a mention; Polaris never sends one on
  // purpose, so any in a reply (an echoed note, a name) is made inert.
  // https://open.feishu.cn/document/server-docs/im-v1/message-content-description/create_json
  return { msg_type: 'text', content: JSON.stringify({ text: message.text.replace(/<(?=\s*at\b)/gi, '＜') }) };
}
