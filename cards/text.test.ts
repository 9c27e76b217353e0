import { describe, expect, it } from 'vitest';
import { cardToText, stripMarkdown } from './text';
import type { Card } from './model';

describe('cardToText', () => {
  it('renders every block type faithfully', () => {
    const card: Card = {
      header: { title: 'KR1 家访次数', subtitle: '提升学员续费', color: 'orange' },
      blocks: [
        { type: 'markdown', text: '**已记录**：7 → 9\n*好样的*' },
        { type: 'progress', label: 'KR1 家访次数', percent: 45, status: 'at_risk', detail: '9次 / 20次' },
        { type: 'progress', label: 'KR2 续费率', percent: 120, status: 'done' },
        { type: 'progress', label: 'KR3', percent: 0 },
        {
          type: 'fields',
          fields: [
            { label: '状态', value: '有风险' },
            { label: '信心', value: '6/10' },
          ],
        },
        { type: 'divider' },
        {
          type: 'actions',
          buttons: [
            { text: '11次', actionId: 'kr.checkin', value: { kr: 'k', value: '11' }, command: 'KR1 11' },
            { text: '打开', actionId: 'kr.open', value: { kr: 'k' } },
          ],
        },
        { type: 'actions', buttons: [{ text: '打开', actionId: 'kr.open', value: { kr: 'k' } }] },
        { type: 'note', text: '由 李四 于 7月8日 同意' },
      ],
    };
    expect(cardToText(card)).toBe(
      [
        '【KR1 家访次数】\n提升学员续费',
        '已记录：7 → 9\n好样的',
        '🟡 KR1 家访次数\n▓▓▓▓░░░░░░ 45%  9次 / 20次',
        '✅ KR2 续费率\n▓▓▓▓▓▓▓▓▓▓ 120%',
        'KR3\n░░░░░░░░░░ 0%',
        '状态: 有风险\n信心: 6/10',
        '──────────',
        '▸ 11次: KR1 11',
        '由 李四 于 7月8日 同意',
      ].join('\n\n'),
    );
  });

  it('renders a header without subtitle and a card without blocks', () => {
    expect(cardToText({ header: { title: '已处理', color: 'green' }, blocks: [] })).toBe('【已处理】');
  });
});

describe('stripMarkdown', () => {
  it.each([
    ['**bold** and *italic*', 'bold and italic'],
    ['3 * 4 = 12', '3 * 4 = 12'],
    ['a*b*c', 'a*b*c'],
    ['**O1 提升续费**', 'O1 提升续费'],
    ['no markers', 'no markers'],
  ])('%j → %j', (input, expected) => {
    expect(stripMarkdown(input)).toBe(expected);
  });
});
