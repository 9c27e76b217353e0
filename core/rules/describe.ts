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

/**
 * Display names of well-known metric keys. A key not listed is shown with its underscores as
 * spaces (`home_visits` → "home visits"); a name the admin writes into a rule is never rewritten.
 */
export const METRIC_NAMES: Record<string, { 'zh-CN': string; en: string }> = {
  feedback_score: { 'zh-CN': '课堂反馈评分', en: 'feedback score' },
  renewal_rate: { 'zh-CN': '续费率', en: 'renewal rate' },
  attendance_rate: { 'zh-CN': '出勤率', en: 'attendance rate' },
  homework_rate: { 'zh-CN': '作业提交率', en: 'homework submission rate' },
  satisfaction: { 'zh-CN': '满意度', en: 'satisfaction' },
  nps: { 'zh-CN': '净推荐值', en: 'NPS' },
  complaints: { 'zh-CN': '投诉次数', en: 'complaints' },
};

export function metricName(locale: Locale, key: string): string {
  return METRIC_NAMES[key]?.[locale] ?? key.replace(/_/g, ' ');
}

/**
 * One name per reader: a rule named "中文名 / English name" (as the built-in and demo rules are)
 * shows the side in the reader's language; any other name is shown as written.
 */
export function localName(locale: Locale, name: string): string {
  const parts = name.split(' / ');
  if (parts.length !== 2) return name;
  const cjk = /[\u4e00-\u9fff]/;
  const [zh, en] = cjk.test(parts[0]) && !cjk.test(parts[1]) ? parts : cjk.test(parts[1]) ? [parts[1], parts[0]] : [];
  if (!zh || !en) return name;
  return (locale === 'en' ? en : zh).trim();
}

export function conditionText(locale: Locale, c: ConditionFacts): string {
  return t(locale, 'rules.condition', {
    metric: metricName(locale, c.metric),
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
