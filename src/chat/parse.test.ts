import { describe, expect, it } from 'vitest';
import { parseCommand, type Command } from './parse';

/** Full-width version of the ASCII in a string, as a Chinese IME types it. */
const fullWidth = (s: string) =>
  s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).replace(/ /g, '\u3000');

/** The same message as people really send it: other case, width, spacing, @-mention. */
function variants(text: string): string[] {
  return [
    text,
    text.toUpperCase(),
    text.toLowerCase(),
    fullWidth(text),
    `  ${text.replace(/ /g, '   ')}  `,
    `@Polaris ${text}`,
    `@_user_1 ${fullWidth(text)}`,
    `＠机器人　${text}`,
  ];
}

function expectEach(cases: [string, Command | Partial<Command>][]) {
  const rows = cases.flatMap(([text, expected]) => variants(text).map((v) => [v, expected] as const));
  it.each(rows)('%j', (input, expected) => {
    expect(parseCommand(input)).toMatchObject(expected);
  });
}

describe('simple commands', () => {
  expectEach([
    ['帮助', { type: 'help' }],
    ['help', { type: 'help' }],
    ['?', { type: 'help' }],
    ['？', { type: 'help' }],
    ['/help', { type: 'help' }],
    ['菜单', { type: 'help' }],
    ['我的OKR', { type: 'my_okrs' }],
    ['我的 okr', { type: 'my_okrs' }],
    ['我的OKRs', { type: 'my_okrs' }],
    ['my okrs', { type: 'my_okrs' }],
    ['my okr', { type: 'my_okrs' }],
    ['okr', { type: 'my_okrs' }],
    ['/okr', { type: 'my_okrs' }],
    ['我的目标', { type: 'my_okrs' }],
    ['新目标', { type: 'new_objective' }],
    ['新建目标', { type: 'new_objective' }],
    ['new objective', { type: 'new_objective' }],
    ['new okr', { type: 'new_objective' }],
    ['团队', { type: 'team' }],
    ['team', { type: 'team' }],
    ['team status', { type: 'team' }],
    ['团队进度', { type: 'team' }],
    ['取消', { type: 'cancel' }],
    ['cancel', { type: 'cancel' }],
  ]);

  it('ignores trailing punctuation', () => {
    expect(parseCommand('帮助。')).toEqual({ type: 'help' });
    expect(parseCommand('my okrs!')).toEqual({ type: 'my_okrs' });
  });
});

