// The low-score escalation card: who, the metric's recent trend, the rule, and
// "我来跟进 / I'll follow up" and "安排辅导 / Schedule coaching". The same
// builder draws the acknowledged and resolved states, so every copy of the card
// (the coach's, the manager's, on each platform) can be updated to match.
import { formatRelative } from '../core/format';
import { t, type Locale } from '../core/i18n';
import { conditionText, localName, valuesText, type ConditionFacts } from '../core/rules/describe';
import { userText, type Card, type CardBlock } from './model';

export const ESCALATION_ACTIONS = { followUp: 'esc.follow', schedule: 'esc.coach' } as const;

export interface EscalationCardInput {
  locale: Locale;
  firingId: string;
  personName: string;
  personTitle?: string | null;
  coachName?: string | null;
  ruleName: string;
  condition: ConditionFacts;
  trend: { period: string; value: number }[];
  /** Consecutive periods, up to the latest, that met the condition (≥ the rule's `consecutive`). */
  run?: number;
  /** Set once the coach's manager was brought in (days the coach had). */
  escalatedAfterDays?: number;
  acknowledged?: { byName: string; at: string; action: 'follow_up' | 'coaching' };
  resolved?: boolean;
  observe?: boolean;
  now?: string;
}

export function buildEscalationCard(input: EscalationCardInput): Card {
  const { locale } = input;
  const personName = userText(input.personName);
  const title = input.escalatedAfterDays
    ? t(locale, 'rules.escalation.titleEscalated', { name: personName, days: input.escalatedAfterDays })
    : t(locale, 'rules.escalation.title', { name: personName });
  const fields = [
    {
      label: t(locale, 'rules.escalation.person'),
      value: input.personTitle ? `${personName}（${userText(input.personTitle)}）` : personName,
    },
    ...(input.coachName ? [{ label: t(locale, 'rules.escalation.coach'), value: userText(input.coachName) }] : []),
    { label: t(locale, 'rules.escalation.rule'), value: userText(localName(locale, input.ruleName)) },
  ];
  const blocks: CardBlock[] = [
    {
      type: 'markdown',
      text: t(locale, 'rules.escalation.body', {
        name: personName,
        // What the trend shows ("6 weeks below"), not only the rule's minimum.
        condition: conditionText(locale, {
          ...input.condition,
          consecutive: Math.max(input.condition.consecutive, input.run ?? 0),
        }),
      }),
    },
    { type: 'fields', fields },
    {
      type: 'markdown',
      text: `**${t(locale, 'rules.escalation.trend')}**\n${valuesText(locale, input.condition.period, input.trend)}`,
    },
  ];
  if (input.observe) blocks.push({ type: 'note', text: t(locale, 'rules.observeNote') });
  const ack = input.acknowledged;
  if (ack) {
    const key = ack.action === 'coaching' ? 'rules.escalation.scheduled' : 'rules.escalation.followedUp';
    blocks.push({
      type: 'note',
      text: t(locale, key, { name: userText(ack.byName), time: formatRelative(ack.at, input.now, locale) }),
    });
  }
  if (input.resolved) blocks.push({ type: 'note', text: t(locale, 'rules.escalation.resolved') });
  if (!input.resolved && ack?.action !== 'coaching') {
    const value = { f: input.firingId };
    const buttons = [];
    if (!ack)
      buttons.push({
        text: t(locale, 'rules.escalation.followUp'),
        actionId: ESCALATION_ACTIONS.followUp,
        value,
        style: 'primary' as const,
      });
    buttons.push({ text: t(locale, 'rules.escalation.schedule'), actionId: ESCALATION_ACTIONS.schedule, value });
    blocks.push({ type: 'actions', buttons });
  }
  const color = input.resolved || ack ? 'green' : input.escalatedAfterDays ? 'red' : 'orange';
  return { header: { title, color }, blocks };
}
