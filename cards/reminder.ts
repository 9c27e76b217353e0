// The Friday check-in reminder: the person's manual KRs with progress and
// quick-update buttons (keep the value, one step forward, done). Buttons carry
// the `kr.checkin` action the chat router already handles. KRs fed by metrics
// or rolled up from aligned objectives are not listed: nobody updates those by hand.
import { pct } from '../core/format';
import { t } from '../core/i18n';
import type { KrKind, Locale } from '../storage/schema';
import { userText, type Card, type CardBlock, type CardButton, type TrackStatus } from './model';

export interface ReminderKr {
  id: string;
  /** KRn as numbered on the person's "my OKRs" card. */
  number: number;
  title: string;
  kind: KrKind;
  start: number;
  target: number;
  current: number;
  unit: string | null;
  progress: number;
  status: TrackStatus;
}

export interface ReminderInput {
  name: string;
  locale: Locale;
  cycleName: string;
  krs: ReminderKr[];
  cap: number;
}

/** Cards stay small: buttons for the first few KRs, a pointer to the rest. */
export const MAX_REMINDER_KRS = 5;

export function buildReminderCard(input: ReminderInput): Card {
  const { locale } = input;
  const blocks: CardBlock[] = [{ type: 'markdown', text: t(locale, 'reminder.intro', { name: userText(input.name) }) }];
  for (const kr of input.krs.slice(0, MAX_REMINDER_KRS)) {
    blocks.push({
      type: 'progress',
      label: `KR${kr.number} ${userText(kr.title)}`,
      percent: Math.round(kr.progress * 100),
      status: kr.status,
      detail: t(locale, `status.${kr.status}`),
    });
    blocks.push({ type: 'actions', buttons: quickButtons(kr, locale) });
  }
  if (input.krs.length > MAX_REMINDER_KRS)
    blocks.push({ type: 'note', text: t(locale, 'reminder.more', { count: input.krs.length - MAX_REMINDER_KRS }) });
  blocks.push({ type: 'note', text: t(locale, 'reminder.footer', { cap: input.cap }) });
  return {
    header: {
      title: t(locale, 'reminder.title'),
      subtitle: t(locale, 'reminder.subtitle', { cycle: userText(input.cycleName) }),
      color: 'orange',
    },
    blocks,
  };
}

function display(value: number, unit: string | null): string {
  const n = Math.round(value * 100) / 100;
  return unit ? `${n}${unit === '%' ? '%' : ` ${unit}`}` : String(n);
}

/** Keep the current value (a check-in that says "no change"), one step of 10% of the range, or done. */
export function quickButtons(kr: ReminderKr, locale: Locale): CardButton[] {
  const button = (text: string, value: number, style: CardButton['style'] = 'default'): CardButton => ({
    text,
    actionId: 'kr.checkin',
    value: { kr: kr.id, value: String(value) },
    style,
  });
  const buttons = [button(t(locale, 'reminder.keep', { value: display(kr.current, kr.unit) }), kr.current)];
  if (kr.kind === 'boolean') {
    if (kr.current < 1) buttons.push(button(t(locale, 'reminder.done'), 1, 'primary'));
    return buttons;
  }
  const range = kr.target - kr.start;
  if (range !== 0 && kr.progress < 1) {
    let step = kr.current + range / 10;
    if (kr.kind === 'milestone') step = Math.min(kr.target, Math.trunc(kr.current) + 1);
    const rounded = Math.round(step * 100) / 100;
    const progress = (rounded - kr.start) / range;
    if (rounded !== kr.current && progress < 1)
      buttons.push(button(t(locale, 'reminder.step', { percent: pct(progress) }), rounded, 'primary'));
    buttons.push(button(t(locale, 'reminder.done'), kr.target));
  }
  return buttons;
}