describe('check-ins', () => {
  expectEach([
    ['KR1 45', { type: 'checkin', kr: 1, value: 45, percentSign: false }],
    ['kr1 45%', { type: 'checkin', kr: 1, value: 45, percentSign: true }],
    ['KR1 45 %', { type: 'checkin', kr: 1, value: 45, percentSign: true }],
    ['更新 KR1 45', { type: 'checkin', kr: 1, value: 45 }],
    ['更新KR1 45', { type: 'checkin', kr: 1, value: 45 }],
    ['update KR1 45', { type: 'checkin', kr: 1, value: 45 }],
    ['update KR1 to 45', { type: 'checkin', kr: 1, value: 45 }],
    ['KR1 45 信心 7', { type: 'checkin', kr: 1, value: 45, confidence: 7 }],
    ['KR1 45 信心7', { type: 'checkin', kr: 1, value: 45, confidence: 7 }],
    ['KR1 45 信心 7/10', { type: 'checkin', kr: 1, value: 45, confidence: 7 }],
    ['KR1 45 信心 0', { type: 'checkin', kr: 1, value: 45, confidence: 0 }],
    ['KR1 45 信心 10', { type: 'checkin', kr: 1, value: 45, confidence: 10 }],
    [
      'KR1 45 信心7 备注 本周完成3次家访',
      { type: 'checkin', kr: 1, value: 45, confidence: 7, note: '本周完成3次家访' },
    ],
    ['KR1 45 备注 本周完成3次家访', { type: 'checkin', kr: 1, value: 45, note: '本周完成3次家访' }],
    ['update kr2 3.5 confidence 8 note finished the survey', { type: 'checkin', kr: 2, value: 3.5, confidence: 8 }],
    ['KR2 3.5 conf 8', { type: 'checkin', kr: 2, value: 3.5, confidence: 8 }],
    ['KR1=45', { type: 'checkin', kr: 1, value: 45 }],
    ['KR1 = 45', { type: 'checkin', kr: 1, value: 45 }],
    ['KR1:45', { type: 'checkin', kr: 1, value: 45 }],
    ['KR1：45', { type: 'checkin', kr: 1, value: 45 }],
    ['kr 1 45', { type: 'checkin', kr: 1, value: 45 }],
    ['KR#2 45', { type: 'checkin', kr: 2, value: 45 }],
    ['KR12 7', { type: 'checkin', kr: 12, value: 7 }],
    ['KR1 -3', { type: 'checkin', kr: 1, value: -3 }],
    ['KR1 -3.25', { type: 'checkin', kr: 1, value: -3.25 }],
    ['KR1 0.5', { type: 'checkin', kr: 1, value: 0.5 }],
    ['KR1 .5', { type: 'checkin', kr: 1, value: 0.5 }],
    ['KR1 1.2万', { type: 'checkin', kr: 1, value: 12000 }],
    ['KR1 12k', { type: 'checkin', kr: 1, value: 12000 }],
    ['KR1 12,000', { type: 'checkin', kr: 1, value: 12000 }],
    ['KR1 ¥12,000', { type: 'checkin', kr: 1, value: 12000 }],
    ['KR1 32次', { type: 'checkin', kr: 1, value: 32 }],
    ['KR1 32 次', { type: 'checkin', kr: 1, value: 32 }],
    ['KR1 4.7分 信心 8', { type: 'checkin', kr: 1, value: 4.7, confidence: 8 }],
    ['KR1 完成', { type: 'checkin', kr: 1, value: 1, done: true }],
    ['KR1 已完成', { type: 'checkin', kr: 1, value: 1, done: true }],
    ['KR1 未完成', { type: 'checkin', kr: 1, value: 0, done: false }],
    ['KR1 done', { type: 'checkin', kr: 1, value: 1, done: true }],
    ['KR1 not done', { type: 'checkin', kr: 1, value: 0, done: false }],
    ['KR1 done confidence 9', { type: 'checkin', kr: 1, value: 1, confidence: 9 }],
  ]);

  it.each<[string, Command]>([
    [
      'KR1 45 信心7 备注 本周完成3次家访',
      { type: 'checkin', kr: 1, value: 45, percentSign: false, confidence: 7, note: '本周完成3次家访' },
    ],
    [
      'update kr2 3.5 confidence 8 note finished the survey',
      { type: 'checkin', kr: 2, value: 3.5, percentSign: false, confidence: 8, note: 'finished the survey' },
    ],
    [
      'KR1 45，信心：7，备注：顺利',
      { type: 'checkin', kr: 1, value: 45, percentSign: false, confidence: 7, note: '顺利' },
    ],
    ['KR1 45 本周完成3次家访', { type: 'checkin', kr: 1, value: 45, percentSign: false, note: '本周完成3次家访' }],
    [
      'KR1 45 信心 7 本周顺利',
      { type: 'checkin', kr: 1, value: 45, percentSign: false, confidence: 7, note: '本周顺利' },
    ],
    ['KR1 45 备注 信心 还不错', { type: 'checkin', kr: 1, value: 45, percentSign: false, note: '信心 还不错' }],
    ['ＫＲ１　４５％', { type: 'checkin', kr: 1, value: 45, percentSign: true }],
    [
      'KR1 45 备注 Finished THE Survey',
      { type: 'checkin', kr: 1, value: 45, percentSign: false, note: 'Finished THE Survey' },
    ],
    ['KR1 1.1万', { type: 'checkin', kr: 1, value: 11000, percentSign: false }],
  ])('exactly %j', (input, expected) => {
    expect(parseCommand(input)).toEqual(expected);
  });

  it('keeps the case of notes', () => {
    expect(parseCommand('kr1 45 note Called ACME')).toMatchObject({ note: 'Called ACME' });
  });
});

