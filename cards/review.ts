// Performance review cards (docs/review.md): the person's self-assessment card, the
// manager's team calibration card and the appeal card for its decider. Every name,
// title, note and reason is user text, wrapped with userText() for the renderers.
import { t, type Locale } from '../core/i18n';
import { SCALES, toScale } from '../core/okr/review';
import type { ReviewScale } from '../core/types';
import { userText, type Card, type CardBlock, type CardButton } from './model';

export interface SelfCardObjective {
  number: number;
  title: string;
  computedScore: number;
  selfScore: number | null;
  note: string | null;
}

export interface SelfCardView {
  locale: Locale;
  reviewId: string;
  cycleName: string;
  personName: string;
  due: string | null;
  scale: ReviewScale;
  objectives: SelfCardObjective[];
  retrospective: string | null;
  selfScore: number | null;
  calibrated?: { score: number; by: string } | null;
  countsForAppraisal: boolean;
  /** Closed cycles: the final score, and no buttons. */
  closedFinal?: number | null;
  /** Unfinished KRs that may be carried into the next cycle (src/review/carry.ts). */
  carry?: SelfCardCarry[];
}

export interface SelfCardCarry {
  id: string;
  number: number;
  title: string;
  progress: number;
  /** The next cycle's name once carried. */
  carriedTo: string | null;
}

/** Carry buttons on one card; further KRs are carried by typing `延续 KRn`. */
const MAX_CARRY_BUTTONS = 5;

/** "Carry into the next cycle": a button per unfinished KR not carried yet, and the KRs already carried. */
function carryBlocks(view: SelfCardView): CardBlock[] {
  const { locale } = view;
  const lines = view.carry ?? [];
  if (!lines.length) return [];
  const blocks: CardBlock[] = [{ type: 'divider' }, { type: 'markdown', text: t(locale, 'review.carry.section') }];
  const done = lines.filter((l) => l.carriedTo);
  for (const l of done)
    blocks.push({
      type: 'note',
      text: t(locale, 'review.carry.done', {
        number: l.number,
        title: userText(l.title),
        cycle: userText(l.carriedTo ?? ''),
      }),
    });
  const open = lines.filter((l) => !l.carriedTo);
  if (!open.length) return blocks;
  blocks.push({
    type: 'actions',
    buttons: open.slice(0, MAX_CARRY_BUTTONS).map((l) => ({
      text: t(locale, 'review.carry.button', {
        number: l.number,
        title: userText(l.title.length > 16 ? `${l.title.slice(0, 15)}…` : l.title),
        progress: Math.round(l.progress * 100),
      }),
      actionId: 'rv.carry',
      value: { rv: view.reviewId, kr: l.id },
      command: `${locale === 'en' ? 'carry' : '延续'} KR${l.number}`,
    })),
  });
  blocks.push({ type: 'note', text: t(locale, 'review.carry.typed', { number: open[0].number }) });
  return blocks;
}

const step = (scale: ReviewScale) => SCALES[scale].step / SCALES[scale].max;
const clamp01 = (n: number) => Math.min(1, Math.max(0, Math.round(n * 100) / 100));

export function buildSelfAssessmentCard(view: SelfCardView): Card {
  const { locale, scale } = view;
  const closed = view.closedFinal !== undefined;
  const blocks: CardBlock[] = [];
  if (!view.countsForAppraisal) blocks.push({ type: 'note', text: t(locale, 'review.card.observation') });
  if (!closed) blocks.push({ type: 'markdown', text: t(locale, 'review.card.intro', { scale: SCALES[scale].label }) });
  for (const o of view.objectives) {
    blocks.push({ type: 'divider' });
    blocks.push({
      type: 'markdown',
      text: t(locale, 'review.card.objective', { number: o.number, title: userText(o.title) }),
    });
    const fields = [
      { label: t(locale, 'review.card.computed'), value: toScale(o.computedScore, scale) },
      { label: t(locale, 'review.card.self'), value: toScale(o.selfScore, scale) },
    ];
    if (o.note) fields.push({ label: t(locale, 'review.card.note'), value: userText(o.note) });
    blocks.push({ type: 'fields', fields });
    if (closed) continue;
    const pick = (score: number, key: 'review.card.accept' | 'review.card.pick'): CardButton => ({
      text: t(locale, key, { score: toScale(score, scale) }),
      actionId: 'rv.self',
      value: { rv: view.reviewId, o: String(o.number), s: String(score) },
      command: `${locale === 'en' ? 'self-score' : '自评'} O${o.number} ${toScale(score, scale)}`,
      ...(key === 'review.card.accept' ? { style: 'primary' as const } : {}),
    });
    const buttons = [pick(o.computedScore, 'review.card.accept')];
    for (const other of [o.computedScore - step(scale), o.computedScore + step(scale)].map(clamp01))
      if (other !== o.computedScore) buttons.push(pick(other, 'review.card.pick'));
    blocks.push({ type: 'actions', buttons });
    blocks.push({
      type: 'note',
      text: t(locale, 'review.card.typed', { number: o.number, score: toScale(o.computedScore, scale) }),
    });
  }
  blocks.push(...carryBlocks(view));
  blocks.push({ type: 'divider' });
  if (view.retrospective)
    blocks.push({ type: 'markdown', text: t(locale, 'review.card.retro', { text: userText(view.retrospective) }) });
  else if (!closed) blocks.push({ type: 'note', text: t(locale, 'review.card.retroAsk') });
  if (view.selfScore != null && !closed)
    blocks.push({ type: 'markdown', text: t(locale, 'review.card.done', { score: toScale(view.selfScore, scale) }) });
  if (view.calibrated)
    blocks.push({
      type: 'markdown',
      text: t(locale, 'review.card.calibrated', {
        score: toScale(view.calibrated.score, scale),
        by: userText(view.calibrated.by),
      }),
    });
  if (closed)
    blocks.push({
      type: 'markdown',
      text: `**${t(locale, 'review.card.closed', { score: toScale(view.closedFinal ?? null, scale) })}**`,
    });
  return {
    header: {
      title: t(locale, 'review.card.title', { cycle: userText(view.cycleName) }),
      subtitle: t(locale, 'review.card.subtitle', { name: userText(view.personName), due: view.due ?? '—' }),
      color: closed ? 'grey' : view.selfScore != null ? 'green' : 'blue',
    },
    blocks,
  };
}

