// The card for one KR: where it stands, and one-click updates (quick values,
// confidence, a change request). Sent after "KR1 45", after a reminder, and
// when someone opens a KR from the "my OKRs" card.
import { t, type Locale } from '../core/i18n';
import { formatNumber, formatRelative, formatValue } from '../core/format';
import { statusColor, userText, type Card, type CardBlock, type CardButton } from './model';
import { isManual, krPercent, type KrView, type PersonView } from './view';

export interface JustCheckedIn {
  previous: number;
  value: number;
  confidence?: number | null;
  note?: string | null;
}

export interface KrProgressCardInput {
  person: PersonView;
  kr: KrView;
  objectiveTitle: string;
  justCheckedIn?: JustCheckedIn;
  /** ISO timestamp for "3 天前"; without it dates are shown. */
  now?: string;
}

export const CONFIDENCE_CHOICES = [3, 5, 7, 9] as const;

export function buildKrProgressCard(input: KrProgressCardInput): Card {
  const { person, kr, objectiveTitle, justCheckedIn, now } = input;
  const lang = person.locale;
  const value = (n: number) => formatValue(n, kr, lang);
  const blocks: CardBlock[] = [];

  if (justCheckedIn) {
    let text = t(lang, 'card.kr.justRecorded', {
      previous: value(justCheckedIn.previous),
      value: value(justCheckedIn.value),
    });
    if (justCheckedIn.confidence != null)
      text += ` · ${t(lang, 'checkin.confidence', { confidence: justCheckedIn.confidence })}`;
    if (justCheckedIn.note) text += `\n${t(lang, 'checkin.note', { note: userText(justCheckedIn.note) })}`;
    blocks.push({ type: 'markdown', text });
  }

  blocks.push({
    type: 'progress',
    label: t(lang, 'card.kr', { number: kr.number, title: userText(kr.title) }),
    percent: krPercent(kr),
    status: kr.status,
    detail:
      kr.kind === 'boolean'
        ? value(kr.current)
        : t(lang, 'card.kr.range', { start: value(kr.start), current: value(kr.current), target: value(kr.target) }),
  });
  blocks.push({
    type: 'fields',
    fields: [
      { label: t(lang, 'card.kr.status'), value: t(lang, `status.${kr.status}`) },
      {
        label: t(lang, 'card.kr.confidence'),
        value: kr.confidence != null ? t(lang, 'card.kr.confidenceOutOf', { confidence: kr.confidence }) : '—',
      },
      {
        label: t(lang, 'card.kr.lastCheckIn'),
        value: kr.lastCheckInAt ? formatRelative(kr.lastCheckInAt, now, lang) : t(lang, 'card.neverCheckedIn'),
      },
    ],
  });

  const manual = isManual(kr);
  if (!manual) {
    blocks.push({
      type: 'note',
      text: t(lang, kr.progressMode === 'metric' ? 'card.kr.metricSynced' : 'card.kr.childrenRollup'),
    });
  } else {
    const quick = quickValues(kr).map(
      (v): CardButton => ({
        text: value(v),
        actionId: 'kr.checkin',
        value: { kr: kr.id, value: String(v) },
        style: v === kr.target ? 'primary' : 'default',
        command: checkinCommand(kr.number, v, kr.kind, lang),
      }),
    );
    if (quick.length) blocks.push({ type: 'actions', buttons: quick });
  }

  blocks.push({
    type: 'actions',
    buttons: CONFIDENCE_CHOICES.map(
      (c): CardButton => ({
        text: `${t(lang, 'card.kr.setConfidence')} ${c}`,
        actionId: 'kr.confidence',
        value: { kr: kr.id, confidence: String(c) },
        style: kr.confidence === c ? 'primary' : 'default',
        // A check-in with the unchanged value carries the new confidence.
        ...(manual
          ? {
              command: `${checkinCommand(kr.number, kr.current, kr.kind, lang)} ${lang === 'en' ? 'confidence' : '信心'} ${c}`,
            }
          : {}),
      }),
    ),
  });
  blocks.push({
    type: 'actions',
    buttons: [
      {
        text: t(lang, 'card.kr.adjust'),
        actionId: 'kr.adjust',
        value: { kr: kr.id },
        command: adjustCommand(kr.number, lang),
      },
    ],
  });

  if (manual) {
    const example = `${checkinCommand(kr.number, quickValues(kr)[0] ?? kr.current, kr.kind, lang)} ${lang === 'en' ? 'confidence' : '信心'} 7`;
    blocks.push({ type: 'note', text: t(lang, 'card.kr.replyHint', { example }) });
  }

  return {
    header: {
      title: t(lang, 'card.kr', { number: kr.number, title: userText(kr.title) }),
      subtitle: objectiveTitle === undefined ? undefined : userText(objectiveTitle),
      color: statusColor(kr.status),
    },
    blocks,
  };
}

/** The text command for a check-in: `KR1 45`, `KR2 完成` / `KR2 done`. */
export function checkinCommand(number: number, v: number, kind: KrView['kind'], lang: Locale): string {
  if (kind === 'boolean') {
    const word = v >= 1 ? (lang === 'en' ? 'done' : '完成') : lang === 'en' ? 'not done' : '未完成';
    return `KR${number} ${word}`;
  }
  return `KR${number} ${formatNumber(v, 6).replace(/,/g, '')}`;
}

function adjustCommand(number: number, lang: Locale): string {
  return lang === 'en'
    ? `adjust KR${number} target <new target> because <reason>`
    : `调整 KR${number} 目标 <新目标> 原因 <原因>`;
}

/**
 * Up to three likely next values, in the KR's direction:
 * - boolean: done (1) and not done (0);
 * - milestone: one more milestone, and all of them;
 * - number / percent / currency: one and two "nice" steps (a tenth of start→target,
 *   rounded to 1, 2 or 5 × 10ⁿ, at least 1 for whole-number KRs) from the current value,
 *   and the target itself;
 *   once the target is reached, one to three steps beyond it.
 */
export function quickValues(kr: Pick<KrView, 'kind' | 'start' | 'target' | 'current'>): number[] {
  const { kind, start, target, current } = kr;
  if (kind === 'boolean') return [1, 0];
  if (kind === 'milestone') {
    const next = Math.trunc(current) + 1;
    return unique(next < target ? [next, target] : [next]);
  }
  const span = target - start;
  if (span === 0 || !Number.isFinite(span)) return [];
  // Whole-number KRs (counts) move in whole steps even when the span is short.
  const whole = [start, target, current].every(Number.isInteger);
  const size = niceStep(Math.abs(span) / 10);
  const step = (whole ? Math.max(1, size) : size) * Math.sign(span);
  const digits = decimalsOf(step);
  const round = (n: number) => Number(n.toFixed(digits));
  const reached = span > 0 ? current >= target : current <= target;
  const beyondTarget = (n: number) => (span > 0 ? n > target : n < target);
  const candidates = reached
    ? [1, 2, 3].map((k) => round(current + k * step))
    : [round(current + step), round(current + 2 * step), target].map((n) => (beyondTarget(n) ? target : n));
  return unique(candidates.filter((n) => n !== current));
}

function niceStep(x: number): number {
  if (!(x > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(x));
  const f = x / magnitude;
  const nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nice * magnitude;
}

function decimalsOf(step: number): number {
  const abs = Math.abs(step);
  return abs >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(abs) - 1e-9));
}

function unique(ns: number[]): number[] {
  return [...new Set(ns)];
}
