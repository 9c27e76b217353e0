import { describe, expect, it } from 'vitest';
import { parseKrLine, type KrLine } from './kr-line';

const ok: [string, Partial<KrLine>][] = [
  ['家访次数 0→20次', { title: '家访次数', kind: 'number', start: 0, target: 20, unit: '次', direction: 'up' }],
  ['家访次数0→20次', { title: '家访次数', start: 0, target: 20, unit: '次' }],
  ['家访次数 0->20次', { title: '家访次数', start: 0, target: 20 }],
  ['家访次数 0-->20次', { title: '家访次数', start: 0, target: 20 }],
  ['家访次数 0 ~ 20 次', { title: '家访次数', start: 0, target: 20, unit: '次' }],
  ['家访次数 0到20次', { title: '家访次数', start: 0, target: 20 }],
  ['家访次数 0至20次', { title: '家访次数', start: 0, target: 20 }],
  ['家访次数 0=>20', { title: '家访次数', start: 0, target: 20, kind: 'number' }],
  ['home visits 0->20', { title: 'home visits', start: 0, target: 20, kind: 'number', direction: 'up' }],
  ['home visits 0 -> 20 visits', { title: 'home visits', target: 20, unit: 'visits' }],
  ['home visits from 0 to 20', { title: 'home visits', start: 0, target: 20 }],
  ['续费率 60%→68%', { title: '续费率', kind: 'percent', start: 60, target: 68, unit: '%' }],
  ['续费率 60→68%', { kind: 'percent', start: 60, target: 68 }],
  ['续费率 从 60% 提升到 68%', { title: '续费率', kind: 'percent', start: 60, target: 68 }],
  ['学员2班续费率60%→68%', { title: '学员2班续费率', start: 60, target: 68 }],
  ['营收 100万→120万元', { title: '营收', kind: 'currency', start: 1_000_000, target: 1_200_000, unit: '元' }],
  ['营收 100→120万', { title: '营收', kind: 'number', start: 1_000_000, target: 1_200_000 }],
  ['营收 1.2万→1.5万', { start: 12_000, target: 15_000 }],
  ['成本 ¥50,000 → ¥40,000', { title: '成本', kind: 'currency', start: 50_000, target: 40_000, direction: 'down' }],
  ['成本 50000元→40000元', { kind: 'currency', start: 50_000, target: 40_000, direction: 'down', unit: '元' }],
  ['revenue $10k -> $12k', { title: 'revenue', kind: 'currency', unit: '$', start: 10_000, target: 12_000 }],
  ['revenue 1.2k -> 2k', { title: 'revenue', kind: 'number', start: 1_200, target: 2_000 }],
  ['投诉次数 10→3次', { title: '投诉次数', start: 10, target: 3, direction: 'down' }],
  ['投诉率 5%降至2%', { title: '投诉率', kind: 'percent', start: 5, target: 2, direction: 'down' }],
  ['reduce churn from 8% to 5%', { title: 'reduce churn', kind: 'percent', start: 8, target: 5, direction: 'down' }],
  ['NPS 62 到 76', { title: 'NPS', start: 62, target: 76 }],
  ['课程满意度 4.2→4.7分', { title: '课程满意度', start: 4.2, target: 4.7, unit: '分' }],
  ['亏损 -5→0', { title: '亏损', start: -5, target: 0, direction: 'up' }],
  ['满意度 ≥ 4.7', { title: '满意度', start: 0, target: 4.7, direction: 'up', baselineMissing: true }],
  ['满意度 >= 4.7分', { title: '满意度', target: 4.7, unit: '分', baselineMissing: true }],
  ['满意度不低于4.7', { title: '满意度', target: 4.7, direction: 'up' }],
  ['satisfaction at least 4.7', { title: 'satisfaction', target: 4.7, direction: 'up' }],
  ['投诉 ≤ 3', { title: '投诉', start: 3, target: 3, direction: 'down', baselineMissing: true }],
  ['投诉 <= 3次', { title: '投诉', target: 3, unit: '次', direction: 'down' }],
  ['退费率不超过5%', { title: '退费率', kind: 'percent', target: 5, direction: 'down' }],
  ['complaints at most 3', { title: 'complaints', target: 3, direction: 'down' }],
  ['新签学员 50人', { title: '新签学员', start: 0, target: 50, unit: '人', direction: 'up' }],
  ['新签学员50人', { title: '新签学员', target: 50, unit: '人' }],
  ['new students 50', { title: 'new students', start: 0, target: 50 }],
  ['完成3个里程碑', { title: '完成3个里程碑', kind: 'milestone', target: 3 }],
  ['上线新版官网', { title: '上线新版官网', kind: 'boolean', start: 0, target: 1, direction: 'up' }],
  ['是否完成ISO认证', { title: '完成ISO认证', kind: 'boolean', target: 1 }],
  ['Top10', { title: 'Top10', kind: 'boolean' }],
  ['launch the new website', { title: 'launch the new website', kind: 'boolean' }],
  ['1. 家访次数 0→20次', { title: '家访次数', target: 20 }],
  ['2、续费率 60%→68%', { title: '续费率', target: 68 }],
  ['- 家访次数 0→20次', { title: '家访次数', target: 20 }],
  ['• 家访次数 0→20次', { title: '家访次数', target: 20 }],
  ['KR1: 续费率 60% → 68%', { title: '续费率', target: 68 }],
  ['  家访次数   0 →  20 次  ', { title: '家访次数', target: 20, unit: '次' }],
  ['到店率 30%到50%', { title: '到店率', start: 30, target: 50 }],
];

describe('parseKrLine', () => {
  it.each(ok)('%s', (line, expected) => {
    const result = parseKrLine(line);
    expect(result).toMatchObject(expected);
    expect('error' in result).toBe(false);
  });

  it('applies a multiplier written once to both sides without float noise', () => {
    expect(parseKrLine('营收 1.1→1.3万')).toMatchObject({ start: 11_000, target: 13_000 });
  });

  it('gives no baselineMissing flag when the start is written', () => {
    expect(parseKrLine('家访次数 0→20次')).not.toHaveProperty('baselineMissing');
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['0→20', 'missing_title'],
    ['≥ 4.7', 'missing_title'],
    ['家访 5→5', 'same_start_target'],
    ['家访 多→少', 'bad_numbers'],
    ['x'.repeat(300), 'too_long'],
  ])('%j is an error (%s)', (line, error) => {
    expect(parseKrLine(line)).toEqual({ error });
  });
});