describe('invalid check-ins (recognised intent, bad arguments)', () => {
  expectEach([
    ['KR1', { type: 'invalid', reason: 'missing_value', kr: 1 }],
    ['KR1 =', { type: 'invalid', reason: 'missing_value', kr: 1 }],
    ['更新 KR1', { type: 'invalid', reason: 'missing_value', kr: 1 }],
    ['update kr3', { type: 'invalid', reason: 'missing_value', kr: 3 }],
    ['更新', { type: 'invalid', reason: 'missing_kr' }],
    ['update', { type: 'invalid', reason: 'missing_kr' }],
    ['KR0 45', { type: 'invalid', reason: 'bad_kr_number' }],
    ['KR1 abc', { type: 'invalid', reason: 'bad_value', kr: 1 }],
    ['KR1 45 50', { type: 'invalid', reason: 'extra_value', kr: 1 }],
    ['KR1 45 KR2 60', { type: 'invalid', reason: 'one_kr_at_a_time', kr: 1 }],
    ['KR1 45 信心 11', { type: 'invalid', reason: 'confidence_range', kr: 1 }],
    ['KR1 45 信心 -1', { type: 'invalid', reason: 'confidence_range', kr: 1 }],
    ['KR1 45 信心 7.5', { type: 'invalid', reason: 'confidence_range', kr: 1 }],
    ['KR1 45 confidence 12', { type: 'invalid', reason: 'confidence_range', kr: 1 }],
    ['KR1 45 信心', { type: 'invalid', reason: 'missing_confidence', kr: 1 }],
    ['KR1 45 信心 高', { type: 'invalid', reason: 'missing_confidence', kr: 1 }],
  ]);

  it('hints in the language of the message', () => {
    expect(parseCommand('KR1 45 信心 11')).toMatchObject({ hint: 'KR1 45 信心 7' });
    expect(parseCommand('KR1 45 confidence 11')).toMatchObject({ hint: 'KR1 45 confidence 7' });
    expect(parseCommand('KR1')).toMatchObject({ hint: 'KR1 45 信心 7' });
    expect(parseCommand('update KR2')).toMatchObject({ hint: 'KR2 45 confidence 7' });
  });
});

