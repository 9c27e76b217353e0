// A corpus of key results as people really write them (OKR templates of Chinese
// schools, sales teams, SaaS companies and English-speaking teams), each with
// what the parser must make of it. A line that reads a verb as the title, drops a
// magnitude or misses a unit fails here.
import { describe, expect, it } from 'vitest';
import { parseKrLine, type KrLine } from './kr-line';

type Expected = Partial<KrLine> | { error: string };

const CORPUS: [string, Expected][] = [
  // "提升到/至 X": a target without a written start — like "≥ X", the flow asks for the current value.
  [
    '学生课后作业正确率提升到85%',
    { title: '学生课后作业正确率', kind: 'percent', target: 85, direction: 'up', baselineMissing: true },
  ],
  ['学员续费率提升至68%', { title: '学员续费率', kind: 'percent', target: 68, direction: 'up', baselineMissing: true }],
  ['家长满意度提高到4.8分', { title: '家长满意度', unit: '分', target: 4.8, baselineMissing: true }],
  ['月活用户增长到10万', { title: '月活用户', target: 100_000, baselineMissing: true }],
  ['客诉率降低至0.5%', { title: '客诉率', kind: 'percent', target: 0.5, direction: 'down', baselineMissing: true }],
  ['退费率降到3%', { title: '退费率', target: 3, direction: 'down', baselineMissing: true }],
  ['交付周期压缩到5天', { title: '交付周期', unit: '天', target: 5, direction: 'down', baselineMissing: true }],
  ['churn reduced to 2%', { title: 'churn', kind: 'percent', target: 2, direction: 'down', baselineMissing: true }],
  ['NPS increase to 50', { title: 'NPS', target: 50, direction: 'up', baselineMissing: true }],
  // Ranges with arrows and words.
  ['家访次数 0→20次', { title: '家访次数', start: 0, target: 20, unit: '次' }],
  ['续费率 52%→68%', { title: '续费率', kind: 'percent', start: 52, target: 68 }],
  ['续费率从52%提升到68%', { title: '续费率', kind: 'percent', start: 52, target: 68 }],
  ['营收 100万→120万元', { title: '营收', kind: 'currency', start: 1_000_000, target: 1_200_000 }],
  ['营收 1.2亿→1.5亿', { title: '营收', start: 120_000_000, target: 150_000_000 }],
  ['GMV 500万→800万元', { title: 'GMV', kind: 'currency', start: 5_000_000, target: 8_000_000 }],
  ['获客成本 300元→200元', { title: '获客成本', kind: 'currency', start: 300, target: 200, direction: 'down' }],
  ['投诉次数 10->2', { title: '投诉次数', start: 10, target: 2, direction: 'down' }],
  ['课堂反馈 4.2 => 4.7 分', { title: '课堂反馈', start: 4.2, target: 4.7, unit: '分' }],
  ['试听转化率 20%~35%', { title: '试听转化率', kind: 'percent', start: 20, target: 35 }],
  ['到课率由85%提高至95%', { title: '到课率', start: 85, target: 95 }],
  ['错误率 5‰→2‰', { title: '错误率', unit: '‰', start: 5, target: 2, direction: 'down' }],
  ['缺陷密度 8‱→3‱', { title: '缺陷密度', unit: '‱', start: 8, target: 3, direction: 'down' }],
  ['home visits 0->20', { title: 'home visits', start: 0, target: 20 }],
  ['ARR $1M→$2M', { title: 'ARR', kind: 'currency', unit: '$', start: 1_000_000, target: 2_000_000 }],
  ['ARR $1.5M to $3M', { title: 'ARR', kind: 'currency', start: 1_500_000, target: 3_000_000 }],
  ['Revenue 2mn to 3mn', { title: 'Revenue', start: 2_000_000, target: 3_000_000 }],
  ['Valuation $1B→$2.5B', { title: 'Valuation', kind: 'currency', start: 1_000_000_000, target: 2_500_000_000 }],
  ['DAU 10k→15k', { title: 'DAU', start: 10_000, target: 15_000 }],
  ['注册用户 5w→8w', { title: '注册用户', start: 50_000, target: 80_000 }],
  ['年度营收 3千万→5千万', { title: '年度营收', start: 30_000_000, target: 50_000_000 }],
  ['线索量 2百万→3百万', { title: '线索量', start: 2_000_000, target: 3_000_000 }],
  ['Page load time 3.2s -> 1.5s', { title: 'Page load time', start: 3.2, target: 1.5, direction: 'down', unit: 's' }],
  ['员工流失率 18% 降至 12%', { title: '员工流失率', start: 18, target: 12, direction: 'down' }],
  ['库存周转天数 45天→30天', { title: '库存周转天数', start: 45, target: 30, unit: '天', direction: 'down' }],
  // Bounds.
  ['满意度 ≥ 4.7', { title: '满意度', target: 4.7, direction: 'up', baselineMissing: true }],
  ['投诉 ≤ 3', { title: '投诉', target: 3, direction: 'down', baselineMissing: true }],
  ['毛利率不低于35%', { title: '毛利率', kind: 'percent', target: 35, direction: 'up' }],
  ['单次事故恢复时间不超过30分钟', { title: '单次事故恢复时间', target: 30, direction: 'down' }],
  ['每周阅读时长至少5小时', { title: '每周阅读时长', target: 5, unit: '小时' }],
  ['uptime at least 99.9%', { title: 'uptime', kind: 'percent', target: 99.9 }],
  ['P1 incidents at most 2', { title: 'P1 incidents', target: 2, direction: 'down' }],
  // One number: start 0.
  ['新签学员 50人', { title: '新签学员', target: 50, unit: '人', start: 0 }],
  ['新签学员50人', { title: '新签学员', target: 50, unit: '人' }],
  ['完成3个项目', { title: '完成3个项目', target: 3, unit: '个' }],
  ['新签20家客户', { title: '新签20家客户', target: 20, unit: '家' }],
  ['举办4场家长会', { title: '举办4场家长会', target: 4, unit: '场' }],
  ['发布2篇论文', { title: '发布2篇论文', target: 2, unit: '篇' }],
  ['完成3个里程碑', { title: '完成3个里程碑', kind: 'milestone', target: 3 }],
  ['家访 20 次', { title: '家访', target: 20, unit: '次' }],
  ['招聘高级工程师 5 名', { title: '招聘高级工程师', target: 5, unit: '名' }],
  ['签约金额 200万元', { title: '签约金额', kind: 'currency', target: 2_000_000 }],
  ['ship 12 features', { title: 'ship', target: 12, unit: 'features' }],
  // No number: a yes/no KR.
  ['上线新版官网', { title: '上线新版官网', kind: 'boolean', start: 0, target: 1 }],
  ['是否完成ISO认证', { title: '完成ISO认证', kind: 'boolean' }],
  ['Launch the parent app', { title: 'Launch the parent app', kind: 'boolean' }],
  ['Top10 榜单入选', { kind: 'boolean' }],
  // Bullets people paste.
  ['1. 续费率 52%→68%', { title: '续费率', start: 52, target: 68 }],
  ['KR2: 家访次数 0→20次', { title: '家访次数', target: 20 }],
  ['- 满意度 ≥ 4.7', { title: '满意度', target: 4.7 }],
  // Errors.
  ['续费率 60%→60%', { error: 'same_start_target' }],
  ['→ 68%', { error: 'bad_numbers' }],
  ['   ', { error: 'empty' }],
];

describe('KR line corpus', () => {
  it('has at least 50 real phrasings', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(50);
  });

  for (const [line, expected] of CORPUS)
    it(line.trim() || '(blank)', () => {
      expect(parseKrLine(line)).toMatchObject(expected);
    });
});
