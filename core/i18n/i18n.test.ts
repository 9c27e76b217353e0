import { describe, expect, it } from 'vitest';
import { catalogues, invalidReply, localeOf, placeholdersOf, t, toLocale } from './index';
import { en } from './en';
import { zhCN } from './zh-CN';

describe('catalogues', () => {
  it('have the same keys in zh-CN and en', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
  });

  it('use the same placeholders in both languages', () => {
    const mismatched = Object.keys(zhCN).filter(
      (key) =>
        placeholdersOf(zhCN[key as keyof typeof zhCN]).join() !== placeholdersOf(en[key as keyof typeof en]).join(),
    );
    expect(mismatched).toEqual([]);
  });

  it('have no empty messages', () => {
    for (const [locale, messages] of Object.entries(catalogues)) {
      const empty = Object.entries(messages)
        .filter(([, text]) => !text.trim())
        .map(([key]) => `${locale}:${key}`);
      expect(empty).toEqual([]);
    }
  });

  it('write Chinese in zh-CN and no Chinese in en (except bilingual *Words lists)', () => {
    const han = /[\u4e00-\u9fff]/;
    const untranslated = Object.entries(en).filter(([key, text]) => han.test(text) && !key.endsWith('Words'));
    expect(untranslated).toEqual([]);
    expect(han.test(zhCN['help.title'])).toBe(true);
  });

  it('covers an invalid.* message for every parser InvalidReason', () => {
    const reasons = [
      'missing_kr',
      'bad_kr_number',
      'missing_value',
      'bad_value',
      'extra_value',
      'one_kr_at_a_time',
      'missing_confidence',
      'confidence_range',
      'missing_change',
      'needs_kr',
      'bad_kr_line',
      'missing_delegate',
      'bad_days',
    ];
    for (const reason of reasons) expect(zhCN).toHaveProperty([`invalid.${reason}`]);
  });
});

describe('t', () => {
  it('fills placeholders', () => {
    expect(t('zh-CN', 'kr.notFound', { number: 3, list: 'KR1 家访' })).toBe('没有找到 KR3。你的 KR：\nKR1 家访');
    expect(t('en', 'time.minutesAgo', { n: 5 })).toBe('5 min ago');
  });

  it('falls back to Chinese for unknown or missing locales', () => {
    expect(t(undefined, 'toast.recorded')).toBe('已记录');
    expect(t('fr', 'toast.recorded')).toBe('已记录');
    expect(t('en-US', 'toast.recorded')).toBe('Recorded');
  });

  it('leaves a placeholder visible when its parameter is missing', () => {
    expect(t('en', 'time.minutesAgo', {})).toBe('{n} min ago');
    expect(t('en', 'time.minutesAgo')).toBe('{n} min ago');
  });

  it('does not interpret $ patterns in parameters', () => {
    expect(t('en', 'checkin.note', { note: "$& $1 $'" })).toBe("Note: $& $1 $'");
  });
});

describe('locales', () => {
  it.each([
    ['en', 'en'],
    ['en-US', 'en'],
    ['en_GB', 'en'],
    ['EN', 'en'],
    ['zh-CN', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['ja', 'zh-CN'],
    ['english', 'zh-CN'],
    [null, 'zh-CN'],
    [undefined, 'zh-CN'],
  ])('toLocale(%j) = %s', (input, expected) => {
    expect(toLocale(input)).toBe(expected);
  });

  it('localeOf reads a person, defaulting to Chinese', () => {
    expect(localeOf({ locale: 'en' })).toBe('en');
    expect(localeOf({ locale: 'zh-CN' })).toBe('zh-CN');
    expect(localeOf({})).toBe('zh-CN');
    expect(localeOf(null)).toBe('zh-CN');
  });
});

describe('invalidReply', () => {
  it('explains the reason with the parser hint', () => {
    expect(invalidReply('zh-CN', { reason: 'confidence_range', hint: 'KR1 45 信心 7' })).toBe(
      '信心请填 0 到 10 之间的整数，例如：KR1 45 信心 7',
    );
    expect(invalidReply('en', { reason: 'missing_value', hint: 'KR1 45' })).toContain('KR1 45');
  });

  it('falls back to the unknown-command reply for an unknown reason', () => {
    expect(invalidReply('en', { reason: 'nope' })).toContain('help');
  });
});
