// Built-in KR alert cards: a KR turned at risk or off track against its pace,
// its confidence dropped, or it has gone without a check-in. Each says why it
// fired (the numbers); the owner's copy has quick-update buttons, the manager's
// (off track only) says whose KR it is.
import { t, type Locale } from '../core/i18n';
import { formatDate, formatPercent, formatValue } from '../core/format';
import { userText, type Card, type CardBlock, type CardButton } from './model';
import { checkinCommand } from './kr-progress';

export type KrAlertKind = 'at_risk' | 'off_track' | 'drop' | 'stale';

export interface AlertKr {
  id: string;
  /** Display number in the owner's "my OKRs" list (KR1, KR2…), when known. */
  number?: number;
  /** A manual KR takes check-ins from chat and buttons; metric-fed and roll-up KRs do not. */
  manual?: boolean;
  title: string;
  kind: 'number' | 'percent' | 'currency' | 'boolean' | 'milestone';
  unit?: string | null;
  start: number;
  target: number;
  current: number;
  progress: number;
}

export type AlertFacts =
  | { kind: 'at_risk' | 'off_track'; progress: number; expected: number; confidence?: number | null }
  | { kind: 'drop'; from: number; to: number }
  | { kind: 'stale'; days: number; lastCheckInAt: string | null; since?: string };

export interface KrAlertCardInput {
  locale: Locale;
  audience: 'owner' | 'manager';
  ownerName: string;
  kr: AlertKr;
  facts: AlertFacts;
  now?: string;
}

/** Values a click away: the next quarter marks of progress toward the target (at most three). */
export function quickValues(kr: AlertKr): number[] {
  if (kr.kind === 'boolean') return kr.current >= 1 ? [] : [1];
  if (kr.kind === 'milestone') return kr.current < kr.target ? [Math.floor(kr.current) + 1] : [];
  const out: number[] = [];
  for (const mark of [0.25, 0.5, 0.75, 1]) {
    if (mark <= kr.progress + 1e-9) continue;
    const raw = kr.start + (kr.target - kr.start) * mark;
    const v = Math.abs(kr.target - kr.start) >= 10 ? Math.round(raw) : Math.round(raw * 10) / 10;
    if (v !== kr.current && !out.includes(v)) out.push(v);
  }
  return out.slice(-3);
}

function why(locale: Locale, facts: AlertFacts, now?: string): string {
  switch (facts.kind) {
    case 'at_risk':
    case 'off_track':
      return t(locale, 'rules.alert.statusWhy', {
        progress: formatPercent(facts.progress),
        expected: formatPercent(facts.expected),
        gap: Math.round((facts.expected - facts.progress) * 100),
        confidence:
          facts.confidence != null ? t(locale, 'rules.alert.confidencePart', { confidence: facts.confidence }) : '',
      });
    case 'drop':
      return t(locale, 'rules.alert.dropWhy', { from: facts.from, to: facts.to, drop: facts.from - facts.to });
    case 'stale':
      return facts.lastCheckInAt
        ? t(locale, 'rules.alert.staleWhy', { days: facts.days, date: formatDate(facts.lastCheckInAt, locale, now) })
        : t(locale, 'rules.alert.staleNever', { days: facts.days });
  }
}

/** The KR's bar with its start, current value and target, as every alert card shows it. */
function progressBlock(kr: AlertKr, facts: AlertFacts, locale: Locale): CardBlock {
  const value = (n: number) => formatValue(n, { kind: kr.kind, unit: kr.unit }, locale);
  return {
    type: 'progress',
    label: kr.number ? `KR${kr.number} ${userText(kr.title)}` : userText(kr.title),
    percent: Math.round(kr.progress * 100),
    status: facts.kind === 'off_track' ? 'off_track' : 'at_risk',
    detail: t(locale, 'card.kr.range', {
      start: value(kr.start),
      current: value(kr.current),
      target: value(kr.target),
    }),
  };
}

/** One-click check-ins for the values the KR takes, each with the command to type instead. */
function quickButtons(kr: AlertKr, locale: Locale): CardButton[] {
  const en = locale === 'en';
  // `KR4 完成` / `KR4 done` on a yes/no KR, never `KR4 0` (issue 18).
  const command = (v: number) =>
    kr.number ? `${en ? 'update ' : ''}${checkinCommand(kr.number, v, kr.kind, locale)}` : undefined;
  return quickValues(kr).map((v) => ({
    text: formatValue(v, { kind: kr.kind, unit: kr.unit }, locale),
    actionId: 'kr.checkin',
    value: { kr: kr.id, value: String(v) },
    command: command(v),
  }));
}

