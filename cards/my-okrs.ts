// The "my OKRs" card: every objective of the sender in the current cycle with
// its KRs numbered KR1, KR2, … in display order (the numbers chat commands use).
import { t } from '../core/i18n';
import { formatPercent, formatRelative, formatValue } from '../core/format';
import { checkinCommand, quickValues } from './kr-progress';
import { statusColor, userText, worstStatus, type Card, type CardBlock } from './model';
import { isManual, krPercent, type CycleView, type KrView, type ObjectiveView, type PersonView } from './view';

export interface MyOkrsCardInput {
  person: PersonView;
  cycle: CycleView;
  objectives: ObjectiveView[];
  /** ISO timestamp for "3 天前"; without it dates are shown. */
  now?: string;
  /** Someone else's OKRs (a manager's `查看 <name>`): no update buttons or reply hints. */
  readOnly?: boolean;
}

/**
 * One "更新 KR<n>" button per KR while they fit (WeCom shows at most 6 buttons and
 * a long row helps nobody); beyond that the reply hint does the job.
 */
export const MAX_KR_BUTTONS = 5;

export function buildMyOkrsCard({ person, cycle, objectives, now, readOnly }: MyOkrsCardInput): Card {
  const lang = person.locale;
  const overall = objectives.length ? objectives.reduce((sum, o) => sum + o.progress, 0) / objectives.length : 0;
  const header = {
    title: t(lang, 'card.myOkrs.title', { name: userText(person.name) }),
    subtitle: t(lang, 'card.myOkrs.subtitle', { cycle: userText(cycle.name), progress: formatPercent(overall) }),
    color: statusColor(worstStatus(objectives.map((o) => o.status))),
  };

  if (!objectives.length && readOnly) {
    return {
      header: { ...header, color: 'blue' },
      blocks: [{ type: 'markdown', text: t(lang, 'card.myOkrs.emptyOther', { cycle: cycle.name, name: person.name }) }],
    };
  }
  if (!objectives.length) {
    return {
      header: { ...header, color: 'blue' },
      blocks: [
        {
          type: 'markdown',
          text: `${t(lang, 'card.myOkrs.empty', { cycle: userText(cycle.name) })}\n${t(lang, 'card.myOkrs.emptyHint')}`,
        },
        {
          type: 'actions',
          buttons: [
            {
              text: t(lang, 'card.newObjective'),
              actionId: 'objective.new',
              value: {},
              style: 'primary',
              command: lang === 'en' ? 'new objective' : '新目标',
            },
          ],
        },
      ],
    };
  }

  const blocks: CardBlock[] = [];
  objectives.forEach((objective, index) => {
    if (index > 0) blocks.push({ type: 'divider' });
    const lines = [
      `**${t(lang, 'card.objective', { number: index + 1, title: userText(objective.title) })}**`,
      objective.pending
        ? t(lang, 'card.myOkrs.pending')
        : `${t(lang, `status.${objective.status}`)} · ${formatPercent(objective.progress)}`,
    ];
    if (objective.cycleName) lines.push(t(lang, 'card.objectiveCycle', { cycle: userText(objective.cycleName) }));
    if (objective.parentTitle) lines.push(t(lang, 'card.aligned', { title: userText(objective.parentTitle) }));
    blocks.push({ type: 'markdown', text: lines.join('\n') });
    for (const kr of objective.keyResults) {
      blocks.push({
        type: 'progress',
        label: t(lang, 'card.kr', { number: kr.number, title: userText(kr.title) }),
        percent: krPercent(kr),
        status: kr.status,
        detail: krDetail(kr, lang, now),
      });
    }
  });

  if (readOnly) return { header, blocks };
  const krs = objectives.flatMap((o) => o.keyResults);
  if (krs.length > 0 && krs.length <= MAX_KR_BUTTONS) {
    blocks.push({
      type: 'actions',
      buttons: krs.map((kr) => ({
        text: t(lang, 'card.updateKr', { number: kr.number }),
        actionId: 'kr.open',
        value: { kr: kr.id },
      })),
    });
  }
  // Only a KR that takes check-ins makes an example: a roll-up or metric KR would refuse it.
  const sample = krs.find(isManual);
  if (sample) {
    const confidence = lang === 'en' ? 'confidence' : '信心';
    const example = `${checkinCommand(sample.number, quickValues(sample)[0] ?? sample.current, sample.kind, lang)} ${confidence} 7`;
    blocks.push({ type: 'note', text: t(lang, 'card.myOkrs.hint', { example }) });
  }
  return { header, blocks };
}

/** `35次 / 50次 · 信心 7 · 3 天前` */
function krDetail(kr: KrView, lang: PersonView['locale'], now: string | undefined): string {
  const parts = [
    kr.kind === 'boolean'
      ? formatValue(kr.current, kr, lang)
      : t(lang, 'card.krDetail', {
          current: formatValue(kr.current, kr, lang),
          target: formatValue(kr.target, kr, lang),
        }),
  ];
  if (kr.confidence != null) parts.push(t(lang, 'card.confidence', { confidence: kr.confidence }));
  parts.push(
    kr.lastCheckInAt
      ? t(lang, 'card.lastCheckIn', { when: formatRelative(kr.lastCheckInAt, now, lang) })
      : t(lang, 'card.neverCheckedIn'),
  );
  return parts.join(' · ');
}
