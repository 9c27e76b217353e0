// A platform-neutral card. Builders in this folder return Cards; each adapter's
// render.ts turns one into its platform's JSON, and ./text.ts into plain text
// for platforms or situations where a card cannot be shown.

export type CardColor = 'blue' | 'green' | 'orange' | 'red' | 'grey' | 'purple';
export type TrackStatus = 'on_track' | 'at_risk' | 'off_track' | 'done' | 'not_started';

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

export function statusColor(status: TrackStatus | undefined): CardColor {
  switch (status) {
    case 'on_track': case 'done': return 'green';
    case 'at_risk': return 'orange';
    case 'off_track': return 'red';
    default: return 'blue';
  }
}
