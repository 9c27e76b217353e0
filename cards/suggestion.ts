// The card a rule's subject gets: what the numbers say, and the improvement
// suggestion the admin wrote on the rule.
import { t, type Locale } from '../core/i18n';
import { conditionText, localName, valuesText, type ConditionFacts } from '../core/rules/describe';
import { userText, type Card, type CardBlock } from './model';

export interface SuggestionCardInput {
  locale: Locale;
  personName: string;
  ruleName: string;
  condition: ConditionFacts;
  values: { period: string; value: number }[];
  /** The rule's suggestion in the reader's language; a gentle default otherwise. */
  suggestion?: string;
}

export function buildSuggestionCard(input: SuggestionCardInput): Card {
  const { locale } = input;
  const blocks: CardBlock[] = [
    {
      type: 'markdown',
      text: t(locale, 'rules.suggestion.intro', {
        name: userText(input.personName),
        condition: conditionText(locale, input.condition),
        values: valuesText(locale, input.condition.period, input.values),
      }),
    },
    {
      type: 'markdown',
      text: `${t(locale, 'rules.suggestion.heading')}\n${input.suggestion ? userText(input.suggestion) : t(locale, 'rules.suggestion.default')}`,
    },
    { type: 'note', text: t(locale, 'rules.suggestion.footer') },
  ];
  return {
    header: {
      title: t(locale, 'rules.suggestion.title', { rule: userText(localName(locale, input.ruleName)) }),
      color: 'orange',
    },
    blocks,
  };
}

export interface CheckInTaskCardInput {
  locale: Locale;
  personName: string;
  ruleName: string;
  condition: ConditionFacts;
}

/** "Open a check-in task": a nudge to update OKRs, with the commands to do it. */
export function buildCheckInTaskCard(input: CheckInTaskCardInput): Card {
  const { locale } = input;
  const en = locale === 'en';
  return {
    header: { title: t(locale, 'rules.checkin.title'), color: 'blue' },
    blocks: [
      {
        type: 'markdown',
        text: t(locale, 'rules.checkin.body', {
          name: userText(input.personName),
          rule: userText(localName(locale, input.ruleName)),
          condition: conditionText(locale, input.condition),
        }),
      },
      {
        type: 'actions',
        buttons: [
          {
            text: t(locale, 'help.myOkrsButton'),
            actionId: 'okrs.mine',
            value: {},
            style: 'primary',
            command: en ? 'my okrs' : '我的OKR',
          },
        ],
      },
    ],
  };
}
