// Cards of the guided "new objective" conversation: the choice of the parent KR
// (one button per candidate, the manager's and team's first, then the
// company's) and the final confirmation. Buttons carry the conversation's
// token (`conv`) so a click on a card from an older conversation is recognised.
import { t, type Locale } from '../core/i18n';
import { userText, type Card, type CardButton } from './model';

export interface AlignmentOption {
  krId: string;
  title: string;
  /** Whose KR it is, already in words ("王经理", "教学部", "公司"). */
  owner: string;
}

export function buildAlignmentPickerCard(input: {
  locale: Locale;
  conv: string;
  objectiveTitle: string;
  options: AlignmentOption[];
}): Card {
  const { locale, conv } = input;
  const lines = input.options.map((o, i) =>
    t(locale, 'newObjective.alignmentOption', { index: i + 1, title: userText(o.title), owner: userText(o.owner) }),
  );
  const buttons: CardButton[] = input.options.map((o, i) => ({
    text: `${i + 1}. ${userText(shorten(o.title, 24))}`,
    actionId: 'obj.align',
    value: { conv, kr: o.krId },
  }));
  buttons.push({
    text: `0. ${t(locale, 'newObjective.noAlignment')}`,
    actionId: 'obj.align',
    value: { conv, kr: 'none' },
  });
  return {
    header: { title: t(locale, 'newObjective.alignTitle'), subtitle: userText(input.objectiveTitle), color: 'blue' },
    blocks: [
      { type: 'markdown', text: t(locale, 'newObjective.askAlignment', { options: lines.join('\n') }) },
      { type: 'actions', buttons },
    ],
  };
}

export function buildObjectiveConfirmCard(input: {
  locale: Locale;
  conv: string;
  title: string;
  /** One line per KR, as the person typed it (shown literally). */
  krs: string[];
  /** Trusted text: the caller wraps the parent KR's title and owner in userText(). */
  alignment: string;
}): Card {
  const { locale, conv } = input;
  return {
    header: { title: t(locale, 'newObjective.confirmTitle'), subtitle: userText(input.title), color: 'blue' },
    blocks: [
      {
        type: 'markdown',
        text: t(locale, 'newObjective.confirm', {
          title: userText(input.title),
          krs: input.krs.map((kr) => userText(kr)).join('\n'),
          alignment: input.alignment,
        }),
      },
      {
        type: 'actions',
        buttons: [
          { text: t(locale, 'newObjective.create'), actionId: 'obj.confirm', value: { conv }, style: 'primary' },
          { text: t(locale, 'newObjective.cancel'), actionId: 'obj.cancel', value: { conv } },
        ],
      },
    ],
  };
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
