import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/chat/parse';
import { cardButtons, type CardBlock } from './model';
import { mapCardText, plainCardText } from './model';
import { buildMyOkrsCard as buildRaw, MAX_KR_BUTTONS } from './my-okrs';
import { worstStatus } from './model';
import type { CycleView, KrView, ObjectiveView, PersonView } from './view';

/** The card with user-span markers removed, as a reader sees its text. */
const buildMyOkrsCard = (...args: Parameters<typeof buildRaw>) => mapCardText(buildRaw(...args), plainCardText);

const zh: PersonView = { id: 'p1', name: '张三', locale: 'zh-CN' };
const en: PersonView = { id: 'p1', name: 'Zhang San', locale: 'en' };
const cycle: CycleView = { id: 'c1', name: '2025 Q3', startsOn: '2025-07-01', endsOn: '2025-09-30', expectedPace: 0.1 };
const now = '2025-07-11T02:00:00Z';

function kr(number: number, overrides: Partial<KrView> = {}): KrView {
  return {
    number,
    id: `kr_${number}`,
    title: `KR 标题 ${number}`,
    kind: 'number',
    start: 0,
    target: 20,
    current: 9,
    unit: '次',
    direction: 'up',
    progress: 0.45,
    status: 'on_track',
    confidence: null,
    lastCheckInAt: null,
    ...overrides,
  };
}

function objectives(): ObjectiveView[] {
  return [
    {
      id: 'o1',
      title: '提升学员续费',
      progress: 0.41,
      status: 'at_risk',
      parentTitle: '学员续费率提升至68%',
      keyResults: [
        kr(1, { title: '家访次数', confidence: 6, lastCheckInAt: '2025-07-08T02:00:00Z', status: 'at_risk' }),
        kr(2, { title: '续费率', kind: 'percent', start: 60, target: 68, current: 63, unit: '%', progress: 0.375 }),
      ],
    },
    {
      id: 'o2',
      title: '上线新官网',
      progress: 0,
      status: 'not_started',
      parentTitle: null,
      keyResults: [
        kr(3, {
          title: '官网上线',
          kind: 'boolean',
          start: 0,
          target: 1,
          current: 0,
          unit: null,
          progress: 0,
          status: 'not_started',
        }),
      ],
    },
  ];
}

const blocksOf = <T extends CardBlock['type']>(blocks: CardBlock[], type: T) =>
  blocks.filter((b): b is Extract<CardBlock, { type: T }> => b.type === type);

