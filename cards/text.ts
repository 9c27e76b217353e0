// A Card as plain text: the fallback for platforms or messages that cannot
// carry a card (WeCom text replies, DingTalk without a card template, logs).
// Buttons become the command to type instead; buttons with no text equivalent
// are left out, since a plain-text reader cannot click them.
import { progressBar } from '../core/format';
import { renderCardText, type Card, type CardBlock, type TrackStatus } from './model';

const STATUS_MARK: Record<TrackStatus, string> = {
  on_track: '🟢',
  at_risk: '🟡',
  off_track: '🔴',
  done: '✅',
  not_started: '⚪',
};

/**
 * Plain text shows user text as it is, except mention tags (`<at …>` on Lark, `<@userid>` in
 * WeCom markdown), whose `<` becomes `＜` so a copied card cannot mention anyone.
 */
export function inertMentions(text: string): string {
  return text.replace(/</g, '＜');
}

export interface CardTextOptions {
  /** How user spans (userText) are shown: inert mentions by default, or a platform's markdown escaping. */
  userText?: (text: string) => string;
  /** The reader's language; without it, the title's own script decides. */
  locale?: 'zh-CN' | 'en';
}

/** The card as plain text (a locale alone may be given instead of options). */
export function cardToText(card: Card, input: CardTextOptions | 'zh-CN' | 'en' = {}): string {
  const options: CardTextOptions = typeof input === 'string' ? { locale: input } : input;
  const locale = options.locale;
  // 【title】 reads as a heading in Chinese; English gets a plain one (no full-width marks in English).
  const zh = locale ? locale !== 'en' : /[\u4e00-\u9fff]/.test(card.header.title);
  const head = [zh ? `【${card.header.title}】` : card.header.title];
  if (card.header.subtitle) head.push(card.header.subtitle);
  const parts = [head.join('\n'), ...card.blocks.map(blockToText).filter((s) => s !== '')];
  const text = parts
    .join('\n\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return renderCardText(text, options.userText ?? inertMentions);
}

function blockToText(block: CardBlock): string {
  switch (block.type) {
    case 'markdown':
      return stripMarkdown(block.text);
    case 'note':
      return stripMarkdown(block.text);
    case 'fields':
      return block.fields.map((f) => `${f.label}: ${f.value}`).join('\n');
    case 'progress': {
      const mark = block.status ? `${STATUS_MARK[block.status]} ` : '';
      const bar = `${progressBar(block.percent)} ${Math.round(block.percent)}%`;
      return `${mark}${block.label}\n${bar}${block.detail ? `  ${block.detail}` : ''}`;
    }
    case 'divider':
      return '──────────';
    case 'actions':
      return block.buttons
        .filter((b) => b.command)
        .map((b) => `▸ ${b.text}: ${b.command}`)
        .join('\n');
  }
}

/** Drops the light-markdown markers the Card model allows (**bold**, *italic*). */
export function stripMarkdown(text: string): string {
  return text.replace(/\*\*(.+?)\*\*/g, '$1').replace(/(^|[^*\w])\*(?!\s)([^*\n]+?)\*(?!\w)/g, '$1$2');
}
