// A platform-neutral card. Builders in this folder return Cards; each adapter's
// render.ts turns one into its platform's JSON, and ./text.ts into plain text
// for platforms or situations where a card cannot be shown.

export type CardColor = 'blue' | 'green' | 'orange' | 'red' | 'grey' | 'purple';
import type { TrackStatus } from '../core/types';

export type { TrackStatus };

export interface CardButton {
  text: string;
  /** Routed by the core's card-action handler, e.g. `kr.checkin`. Keep it short. */
  actionId: string;
  /** Small string values only: WeCom limits a button key to 1024 bytes. */
  value: Record<string, string>;
  style?: 'primary' | 'danger' | 'default';
  /** What to type instead of clicking (e.g. `KR1 60`), shown by the plain-text rendering. */
  command?: string;
}

export type CardBlock =
  /** Light markdown: **bold**, *italic*, line breaks; nothing platform-specific. */
  | { type: 'markdown'; text: string }
  | { type: 'fields'; fields: { label: string; value: string }[] }
  /** A progress line: label, a bar and a percentage (0..100; may exceed 100 for overshoot). */
  | { type: 'progress'; label: string; percent: number; status?: TrackStatus; detail?: string }
  | { type: 'divider' }
  | { type: 'actions'; buttons: CardButton[] }
  /** Small grey text, e.g. "decided by X at Y". */
  | { type: 'note'; text: string };

export interface Card {
  header: { title: string; subtitle?: string; color: CardColor };
  blocks: CardBlock[];
}

/** Every button in the card, in order. */
export function cardButtons(card: Card): CardButton[] {
  return card.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : []));
}

/** Most urgent first: what a reader should look at before the rest. */
export const STATUS_SEVERITY: readonly TrackStatus[] = ['off_track', 'at_risk', 'not_started', 'on_track', 'done'];

/** The most urgent of some statuses (undefined for none). */
export function worstStatus(statuses: readonly TrackStatus[]): TrackStatus | undefined {
  return STATUS_SEVERITY.find((s) => statuses.includes(s));
}

/** Orders items most urgent first, then least progress first. */
export function byUrgency(
  a: { status: TrackStatus; progress: number },
  b: { status: TrackStatus; progress: number },
): number {
  return STATUS_SEVERITY.indexOf(a.status) - STATUS_SEVERITY.indexOf(b.status) || a.progress - b.progress;
}

export function statusColor(status: TrackStatus | undefined): CardColor {
  switch (status) {
    case 'on_track':
    case 'done':
      return 'green';
    case 'at_risk':
      return 'orange';
    case 'off_track':
      return 'red';
    default:
      return 'blue';
  }
}

// ---- trusted formatting vs. user text --------------------------------------------------
//
// Every string in a Card is trusted light markdown written by Polaris (its catalogues and
// builders): **bold**, *italic*, line breaks. Text that came from a person (names, objective
// and KR titles, reasons, notes, team names) must be wrapped with userText() where a builder
// puts it in. Each platform's render.ts then shows those spans literally, escaping that
// platform's markdown and mention syntax in one place, so an adjustment reason such as
// `<at id=all></at> [登录](https://evil.example)` stays text on every platform.

const USER_OPEN = '\uE000';
const USER_CLOSE = '\uE001';
const MARKERS = /[\uE000\uE001]/g;

/** Marks text from a person: renderers show it literally, never as markup, links or mentions. */
export function userText(text: string | number | null | undefined): string {
  return `${USER_OPEN}${String(text ?? '').replace(MARKERS, '')}${USER_CLOSE}`;
}

/**
 * Renders card text: trusted parts as they are, user spans through `escape`. An unclosed span
 * runs to the end (treated as user text), so a cut string never turns user text into markup.
 */
export function renderCardText(text: string, escapeUser: (user: string) => string): string {
  if (!text.includes(USER_OPEN) && !text.includes(USER_CLOSE)) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf(USER_OPEN, i);
    if (open < 0) {
      out += text.slice(i).replace(MARKERS, '');
      break;
    }
    out += text.slice(i, open).replace(MARKERS, '');
    const close = text.indexOf(USER_CLOSE, open + 1);
    const end = close < 0 ? text.length : close;
    out += escapeUser(text.slice(open + 1, end).replace(MARKERS, ''));
    i = end + 1;
  }
  return out;
}

/** The text with user-span markers removed (for plain-text slots that never interpret markup). */
export function plainCardText(text: string): string {
  return text.replace(MARKERS, '');
}

/** The card with every string passed through `fn` (header, block texts, labels, values, button texts). */
export function mapCardText(card: Card, fn: (text: string) => string): Card {
  const block = (b: CardBlock): CardBlock => {
    switch (b.type) {
      case 'markdown':
      case 'note':
        return { ...b, text: fn(b.text) };
      case 'fields':
        return { ...b, fields: b.fields.map((f) => ({ label: fn(f.label), value: fn(f.value) })) };
      case 'progress':
        return { ...b, label: fn(b.label), ...(b.detail !== undefined ? { detail: fn(b.detail) } : {}) };
      case 'actions':
        return { ...b, buttons: b.buttons.map((x) => ({ ...x, text: fn(x.text) })) };
      case 'divider':
        return b;
    }
  };
  return {
    header: {
      ...card.header,
      title: fn(card.header.title),
      ...(card.header.subtitle !== undefined ? { subtitle: fn(card.header.subtitle) } : {}),
    },
    blocks: card.blocks.map(block),
  };
}
