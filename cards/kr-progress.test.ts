import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/chat/parse';
import { buildKrProgressCard as buildRaw, quickValues } from './kr-progress';
import { cardButtons, type Card } from './model';
import { mapCardText, plainCardText } from './model';
import type { KrView, PersonView } from './view';

/** The card with user-span markers removed, as a reader sees its text. */
const buildKrProgressCard = (...args: Parameters<typeof buildRaw>) => mapCardText(buildRaw(...args), plainCardText);

const zh: PersonView = { id: 'p1', name: '张三', locale: 'zh-CN' };
const en: PersonView = { id: 'p1', name: 'Zhang San', locale: 'en' };

function kr(overrides: Partial<KrView> = {}): KrView {
  return {
    number: 2,
    id: 'kr_abc',
    title: '家访次数',
    kind: 'number',
    start: 0,
    target: 20,
    current: 9,
    unit: '次',
    direction: 'up',
    progress: 0.45,
    status: 'at_risk',
    confidence: 6,
    lastCheckInAt: '2025-07-08T02:00:00Z',
    progressMode: 'manual',
    ...overrides,
  };
}

const buttonsOf = (card: Card, actionId: string) => cardButtons(card).filter((b) => b.actionId === actionId);

describe('quickValues', () => {
  it.each<[Partial<KrView>, number[]]>([
    [{ kind: 'number', start: 0, target: 20, current: 9 }, [11, 13, 20]],
    [{ kind: 'number', start: 0, target: 20, current: 19 }, [20]],
    [{ kind: 'number', start: 0, target: 20, current: 20 }, [22, 24, 26]],
    [{ kind: 'number', start: 0, target: 20, current: 0 }, [2, 4, 20]],
    [{ kind: 'percent', start: 60, target: 68, current: 63 }, [64, 65, 68]],
    [{ kind: 'number', start: 10, target: 3, current: 8 }, [7, 6, 3]],
    [{ kind: 'number', start: 10, target: 3, current: 3 }, [2, 1, 0]],
    [{ kind: 'number', start: 4.2, target: 4.7, current: 4.3 }, [4.35, 4.4, 4.7]],
    [{ kind: 'currency', start: 0, target: 1_000_000, current: 120_000 }, [220_000, 320_000, 1_000_000]],
    [{ kind: 'boolean', start: 0, target: 1, current: 0 }, [1, 0]],
    [{ kind: 'milestone', start: 0, target: 5, current: 2 }, [3, 5]],
    [{ kind: 'milestone', start: 0, target: 5, current: 4 }, [5]],
    [{ kind: 'number', start: 5, target: 5, current: 5 }, []],
  ])('%j → %j', (values, expected) => {
    expect(quickValues(kr(values))).toEqual(expected);
  });
});