describe('adjustments', () => {
  expectEach([
    [
      '调整 KR1 目标 80 原因 家长反馈周期变长',
      { type: 'adjust', kr: 1, change: { field: 'target', value: 80 }, reason: '家长反馈周期变长' },
    ],
    [
      '调整KR1目标80原因家长反馈周期变长',
      { type: 'adjust', kr: 1, change: { field: 'target', value: 80 }, reason: '家长反馈周期变长' },
    ],
    ['调整 KR1 目标 80', { type: 'adjust', kr: 1, change: { field: 'target', value: 80 } }],
    ['调整 KR1 目标 80%', { type: 'adjust', kr: 1, change: { field: 'target', value: 80 } }],
    ['调整 KR1 目标改为 1.5万 原因 预算', { type: 'adjust', kr: 1, change: { field: 'target', value: 15000 } }],
    ['申请调整 KR1 目标 80 理由 太难', { type: 'adjust', kr: 1, change: { field: 'target', value: 80 } }],
    ['修改 KR1 目标为 90', { type: 'adjust', kr: 1, change: { field: 'target', value: 90 } }],
    [
      'adjust KR1 target 80 because parents need longer',
      { type: 'adjust', kr: 1, change: { field: 'target', value: 80 } },
    ],
    ['adjust kr1 target to 80 reason: budget cut', { type: 'adjust', kr: 1, change: { field: 'target', value: 80 } }],
    ['调整 KR2 起点 10', { type: 'adjust', kr: 2, change: { field: 'start', value: 10 } }],
    [
      'adjust KR2 start 10 because baseline was wrong',
      { type: 'adjust', kr: 2, change: { field: 'start', value: 10 } },
    ],
    ['调整 KR1 权重 2', { type: 'adjust', kr: 1, change: { field: 'weight', value: 2 } }],
    ['adjust KR1 weight 0.5', { type: 'adjust', kr: 1, change: { field: 'weight', value: 0.5 } }],
    ['调整 KR3 删除 原因 不再适用', { type: 'adjust', kr: 3, change: { field: 'drop' }, reason: '不再适用' }],
    ['调整 KR3 放弃', { type: 'adjust', kr: 3, change: { field: 'drop' } }],
    ['adjust KR3 drop because obsolete', { type: 'adjust', kr: 3, change: { field: 'drop' } }],
    ['adjust KR3 remove', { type: 'adjust', kr: 3, change: { field: 'drop' } }],
    ['调整 O1 删除', { type: 'adjust', objective: 1, change: { field: 'drop' } }],
    ['调整 KR1 目标 -5', { type: 'adjust', kr: 1, change: { field: 'target', value: -5 } }],
  ]);

  it.each<[string, Command]>([
    [
      '调整 KR1 标题 新标题 原因 更清楚',
      { type: 'adjust', kr: 1, change: { field: 'title', value: '新标题' }, reason: '更清楚' },
    ],
    [
      'adjust KR1 title Home Visits Done because clearer',
      { type: 'adjust', kr: 1, change: { field: 'title', value: 'Home Visits Done' }, reason: 'clearer' },
    ],
    ['调整 O2 标题 提升续费', { type: 'adjust', objective: 2, change: { field: 'title', value: '提升续费' } }],
    [
      '调整 O1 新增KR 家访次数 0→20次 原因 新重点',
      {
        type: 'adjust',
        objective: 1,
        change: {
          field: 'add',
          kr: { title: '家访次数', kind: 'number', start: 0, target: 20, unit: '次', direction: 'up' },
        },
        reason: '新重点',
      },
    ],
    [
      'adjust O1 add KR home visits 0->20 because focus',
      {
        type: 'adjust',
        objective: 1,
        change: { field: 'add', kr: { title: 'home visits', kind: 'number', start: 0, target: 20, direction: 'up' } },
        reason: 'focus',
      },
    ],
    [
      '调整 新增KR 续费率 60%→68%',
      {
        type: 'adjust',
        change: {
          field: 'add',
          kr: { title: '续费率', kind: 'percent', start: 60, target: 68, unit: '%', direction: 'up' },
        },
      },
    ],
    [
      '调整 KR1 目标 80 原因 家长反馈周期变长',
      { type: 'adjust', kr: 1, change: { field: 'target', value: 80 }, reason: '家长反馈周期变长' },
    ],
  ])('exactly %j', (input, expected) => {
    expect(parseCommand(input)).toEqual(expected);
  });

  expectEach([
    ['调整', { type: 'invalid', reason: 'missing_kr' }],
    ['adjust', { type: 'invalid', reason: 'missing_kr' }],
    ['调整 目标 80', { type: 'invalid', reason: 'missing_kr' }],
    ['调整 KR1', { type: 'invalid', reason: 'missing_change', kr: 1 }],
    ['调整 KR1 80', { type: 'invalid', reason: 'missing_change', kr: 1 }],
    ['调整 KR1 目标', { type: 'invalid', reason: 'bad_value', kr: 1 }],
    ['调整 KR1 目标 很多', { type: 'invalid', reason: 'bad_value', kr: 1 }],
    ['调整 KR1 权重 -1', { type: 'invalid', reason: 'bad_value', kr: 1 }],
    ['调整 KR0 目标 80', { type: 'invalid', reason: 'bad_kr_number' }],
    ['调整 O1 目标 80', { type: 'invalid', reason: 'needs_kr' }],
    ['调整 O1 新增KR', { type: 'invalid', reason: 'bad_kr_line', detail: 'empty' }],
    ['调整 O1 新增KR 0→20', { type: 'invalid', reason: 'bad_kr_line', detail: 'missing_title' }],
    ['调整 KR1 标题', { type: 'invalid', reason: 'missing_change', kr: 1 }],
  ]);
});

