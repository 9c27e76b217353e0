// Platform-neutral Card → DingTalk payloads (pure).
// - With a card template (DINGTALK_CARD_TEMPLATE_ID): the generic template's cardParamMap,
//   documented in docs/dingtalk-card-template.md. All values are strings (DingTalk's rule).
// - Without one: a robot `sampleMarkdown` message; buttons become text the person can type.
// https://open.dingtalk.com/document/orgapp/robot-message-types-and-data-format
import {
  plainCardText,
  renderCardText,
  type Card,
  type CardBlock,
  type CardButton,
  type CardColor,
  type TrackStatus,
} from '../../cards/model';
import { cardToText } from '../../cards/text';
import { clip, inertMarkup, percentBar } from '../common/markdown';
import type { OutboundMessage } from '../types';
import { TEMPLATE_ACTION_PARAM } from './parse';

/** DingTalk markdown messages are capped around 5000 characters; leave room for the title. */
const MAX_MARKDOWN_CHARS = 4800;

/** Colours the template can map with a condition; also used as <font> colours in markdown. */
const COLOR_HEX: Record<CardColor, string> = {
  blue: '#0089FF',
  green: '#00B365',
  orange: '#FF9200',
  red: '#F54A45',
  grey: '#8F959E',
  purple: '#7F3BF5',
};
const STATUS_COLOR: Record<TrackStatus, CardColor> = {
  on_track: 'green',
  done: 'green',
  at_risk: 'orange',
  off_track: 'red',
  not_started: 'grey',
};

/** One entry of the template's `buttons` list. `value` is a JSON object as a string. */
export interface TemplateButton {
  text: string;
  style: 'primary' | 'danger' | 'default';
  [TEMPLATE_ACTION_PARAM]: string;
  value: string;
}

export type CardParamMap = Record<string, string>;

/**
 * User text in DingTalk markdown: links, images, emphasis, headings, quotes, `<font>` and other
 * tags, and `@` (mentions) are made inert. The one place DingTalk user text is escaped.
 * https://open.dingtalk.com/document/orgapp/robot-message-types-and-data-format
 */
export function escapeDingtalkMarkdown(text: string): string {
  return inertMarkup(text, '<>[]()!*_~`#&|\\@');
}

const md = (text: string) => renderCardText(text, escapeDingtalkMarkdown);

function blockMarkdown(block: CardBlock): string {
  switch (block.type) {
    case 'markdown':
      return block.text;
    case 'fields':
      return block.fields.map((f) => `**${f.label}**: ${f.value}`).join('\n\n');
    case 'progress': {
      const color = COLOR_HEX[STATUS_COLOR[block.status ?? 'not_started']];
      const line = `**${block.label}**  <font color=${color}>${percentBar(block.percent)}</font>`;
      return block.detail ? `${line}\n\n${block.detail}` : line;
    }
    case 'divider':
      return '---';
    case 'note':
      return `<font color=${COLOR_HEX.grey}>${block.text}</font>`;
    case 'actions':
      return '';
  }
}

/**
 * The card body as DingTalk markdown, without its buttons and without the header: the
 * template shows `title` and `subtitle` in its own header, so repeating the subtitle as the
 * body's first line would show it twice (issue 18).
 */
export function cardMarkdown(card: Card): string {
  const parts = card.blocks.map(blockMarkdown).filter((p) => p !== '');
  return clip(md(parts.join('\n\n')), MAX_MARKDOWN_CHARS);
}

export function templateButton(button: CardButton): TemplateButton {
  return {
    text: plainCardText(button.text),
    style: button.style ?? 'default',
    [TEMPLATE_ACTION_PARAM]: button.actionId,
    value: JSON.stringify(button.value),
  };
}

/** Card → the generic template's cardParamMap. */
export function renderCardParamMap(card: Card): CardParamMap {
  const buttons = card.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons.map(templateButton) : []));
  return {
    title: md(card.header.title),
    subtitle: md(card.header.subtitle ?? ''),
    color: card.header.color,
    colorHex: COLOR_HEX[card.header.color],
    markdown: cardMarkdown(card),
    buttons: JSON.stringify(buttons),
    hasButtons: buttons.length > 0 ? 'true' : 'false',
  };
}

/**
 * Without a template there are no callbacks: the card goes out as cards/text.ts renders it,
 * where each button becomes the chat command to type instead. Markdown needs "  \n" for
 * a line break, and the text is already free of markdown markers.
 */
export function cardAsMarkdownMessage(card: Card): { title: string; text: string } {
  return {
    title: plainCardText(card.header.title),
    text: clip(cardToText(card, { userText: escapeDingtalkMarkdown }).replace(/\n/g, '  \n'), MAX_MARKDOWN_CHARS),
  };
}

/** Robot message (msgKey + msgParam) for the proactive-send APIs. */
export function robotMessage(message: OutboundMessage): { msgKey: string; msgParam: string } {
  if (message.card) return { msgKey: 'sampleMarkdown', msgParam: JSON.stringify(cardAsMarkdownMessage(message.card)) };
  return { msgKey: 'sampleText', msgParam: JSON.stringify({ content: message.text }) };
}

/** Body for a sessionWebhook reply. */
export function sessionWebhookBody(message: OutboundMessage): Record<string, unknown> {
  if (message.card) return { msgtype: 'markdown', markdown: cardAsMarkdownMessage(message.card) };
  return { msgtype: 'text', text: { content: message.text } };
}