export interface CalibrationLine {
  reviewId: string;
  name: string;
  computedScore: number;
  selfScore: number | null;
  calibratedScore: number | null;
  flags: string[];
}

export interface CalibrationCardView {
  locale: Locale;
  cycleId: string;
  cycleName: string;
  managerName: string;
  due: string | null;
  scale: ReviewScale;
  lines: CalibrationLine[];
  delegatedFrom?: string | null;
  closed?: boolean;
}

export function buildCalibrationCard(view: CalibrationCardView): Card {
  const { locale, scale } = view;
  const blocks: CardBlock[] = [];
  if (view.delegatedFrom)
    blocks.push({
      type: 'note',
      text: t(locale, 'review.calib.delegatedFrom', { name: userText(view.delegatedFrom) }),
    });
  const open: CardButton[] = [];
  for (const line of view.lines) {
    blocks.push({
      type: 'markdown',
      text: t(locale, 'review.calib.line', {
        name: userText(line.name),
        computed: toScale(line.computedScore, scale),
        self: line.selfScore == null ? t(locale, 'review.calib.pendingSelf') : toScale(line.selfScore, scale),
        calibrated: toScale(line.calibratedScore, scale),
      }),
    });
    if (line.flags.length)
      blocks.push({ type: 'note', text: t(locale, 'review.calib.flags', { flags: userText(line.flags.join(', ')) }) });
    if (line.calibratedScore == null && !view.closed)
      open.push({
        text: t(locale, 'review.calib.confirm', { name: userText(line.name) }),
        actionId: 'rv.confirm',
        value: { rv: line.reviewId },
      });
  }
  if (open.length) {
    blocks.push({ type: 'divider' });
    blocks.push({
      type: 'actions',
      buttons: [
        {
          text: t(locale, 'review.calib.confirmAll'),
          actionId: 'rv.confirmAll',
          value: { c: view.cycleId },
          style: 'primary',
          command: locale === 'en' ? 'calibrate' : '校准',
        },
        ...open.slice(0, 5),
      ],
    });
  }
  if (!view.closed)
    blocks.push({
      type: 'note',
      text: t(locale, 'review.calib.typed', { name: userText(view.lines[0]?.name ?? '张三') }),
    });
  return {
    header: {
      title: t(locale, 'review.calib.title', { cycle: userText(view.cycleName) }),
      subtitle: t(locale, 'review.calib.subtitle', { name: userText(view.managerName), due: view.due ?? '—' }),
      color: view.closed ? 'grey' : open.length ? 'blue' : 'green',
    },
    blocks,
  };
}

export interface AppealCardView {
  locale: Locale;
  reviewId: string;
  cycleName: string;
  personName: string;
  reason: string;
  scale: ReviewScale;
  computedScore: number;
  selfScore: number | null;
  calibratedScore: number | null;
  calibratedBy: string | null;
  /** Decided: the outcome line, and no buttons. */
  outcome?: { status: 'upheld' | 'granted'; by: string } | null;
}

export function buildAppealCard(view: AppealCardView): Card {
  const { locale, scale } = view;
  const blocks: CardBlock[] = [
    {
      type: 'fields',
      fields: [
        { label: t(locale, 'review.appeal.reason'), value: userText(view.reason) },
        {
          label: t(locale, 'review.card.self'),
          value: t(locale, 'review.appeal.scores', {
            computed: toScale(view.computedScore, scale),
            self: toScale(view.selfScore, scale),
            calibrated: toScale(view.calibratedScore, scale),
            by: userText(view.calibratedBy ?? '—'),
          }),
        },
      ],
    },
  ];
  if (view.outcome) {
    blocks.push({ type: 'divider' });
    blocks.push({
      type: 'markdown',
      text: `**${t(locale, view.outcome.status === 'upheld' ? 'review.appeal.upheld' : 'review.appeal.granted', { name: userText(view.outcome.by) })}**`,
    });
  } else {
    blocks.push({
      type: 'actions',
      buttons: [
        { text: t(locale, 'review.appeal.uphold'), actionId: 'rv.appeal', value: { rv: view.reviewId, d: 'uphold' } },
        {
          text: t(locale, 'review.appeal.grant'),
          actionId: 'rv.appeal',
          value: { rv: view.reviewId, d: 'grant' },
          style: 'primary',
        },
      ],
    });
  }
  return {
    header: {
      title: t(locale, 'review.appeal.title', { cycle: userText(view.cycleName) }),
      subtitle: t(locale, 'review.appeal.subtitle', { name: userText(view.personName) }),
      color: view.outcome ? 'grey' : 'orange',
    },
    blocks,
  };
}
