import { describe, expect, it } from 'vitest';
import { normalizeText, toHalfWidth } from './normalize';

describe('toHalfWidth', () => {
  it.each([
    ['ＫＲ１　４５％', 'KR1 45%'],
    ['ｋｒ１＝４５', 'kr1=45'],
    ['信心：７，备注：好', '信心:7,备注:好'],
    ['？', '?'],
    ['￥１２，０００', '¥12,000'],
    ['−５', '-5'],
    ['０→２０次', '0→20次'],
    ['ａｂｃＸＹＺ', 'abcXYZ'],
  ])('%s → %s', (input, expected) => {
    expect(toHalfWidth(input)).toBe(expected);
  });
});

describe('normalizeText', () => {
  it.each([
    ['  KR1    45  ', 'KR1 45'],
    ['KR1\t45\n信心 7', 'KR1 45 信心 7'],
    ['ＫＲ１　　４５％', 'KR1 45%'],
    ['@Polaris KR1 45', 'KR1 45'],
    ['@_user_1 帮助', '帮助'],
    ['@机器人 我的OKR', '我的OKR'],
    ['@Polaris @_user_2  KR1 45', 'KR1 45'],
    ['＠Polaris　帮助', '帮助'],
    ['@Polaris', ''],
    ['KR1 45 备注 找@张三 确认', 'KR1 45 备注 找@张三 确认'],
    ['\u200bKR1\u200b 45\ufeff', 'KR1 45'],
    ['KR1\u00a045', 'KR1 45'],
    ['My OKRs', 'My OKRs'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });
});