export function buildKrAlertCard(input: KrAlertCardInput): Card {
  const { locale, kr, facts } = input;
  const title =
    facts.kind === 'stale'
      ? t(locale, 'rules.alert.stale', { kr: userText(kr.title), days: facts.days })
      : t(locale, `rules.alert.${facts.kind}`, { kr: userText(kr.title) });
  const blocks: CardBlock[] = [];
  if (input.audience === 'manager')
    blocks.push({ type: 'markdown', text: t(locale, 'rules.alert.managerIntro', { name: userText(input.ownerName) }) });
  blocks.push({ type: 'markdown', text: why(locale, facts, input.now) });
  blocks.push(progressBlock(kr, facts, locale));
  if (input.audience === 'owner' && kr.manual !== false) {
    const buttons = quickButtons(kr, locale);
    if (buttons.length) {
      blocks.push({ type: 'note', text: t(locale, 'rules.alert.quick') });
      blocks.push({ type: 'actions', buttons });
    }
    if (kr.number)
      blocks.push({
        type: 'note',
        text: t(locale, 'rules.alert.hint', {
          command: checkinCommand(kr.number, kr.kind === 'boolean' ? 1 : kr.current, kr.kind, locale),
        }),
      });
  }
  const color = facts.kind === 'off_track' ? 'red' : 'orange';
  return { header: { title, color }, blocks };
}

/** One line of a daily alert card: a KR and why it is on the card. */
export interface AlertItem {
  kr: AlertKr;
  facts: AlertFacts;
  /** The KR owner's name (team items). */
  ownerName?: string;
}

export interface AlertDigestInput {
  locale: Locale;
  personName: string;
  /** Alerts about the reader's own KRs, and about their direct reports' KRs. */
  own: AlertItem[];
  team: AlertItem[];
  now?: string;
}

/** Items shown in full per section; the rest are counted. Keeps the card inside every platform's limits. */
export const ALERT_DIGEST_MAX_ITEMS = 8;

function itemTitle(locale: Locale, item: AlertItem): string {
  const { kr, facts } = item;
  const name = kr.number ? `KR${kr.number} ${userText(kr.title)}` : userText(kr.title);
  return facts.kind === 'stale'
    ? t(locale, 'rules.alert.stale', { kr: name, days: facts.days })
    : t(locale, `rules.alert.${facts.kind}`, { kr: name });
}

/**
 * The one alert card a person gets on a day: every new alert about their own KRs (why, the
 * numbers, quick updates for manual KRs) and, for managers, one line per alert of their team.
 */
export function buildAlertDigestCard(input: AlertDigestInput): Card {
  const { locale, own, team } = input;
  const blocks: CardBlock[] = [];
  const en = locale === 'en';
  const shownOwn = own.slice(0, ALERT_DIGEST_MAX_ITEMS);
  if (own.length) blocks.push({ type: 'markdown', text: t(locale, 'rules.digest.ownIntro', { count: own.length }) });
  for (const item of shownOwn) {
    const { kr, facts } = item;
    blocks.push({ type: 'markdown', text: `**${itemTitle(locale, item)}**\n${why(locale, facts, input.now)}` });
    blocks.push(progressBlock(kr, facts, locale));
    // Only what the KR accepts: a metric-fed or roll-up KR takes no check-in, and a KR without
    // the number chat gives it (another cycle) gets buttons but no "reply KRn" hint.
    if (kr.manual === false) {
      blocks.push({ type: 'note', text: t(locale, 'rules.digest.metricFed') });
      continue;
    }
    const buttons = quickButtons(kr, locale);
    if (buttons.length) blocks.push({ type: 'actions', buttons });
    if (kr.number)
      blocks.push({
        type: 'note',
        text: t(locale, 'rules.alert.hint', {
          command: checkinCommand(kr.number, kr.kind === 'boolean' ? 1 : kr.current, kr.kind, locale),
        }),
      });
  }
  if (own.length > shownOwn.length)
    blocks.push({ type: 'note', text: t(locale, 'rules.digest.more', { count: own.length - shownOwn.length }) });
  if (team.length) {
    if (own.length) blocks.push({ type: 'divider' });
    blocks.push({ type: 'markdown', text: t(locale, 'rules.digest.teamIntro', { count: team.length }) });
    const shown = team.slice(0, ALERT_DIGEST_MAX_ITEMS);
    blocks.push({
      type: 'markdown',
      text: shown
        .map(
          (item) =>
            `- ${userText(item.ownerName ?? '')}${en ? ': ' : '：'}${itemTitle(locale, { ...item, kr: { ...item.kr, number: undefined } })}`,
        )
        .join('\n'),
    });
    if (team.length > shown.length)
      blocks.push({ type: 'note', text: t(locale, 'rules.digest.more', { count: team.length - shown.length }) });
  }
  const worst = [...own, ...team].some((i) => i.facts.kind === 'off_track') ? 'red' : 'orange';
  return {
    header: { title: t(locale, 'rules.digest.title', { name: userText(input.personName) }), color: worst },
    blocks,
  };
}
