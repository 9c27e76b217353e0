// Rules in words, for cards: "课堂反馈评分 连续 2 周低于 4.5" and the values behind it.
import { formatDate, formatNumber } from '../format';
import { t, type Locale, type MessageKey } from '../i18n';
import type { Operator, Period } from './definition';

const OP_KEYS: Record<Operator, MessageKey> = {
  '<': 'rules.op.lt',
  '<=': 'rules.op.le',
  '>': 'rules.op.gt',
  '>=': 'rules.op.ge',
  '==': 'rules.op.eq',
  '!=': 'rules.op.ne',
};

export interface ConditionFacts {
  metric: string;
  period: Period;
  consecutive: number;
  op: Operator;
  threshold: number;
}

export function conditionText(locale: Locale, c: ConditionFacts): string {
  return t(locale, 'rules.condition', {
    metric: c.metric,
    count: c.consecutive,
    unit: t(locale, `rules.unit.${c.period}` as MessageKey),
    op: t(locale, OP_KEYS[c.op]),
    threshold: formatNumber(c.threshold),
  });
}

/** A period key as a label: a day or a week's Monday as a date, a month as 2026-11. */
export function periodLabel(locale: Locale, period: Period, key: string): string {
  return period === 'month' ? key : formatDate(key, locale);
}

/** `11月16日 4.2 · 11月23日 4.3`. */
export function valuesText(locale: Locale, period: Period, values: { period: string; value: number }[]): string {
  return values.map((v) => `${periodLabel(locale, period, v.period)} ${formatNumber(v.value)}`).join(' · ');
}