describe('delegation', () => {
  it.each<[string, Command]>([
    ['委托 张三 7天', { type: 'delegate', to: '张三', days: 7 }],
    ['委托张三 7天', { type: 'delegate', to: '张三', days: 7 }],
    ['委托 张三', { type: 'delegate', to: '张三' }],
    ['委托给 张三 7天', { type: 'delegate', to: '张三', days: 7 }],
    ['委托给李四 3天', { type: 'delegate', to: '李四', days: 3 }],
    ['委托 @李四 3 天', { type: 'delegate', to: '李四', days: 3 }],
    [
      'ｄｅｌｅｇａｔｅ　ｔｏ　Ｚｈａｎｇ　Ｓａｎ　ｆｏｒ　７　ｄａｙｓ',
      { type: 'delegate', to: 'Zhang San', days: 7 },
    ],
    ['delegate to Zhang San for 7 days', { type: 'delegate', to: 'Zhang San', days: 7 }],
    ['delegate to Zhang San', { type: 'delegate', to: 'Zhang San' }],
    ['delegate lisi 1 day', { type: 'delegate', to: 'lisi', days: 1 }],
    ['delegate @lisi 5d', { type: 'delegate', to: 'lisi', days: 5 }],
    // `委托` alone shows the running delegation and how to end it (issue 18).
    ['委托', { type: 'delegation_status' }],
    ['delegate', { type: 'delegation_status' }],
    ['delegate to', { type: 'delegation_status' }],
    ['委托 取消', { type: 'end_delegation' }],
    ['委托 结束', { type: 'end_delegation' }],
    ['delegate none', { type: 'end_delegation' }],
    ['委托 张三 0天', { type: 'invalid', reason: 'bad_days', hint: '委托 张三 7天' }],
    ['委托 张三 400天', { type: 'invalid', reason: 'bad_days', hint: '委托 张三 7天' }],
  ])('%j', (input, expected) => {
    expect(parseCommand(input)).toEqual(expected);
  });
});

describe('never misread', () => {
  it.each([
    '我觉得KR1还行',
    'KR1还行',
    '我的KR1 45',
    '请帮我更新一下',
    '更新一下周报',
    'hello',
    '你好',
    '帮助我',
    'help me with KR1',
    'okr 好',
    'okr是什么',
    'my okrs are great',
    'krypton 5',
    '45',
    'KR',
    'team building on friday',
    '修改一下文案',
    'change of plans',
    '取消会议',
    'new objectives are coming',
    '@Polaris',
    '',
    '   ',
    '目标 80',
    'O1 45',
  ])('%j is unknown', (input) => {
    expect(parseCommand(input)).toMatchObject({ type: 'unknown' });
  });

  it('returns the normalised text of an unknown message', () => {
    expect(parseCommand('@Polaris  你好　世界')).toEqual({ type: 'unknown', text: '你好 世界' });
  });

  it('never throws, whatever the input', () => {
    const nasty = [
      '\u0000',
      '🙂'.repeat(1000),
      'KR'.repeat(5000),
      `KR1 ${'9'.repeat(400)}`,
      '调整 '.repeat(500),
      '(((((',
      '\\',
      'KR1 1e309',
      `委托 ${'x'.repeat(10000)}`,
    ];
    for (const input of nasty) expect(() => parseCommand(input)).not.toThrow();
  });

  it('rejects values too large to be a number', () => {
    expect(parseCommand(`KR1 ${'9'.repeat(400)}`)).toMatchObject({ type: 'invalid', reason: 'bad_value', kr: 1 });
    expect(parseCommand(`调整 KR1 目标 ${'9'.repeat(400)}`)).toMatchObject({ type: 'invalid', reason: 'bad_value' });
  });
});