describe('buildKrProgressCard', () => {
  const card = buildKrProgressCard({
    person: zh,
    kr: kr(),
    objectiveTitle: '提升学员续费',
    now: '2025-07-11T02:00:00Z',
  });

  it('heads the card with the KR and its objective, coloured by status', () => {
    expect(card.header).toEqual({ title: 'KR2 家访次数', subtitle: '提升学员续费', color: 'orange' });
  });

  it('shows the bar, start → current → target, status, confidence and last check-in', () => {
    expect(card.blocks).toContainEqual({
      type: 'progress',
      label: 'KR2 家访次数',
      percent: 45,
      status: 'at_risk',
      detail: '0次 → 9次 → 20次',
    });
    expect(card.blocks).toContainEqual({
      type: 'fields',
      fields: [
        { label: '状态', value: '有风险' },
        { label: '信心', value: '6/10' },
        { label: '最近更新', value: '3 天前' },
      ],
    });
  });

  it('offers quick values that record a check-in, with the target highlighted', () => {
    const quick = buttonsOf(card, 'kr.checkin');
    expect(quick.map((b) => b.value)).toEqual([
      { kr: 'kr_abc', value: '11' },
      { kr: 'kr_abc', value: '13' },
      { kr: 'kr_abc', value: '20' },
    ]);
    expect(quick.map((b) => b.text)).toEqual(['11次', '13次', '20次']);
    expect(quick.map((b) => b.style)).toEqual(['default', 'default', 'primary']);
    expect(quick.map((b) => b.command)).toEqual(['KR2 11', 'KR2 13', 'KR2 20']);
  });

  it('offers confidence choices, marking the current one', () => {
    const confidence = buttonsOf(card, 'kr.confidence');
    expect(confidence.map((b) => b.value.confidence)).toEqual(['3', '5', '7', '9']);
    expect(confidence.every((b) => b.value.kr === 'kr_abc')).toBe(true);
    expect(
      buttonsOf(
        buildKrProgressCard({ person: zh, kr: kr({ confidence: 7 }), objectiveTitle: 'O' }),
        'kr.confidence',
      ).find((b) => b.style === 'primary')?.value.confidence,
    ).toBe('7');
  });

  it('offers a change request', () => {
    expect(buttonsOf(card, 'kr.adjust')).toEqual([
      {
        text: '申请调整',
        actionId: 'kr.adjust',
        value: { kr: 'kr_abc' },
        command: '调整 KR2 目标 <新目标> 原因 <原因>',
      },
    ]);
  });

  it('gives every button command that the parser reads back as the same action', () => {
    for (const button of buttonsOf(card, 'kr.checkin')) {
      expect(parseCommand(button.command!)).toMatchObject({
        type: 'checkin',
        kr: 2,
        value: Number(button.value.value),
      });
    }
    for (const button of buttonsOf(card, 'kr.confidence')) {
      expect(parseCommand(button.command!)).toMatchObject({
        type: 'checkin',
        kr: 2,
        value: 9,
        confidence: Number(button.value.confidence),
      });
    }
  });

  it('keeps button values small strings', () => {
    for (const button of cardButtons(card)) {
      for (const v of Object.values(button.value)) expect(typeof v).toBe('string');
      expect(JSON.stringify(button.value).length).toBeLessThan(1024);
    }
  });

  it('confirms a check-in that just happened', () => {
    const after = buildKrProgressCard({
      person: zh,
      kr: kr({ current: 11 }),
      objectiveTitle: 'O',
      justCheckedIn: { previous: 9, value: 11, confidence: 7, note: '本周3次' },
    });
    expect(after.blocks[0]).toEqual({ type: 'markdown', text: '✅ 已记录：9次 → 11次 · 信心 7/10\n备注：本周3次' });
  });

  it('offers done / not done for a boolean KR, with commands the parser understands', () => {
    const card = buildKrProgressCard({
      person: en,
      kr: kr({ kind: 'boolean', start: 0, target: 1, current: 0, unit: null }),
      objectiveTitle: 'Website',
    });
    const quick = buttonsOf(card, 'kr.checkin');
    expect(quick.map((b) => [b.text, b.value.value, b.command])).toEqual([
      ['Done', '1', 'KR2 done'],
      ['Not done', '0', 'KR2 not done'],
    ]);
    expect(parseCommand('KR2 not done')).toMatchObject({ type: 'checkin', value: 0 });
    expect(card.blocks).toContainEqual(expect.objectContaining({ type: 'progress', detail: 'Not done' }));
  });

  it('shows no quick values for a KR fed by metrics, and says so', () => {
    const card = buildKrProgressCard({ person: zh, kr: kr({ progressMode: 'metric' }), objectiveTitle: 'O' });
    expect(buttonsOf(card, 'kr.checkin')).toEqual([]);
    expect(card.blocks).toContainEqual({ type: 'note', text: '进度由数据自动同步' });
    expect(buttonsOf(card, 'kr.confidence').every((b) => b.command === undefined)).toBe(true);
  });

  it('shows overshoot above 100%', () => {
    const card = buildKrProgressCard({
      person: zh,
      kr: kr({ current: 24, progress: 1, rawProgress: 1.2, status: 'done' }),
      objectiveTitle: 'O',
    });
    expect(card.blocks).toContainEqual(expect.objectContaining({ type: 'progress', percent: 120 }));
    expect(card.header.color).toBe('green');
  });

  it('speaks English to English speakers', () => {
    const card = buildKrProgressCard({
      person: en,
      kr: kr({ unit: 'visits', confidence: null, lastCheckInAt: null }),
      objectiveTitle: 'Retention',
    });
    expect(card.blocks).toContainEqual({
      type: 'fields',
      fields: [
        { label: 'Status', value: 'At risk' },
        { label: 'Confidence', value: '—' },
        { label: 'Last update', value: 'not updated yet' },
      ],
    });
    expect(buttonsOf(card, 'kr.adjust')[0].text).toBe('Request change');
    expect(buttonsOf(card, 'kr.checkin')[0].text).toBe('11 visits');
  });
});
