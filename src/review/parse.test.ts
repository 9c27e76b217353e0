import { describe, expect, it } from 'vitest';
import { parseCommand } from '../chat/parse';
import { retrospectiveText } from './parse';

describe('review commands', () => {
  it.each([
    ['复盘', { type: 'review_card' }],
    ['review', { type: 'review_card' }],
    ['自评', { type: 'review_card' }],
    ['复盘 做得好的：反馈及时', { type: 'retrospective', text: '做得好的:反馈及时' }],
    ['自评 O1 0.7', { type: 'self_score', objective: 1, value: 0.7 }],
    ['自评 o2 70分 备注 超额完成', { type: 'self_score', objective: 2, value: 70, note: '超额完成' }],
    ['self-score O1 0.7 note went well', { type: 'self_score', objective: 1, value: 0.7, note: 'went well' }],
    ['self score O3 1', { type: 'self_score', objective: 3, value: 1 }],
    ['校准', { type: 'calibration_card' }],
    ['calibrate', { type: 'calibration_card' }],
    ['校准 张三 0.6 原因 目标未达成', { type: 'calibrate', name: '张三', value: 0.6, reason: '目标未达成' }],
    ['calibrate Zhang San 0.6 because late', { type: 'calibrate', name: 'Zhang San', value: 0.6, reason: 'late' }],
    ['校准 Bob Smith 60分', { type: 'calibrate', name: 'Bob Smith', value: 60 }],
    ['申诉 原因 数据没算上', { type: 'appeal', reason: '数据没算上' }],
    ['appeal because the data was late', { type: 'appeal', reason: 'the data was late' }],
    ['延续 KR2', { type: 'carry', kr: 2 }],
    ['延续KR3到下个周期', { type: 'carry', kr: 3 }],
    ['延续到下个周期 KR1', { type: 'carry', kr: 1 }],
    ['carry KR2', { type: 'carry', kr: 2 }],
    ['carry over kr 4 to the next cycle', { type: 'carry', kr: 4 }],
  ])('%s', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each([
    ['自评 0.7', 'self_score_format'],
    ['自评 O1', 'self_score_format'],
    ['自评 O1 很好', 'self_score_format'],
    ['校准 张三', 'calibrate_format'],
    ['校准 0.6', 'calibrate_format'],
    ['申诉', 'appeal_reason'],
    ['appeal because', 'appeal_reason'],
    ['延续', 'carry_format'],
    ['延续 O1', 'carry_format'],
    ['carry KR0', 'carry_format'],
    ['carry KR2 and KR3', 'carry_format'],
  ])('%s is invalid with an example', (text, reason) => {
    const command = parseCommand(text);
    expect(command).toMatchObject({ type: 'invalid', reason });
    expect((command as { hint: string }).hint.length).toBeGreaterThan(3);
  });

  it('keeps the retrospective as typed (full-width punctuation)', () => {
    expect(retrospectiveText('复盘 做得好的：反馈及时。', '做得好的:反馈及时.')).toBe('做得好的：反馈及时。');
    expect(retrospectiveText('@Polaris 复盘：要改进的：排期', 'x')).toBe('要改进的：排期');
  });
});
