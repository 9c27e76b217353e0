import { describe, expect, it } from 'vitest';
import { formatDate, formatNumber, formatPercent, formatRelative, formatValue, progressBar } from '../core/format';

describe('formatNumber', () => {
  it.each([
    [12000, '12,000'],
    [1234567.891, '1,234,567.89'],
    [3.5, '3.5'],
    [3.456, '3.46'],
    [0, '0'],
    [-0, '0'],
    [-1200.5, '-1,200.5'],
    [0.1 + 0.2, '0.3'],
    [Number.NaN, '—'],
    [Infinity, '—'],
  ])('%d → %s', (n, expected) => {
    expect(formatNumber(n)).toBe(expected);
  });
});

describe('formatPercent', () => {
  it('rounds a ratio to a whole percent', () => {
    expect(formatPercent(0.456)).toBe('46%');
    expect(formatPercent(1.2)).toBe('120%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(Number.NaN)).toBe('—');
  });
});

describe('formatValue', () => {
  it.each([
    [45, { kind: 'percent', unit: '%' }, 'zh-CN', '45%'],
    [45.5, { kind: 'percent' }, 'en', '45.5%'],
    [12000, { kind: 'currency', unit: '元' }, 'zh-CN', '1.2万元'],
    [12000, { kind: 'currency', unit: '元' }, 'en', '¥12,000'],
    [5000, { kind: 'currency', unit: '元' }, 'zh-CN', '5,000元'],
    [1200, { kind: 'currency', unit: '$' }, 'zh-CN', '$1,200'],
    [-1200, { kind: 'currency', unit: '$' }, 'en', '-$1,200'],
    [4.7, { kind: 'number', unit: '分' }, 'zh-CN', '4.7分'],
    [20, { kind: 'number', unit: '次' }, 'en', '20次'],
    [20, { kind: 'number', unit: 'visits' }, 'en', '20 visits'],
    [20, { kind: 'number', unit: null }, 'en', '20'],
    [1_200_000, { kind: 'number' }, 'zh-CN', '120万'],
    [1_200_000, { kind: 'number' }, 'en', '1,200,000'],
    [99_999, { kind: 'number' }, 'zh-CN', '99,999'],
    [1, { kind: 'boolean' }, 'zh-CN', '完成'],
    [0, { kind: 'boolean' }, 'zh-CN', '未完成'],
    [1, { kind: 'boolean' }, 'en', 'Done'],
    [3, { kind: 'milestone', unit: '个里程碑' }, 'zh-CN', '3个里程碑'],
  ] as const)('%d %j %s → %s', (value, shape, locale, expected) => {
    expect(formatValue(value, shape, locale)).toBe(expected);
  });

  it('also takes (value, unit, kind, locale)', () => {
    expect(formatValue(20, '次', 'number', 'zh-CN')).toBe('20次');
    expect(formatValue(12000, '元', 'currency', 'en')).toBe('¥12,000');
    expect(formatValue(1, null, 'boolean', 'en')).toBe('Done');
  });
});

describe('dates', () => {
  const now = '2025-07-11T10:00:00Z';
  it.each([
    ['2025-07-11T09:59:30Z', 'zh-CN', '刚刚'],
    ['2025-07-11T09:55:00Z', 'zh-CN', '5 分钟前'],
    ['2025-07-11T07:00:00Z', 'en', '3 h ago'],
    ['2025-07-10T08:00:00Z', 'zh-CN', '昨天'],
    ['2025-07-08T10:00:00Z', 'zh-CN', '3 天前'],
    ['2025-07-08T10:00:00Z', 'en', '3 days ago'],
    ['2025-07-01T10:00:00Z', 'zh-CN', '7月1日'],
    ['2025-07-01T10:00:00Z', 'en', 'Jul 1'],
    ['2024-12-30T10:00:00Z', 'zh-CN', '2024年12月30日'],
    ['2024-12-30T10:00:00Z', 'en', 'Dec 30, 2024'],
    ['2025-07-12T10:00:00Z', 'en', 'Jul 12'],
  ])('%s (%s) → %s', (iso, locale, expected) => {
    expect(formatRelative(iso, now, locale)).toBe(expected);
  });

  it('shows a date without a now', () => {
    expect(formatRelative('2025-07-08T10:00:00Z', undefined, 'zh-CN')).toBe('7月8日');
    expect(formatDate('2025-09-30', 'en')).toBe('Sep 30');
  });

  it('returns unparseable input unchanged', () => {
    expect(formatDate('soon', 'en')).toBe('soon');
    expect(formatRelative('soon', now, 'en')).toBe('soon');
  });
});

describe('progressBar', () => {
  it.each([
    [0, '░░░░░░░░░░'],
    [45, '▓▓▓▓░░░░░░'],
    [99, '▓▓▓▓▓▓▓▓▓░'],
    [100, '▓▓▓▓▓▓▓▓▓▓'],
    [130, '▓▓▓▓▓▓▓▓▓▓'],
    [-5, '░░░░░░░░░░'],
    [Number.NaN, '░░░░░░░░░░'],
    [70, '▓▓▓▓▓▓▓░░░'],
  ])('%d → %s', (percent, expected) => {
    expect(progressBar(percent)).toBe(expected);
  });
});