describe('buildMyOkrsCard', () => {
  const card = buildMyOkrsCard({ person: zh, cycle, objectives: objectives(), now });

  it('heads with the person, the cycle and overall progress, coloured by the worst status', () => {
    expect(card.header).toEqual({ title: '张三的 OKR', subtitle: '2025 Q3 · 整体进度 21%', color: 'orange' });
  });

  it('titles each objective with its number, status, progress and aligned parent', () => {
    const markdown = blocksOf(card.blocks, 'markdown').map((b) => b.text);
    expect(markdown[0]).toBe('**O1 提升学员续费**\n有风险 · 41%\n↑ 对齐：学员续费率提升至68%');
    expect(markdown[1]).toBe('**O2 上线新官网**\n未开始 · 0%');
  });

  it('shows every KR as a progress block numbered in display order', () => {
    const progress = blocksOf(card.blocks, 'progress');
    expect(progress.map((p) => p.label)).toEqual(['KR1 家访次数', 'KR2 续费率', 'KR3 官网上线']);
    expect(progress.map((p) => p.percent)).toEqual([45, 38, 0]);
    expect(progress[0].detail).toBe('9次 / 20次 · 信心 6 · 最近更新 3 天前');
    expect(progress[1].detail).toBe('63% / 68% · 尚未更新');
    expect(progress[2].detail).toBe('未完成 · 尚未更新');
    expect(progress[0].status).toBe('at_risk');
  });

  it('separates objectives with a divider', () => {
    expect(card.blocks.filter((b) => b.type === 'divider')).toHaveLength(1);
  });

  it('has one button per KR that opens its card', () => {
    expect(cardButtons(card)).toEqual(
      [1, 2, 3].map((n) => ({ text: `更新 KR${n}`, actionId: 'kr.open', value: { kr: `kr_${n}` } })),
    );
  });

  it('ends with a hint the parser understands', () => {
    const last = card.blocks.at(-1)!;
    expect(last).toEqual({ type: 'note', text: '回复 KR1 11 信心 7 更新进度' });
    expect(parseCommand('KR1 11 信心 7')).toMatchObject({ type: 'checkin', kr: 1, value: 11, confidence: 7 });
  });

  it('drops the per-KR buttons when there are too many KRs', () => {
    const many: ObjectiveView[] = [
      {
        id: 'o',
        title: 'O',
        progress: 0.5,
        status: 'on_track',
        keyResults: Array.from({ length: MAX_KR_BUTTONS + 1 }, (_, i) => kr(i + 1)),
      },
    ];
    const big = buildMyOkrsCard({ person: zh, cycle, objectives: many });
    expect(cardButtons(big)).toEqual([]);
    expect(blocksOf(big.blocks, 'progress')).toHaveLength(MAX_KR_BUTTONS + 1);
    expect(big.blocks.at(-1)).toMatchObject({ type: 'note' });
  });

  it('shows a last check-in as a date when no now is given', () => {
    const card = buildMyOkrsCard({ person: zh, cycle, objectives: objectives() });
    expect(blocksOf(card.blocks, 'progress')[0].detail).toBe('9次 / 20次 · 信心 6 · 最近更新 7月8日');
  });

  it('guides people without objectives to create one', () => {
    const empty = buildMyOkrsCard({ person: zh, cycle, objectives: [] });
    expect(empty.header).toEqual({ title: '张三的 OKR', subtitle: '2025 Q3 · 整体进度 0%', color: 'blue' });
    expect(blocksOf(empty.blocks, 'markdown')[0].text).toContain('新目标');
    expect(cardButtons(empty)).toEqual([
      { text: '新建目标', actionId: 'objective.new', value: {}, style: 'primary', command: '新目标' },
    ]);
    expect(parseCommand('新目标')).toEqual({ type: 'new_objective' });
  });

  it('speaks English to English speakers', () => {
    const card = buildMyOkrsCard({ person: en, cycle, objectives: objectives(), now });
    expect(card.header.title).toBe("Zhang San's OKRs");
    expect(card.header.subtitle).toBe('2025 Q3 · overall 21%');
    expect(blocksOf(card.blocks, 'markdown')[0].text).toBe(
      '**O1 提升学员续费**\nAt risk · 41%\n↑ Aligned to: 学员续费率提升至68%',
    );
    expect(blocksOf(card.blocks, 'progress')[0].detail).toBe('9次 / 20次 · confidence 6 · updated 3 days ago');
    expect(card.blocks.at(-1)).toEqual({ type: 'note', text: 'Reply KR1 11 confidence 7 to update progress' });
    const empty = buildMyOkrsCard({ person: en, cycle, objectives: [] });
    expect(cardButtons(empty)[0]).toMatchObject({ text: 'New objective', command: 'new objective' });
  });

  it('uses a hand-updated KR for the hint when the first one is fed by metrics', () => {
    const objs = objectives();
    objs[0].keyResults[0].progressMode = 'metric';
    const card = buildMyOkrsCard({ person: zh, cycle, objectives: objs });
    expect(card.blocks.at(-1)).toEqual({ type: 'note', text: '回复 KR2 64 信心 7 更新进度' });
  });
});

describe('worstStatus', () => {
  it('picks the most worrying status', () => {
    expect(worstStatus(['on_track', 'off_track', 'at_risk'])).toBe('off_track');
    expect(worstStatus(['done', 'on_track'])).toBe('on_track');
    expect(worstStatus(['done'])).toBe('done');
    expect(worstStatus([])).toBeUndefined();
  });
});
