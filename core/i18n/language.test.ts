// No message mixes languages: every zh-CN string (chat, cards and the jobs'
// cards share one catalogue) is Chinese apart from the allowed tokens, every en string free
// of Chinese characters and full-width punctuation. The word lists the bot
// matches replies against (*Words) are not shown to anyone and are skipped.
import { describe, expect, it } from 'vitest';
import { en } from './en';
import { foreignWords } from './language';
import { zhCN } from './zh-CN';

const shown = (entries: [string, string][]) => entries.filter(([key]) => !/words$/i.test(key));

describe('one language per message', () => {
  it('zh-CN messages hold no English words', () => {
    const bad = shown(Object.entries(zhCN))
      .map(([key, text]) => [key, foreignWords(text, 'zh-CN')] as const)
      .filter(([, words]) => words.length);
    expect(bad).toEqual([]);
  });

  it('en messages hold no Chinese characters or full-width punctuation', () => {
    const bad = shown(Object.entries(en))
      .map(([key, text]) => [key, foreignWords(text, 'en').join('')] as const)
      .filter(([, chars]) => chars);
    expect(bad).toEqual([]);
  });

  it('catches a mixed reply (the check itself can fail)', () => {
    expect(foreignWords('例如：KR3 45 confidence 7', 'zh-CN')).toEqual(['confidence']);
    expect(foreignWords('Recorded KR1「反馈」', 'en', ['反馈'])).toEqual(['「', '」']);
    expect(foreignWords('王芳 提醒你更新 OKR 进度', 'zh-CN')).toEqual([]);
    expect(foreignWords('查看原因：`npx polaris outbox list` 或 GET /api/v1/outbox?status=failed', 'zh-CN')).toEqual(
      [],
    );
  });
});
