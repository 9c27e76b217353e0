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