// Issue 18: parser gaps and the new commands.
describe('issue 18: gaps and new commands', () => {
  expectEach([
    ['我的OKR？', { type: 'my_okrs' }],
    ['okr?', { type: 'my_okrs' }],
    ['帮助?', { type: 'help' }],
    ['KR1 +2', { type: 'checkin', kr: 1, value: 2, delta: true }],
    ['KR1 -2', { type: 'checkin', kr: 1, value: -2, delta: true }],
    ['KR1 信心 6', { type: 'confidence', kr: 1, confidence: 6 }],
    ['KR2 confidence 3', { type: 'confidence', kr: 2, confidence: 3 }],
    ['撤回', { type: 'withdraw' }],
    ['withdraw', { type: 'withdraw' }],
    ['撤回 KR2', { type: 'withdraw', kr: 2 }],
    ['withdraw 2', { type: 'withdraw', index: 2 }],
    ['待审批', { type: 'approvals' }],
    ['approvals', { type: 'approvals' }],
    ['结束委托', { type: 'end_delegation' }],
    ['取消委托', { type: 'end_delegation' }],
    ['end delegation', { type: 'end_delegation' }],
    ['查看 李娜', { type: 'show', name: '李娜' }],
    ['查看李娜的OKR', { type: 'show', name: '李娜' }],
    ['催一下 李娜', { type: 'nudge', name: '李娜' }],
    ['nudge 李娜', { type: 'nudge', name: '李娜' }],
  ]);

  it('reads a note after a confidence-only update', () => {
    expect(parseCommand('KR2 confidence 3 note tough week')).toEqual({
      type: 'confidence',
      kr: 2,
      confidence: 3,
      note: 'tough week',
    });
    expect(parseCommand('nudge Li Na')).toEqual({ type: 'nudge', name: 'Li Na' });
  });

  it('keeps case in names (matched case-insensitively later)', () => {
    expect(parseCommand('show Li Na')).toEqual({ type: 'show', name: 'Li Na' });
    expect(parseCommand('委托 emily carter')).toEqual({ type: 'delegate', to: 'emily carter' });
  });

  it('never reads part of a number: 1e3 is refused, not recorded as 1 with a note', () => {
    expect(parseCommand('KR1 1e3')).toMatchObject({ type: 'invalid', reason: 'bad_value', kr: 1 });
    expect(parseCommand('KR1 4.5.1')).toMatchObject({ type: 'invalid', reason: 'bad_value', kr: 1 });
  });

  it('does not drop a confidence given with an adjustment', () => {
    expect(parseCommand('调整 KR1 目标 50 信心 3')).toMatchObject({
      type: 'invalid',
      reason: 'adjust_confidence',
      hint: 'KR1 信心 3',
    });
    expect(parseCommand('调整 KR1 目标 50 随便写点')).toMatchObject({ type: 'invalid', reason: 'bad_value' });
    expect(parseCommand('调整 KR1 目标 50 次')).toMatchObject({ type: 'adjust', change: { value: 50 } });
  });

  it('gives hints in the reply language when told it', () => {
    expect(parseCommand('KR3 abc')).toMatchObject({ hint: 'KR3 45 confidence 7' });
    expect(parseCommand('KR3 abc', { locale: 'zh-CN' })).toMatchObject({ hint: 'KR3 45 信心 7' });
    expect(parseCommand('KR3 差不多', { locale: 'en' })).toMatchObject({ hint: 'KR3 45 confidence 7' });
  });
});
