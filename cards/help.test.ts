import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/chat/parse';
import { buildHelpCard, helpEntries, helpText } from './help';
import { cardButtons } from './model';

describe('help', () => {
  it.each(['zh-CN', 'en'] as const)('every example in the %s help parses as a real command', (locale) => {
    const entries = helpEntries(locale);
    expect(entries).toHaveLength(20);
    for (const entry of entries) {
      expect(parseCommand(entry.example).type).not.toMatch(/unknown|invalid/);
      expect(entry.description.length).toBeGreaterThan(0);
    }
  });

  it('lists the commands of the design brief', () => {
    const zh = helpText('zh-CN');
    for (const command of ['我的OKR', 'KR1 45', '信心', '备注', '调整 KR1 目标 80 原因', '新目标', '团队', '帮助'])
      expect(zh).toContain(command);
    const en = helpText('en');
    for (const command of [
      'my okrs',
      'KR1 45',
      'confidence',
      'note',
      'adjust KR1 target 80 because',
      'new objective',
      'team',
      'help',
    ])
      expect(en).toContain(command);
  });

  it('has buttons for the two most common next steps, with text equivalents', () => {
    const buttons = cardButtons(buildHelpCard('zh-CN'));
    expect(buttons.map((b) => [b.actionId, b.command])).toEqual([
      ['okrs.mine', '我的OKR'],
      ['objective.new', '新目标'],
    ]);
    expect(cardButtons(buildHelpCard('en')).map((b) => b.text)).toEqual(['My OKRs', 'New objective']);
  });

  it('starts the text with the title', () => {
    expect(helpText('zh-CN').startsWith('【Polaris 使用帮助】')).toBe(true);
    expect(helpText('en').startsWith('Polaris help\n')).toBe(true);
  });
});
