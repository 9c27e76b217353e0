import { describe, expect, it } from 'vitest';
import type { Card } from '../../cards/model';
import { parseCardCallback } from './parse';
import { cardAsMarkdownMessage, renderCardParamMap, robotMessage } from './render';

const card: Card = {
  header: { title: '我的 OKR', subtitle: '2026 Q4', color: 'blue' },
  blocks: [
    { type: 'markdown', text: '**O1** 提升续费率' },
    { type: 'progress', label: 'KR1', percent: 45, status: 'at_risk', detail: '目标 80%' },
    { type: 'fields', fields: [{ label: '负责人', value: '张三' }] },
    { type: 'divider' },
    { type: 'note', text: '更新于 11-27' },
    {
      type: 'actions',
      buttons: [
        { text: '更新 KR1', actionId: 'kr.checkin', value: { krId: 'kr_1' }, style: 'primary', command: 'KR1 <进度>' },
      ],
    },
  ],
};

describe('render with a card template', () => {
  it('puts only string values in cardParamMap and encodes the buttons', () => {
    const map = renderCardParamMap(card);
    expect(Object.values(map).every((v) => typeof v === 'string')).toBe(true);
    expect(map.title).toBe('我的 OKR');
    expect(map.color).toBe('blue');
    expect(map.hasButtons).toBe('true');
    expect(map.markdown).toContain('**KR1**');
    expect(map.markdown).toContain('45%');
    expect(map.markdown).toContain('**负责人**: 张三');
    expect(JSON.parse(map.buttons)).toEqual([
      { text: '更新 KR1', style: 'primary', action: 'kr.checkin', value: '{"krId":"kr_1"}' },
    ]);
  });

  it('a click on a template button parses back to the CardButton actionId and value', async () => {
    const button = JSON.parse(renderCardParamMap(card).buttons)[0];
    const data = {
      type: 'actionCallback',
      outTrackId: 'out1',
      userId: 'u1',
      content: JSON.stringify({
        cardPrivateData: { actionIds: ['polaris_action'], params: { action: button.action, value: button.value } },
      }),
    };
    const parsed = await parseCardCallback(data);
    expect(
      parsed.ok &&
        parsed.event.type === 'card_action' && { actionId: parsed.event.actionId, value: parsed.event.value },
    ).toEqual({ actionId: 'kr.checkin', value: { krId: 'kr_1' } });
  });
});

describe('render without a card template', () => {
  it('falls back to a sampleMarkdown message that lists the buttons as text', () => {
    const { msgKey, msgParam } = robotMessage({ card });
    expect(msgKey).toBe('sampleMarkdown');
    const param = JSON.parse(msgParam);
    expect(param.title).toBe('我的 OKR');
    expect(param.text).toContain('更新 KR1: KR1 <进度>');
    expect(param.text).toContain('KR1');
    expect(param.text).not.toContain('**');
    expect(param).toEqual(cardAsMarkdownMessage(card));
    expect(robotMessage({ text: '你好' })).toEqual({ msgKey: 'sampleText', msgParam: '{"content":"你好"}' });
  });
});
