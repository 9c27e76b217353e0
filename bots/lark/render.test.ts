import { describe, expect, it } from 'vitest';
import type { Card } from '../../cards/model';
import { MAX_CARD_BYTES, progressBar, renderLarkCard, renderLarkMessage } from './render';
import { cardButtons, validateCard } from './emulator-card';

const card: Card = {
  header: { title: '我的 OKR', subtitle: '2026 Q4', color: 'blue' },
  blocks: [
    { type: 'markdown', text: '**O1** 提升续费率' },
    {
      type: 'fields',
      fields: [
        { label: '负责人', value: '张三' },
        { label: '周期', value: 'Q4' },
        { label: '状态', value: '进行中' },
      ],
    },
    { type: 'progress', label: 'KR1 续费率 80%', percent: 52, status: 'at_risk', detail: '上次更新 11-20' },
    { type: 'progress', label: 'KR2', percent: 130 },
    { type: 'divider' },
    { type: 'note', text: '由 李四 于 11-27 批准' },
    {
      type: 'actions',
      buttons: [
        { text: '更新 KR1', actionId: 'kr.checkin', value: { krId: 'kr_1' }, style: 'primary' },
        { text: '拒绝', actionId: 'adj.reject', value: { id: 'adj_1' }, style: 'danger' },
      ],
    },
    { type: 'actions', buttons: [{ text: '详情', actionId: 'okr.view', value: {} }] },
  ],
};

describe('renderLarkCard', () => {
  const rendered = renderLarkCard(card) as Record<string, any>;

  it('produces card JSON 2.0 that the emulator (Lark schema model) accepts', () => {
    expect(rendered.schema).toBe('2.0');
    expect(rendered.config).toEqual({ update_multi: true });
    expect(rendered.header).toEqual({
      title: { tag: 'plain_text', content: '我的 OKR' },
      subtitle: { tag: 'plain_text', content: '2026 Q4' },
      template: 'blue',
    });
    expect(validateCard(rendered)).toBeNull();
  });

  it('renders each block with 2.0 elements only', () => {
    const elements = rendered.body.elements as any[];
    expect(elements.map((e) => e.tag)).toEqual([
      'markdown',
      'column_set',
      'column_set',
      'markdown',
      'markdown',
      'hr',
      'markdown',
      'column_set',
      'button',
    ]);
    expect(elements[1].columns).toHaveLength(2);
    expect(elements[2].columns).toHaveLength(1);
    expect(elements[3].content).toBe(
      "**KR1 续费率 80%**\n<font color='orange'>▓▓▓▓▓░░░░░ 52%</font>\n<font color='grey'>上次更新 11-20</font>",
    );
    expect(elements[4].content).toContain('▓▓▓▓▓▓▓▓▓▓ 130%');
    expect(elements[6]).toMatchObject({ tag: 'markdown', text_size: 'notation' });
    expect(elements[7]).toMatchObject({ tag: 'column_set', flex_mode: 'flow' });
    expect(elements[8]).toEqual({
      tag: 'button',
      text: { tag: 'plain_text', content: '详情' },
      type: 'default',
      behaviors: [{ type: 'callback', value: { action_id: 'okr.view', params: {} } }],
    });
    expect(JSON.stringify(rendered)).not.toContain('"tag":"action"');
    expect(cardButtons(rendered).map((b) => [b.text, b.value])).toEqual([
      ['更新 KR1', { action_id: 'kr.checkin', params: { krId: 'kr_1' } }],
      ['拒绝', { action_id: 'adj.reject', params: { id: 'adj_1' } }],
      ['详情', { action_id: 'okr.view', params: {} }],
    ]);
  });

  it('keeps large cards under 30 KB, noting what was left out and keeping the buttons', () => {
    const big: Card = {
      header: { title: 'Team', color: 'green' },
      blocks: [
        ...Array.from({ length: 400 }, (_, i) => ({
          type: 'progress' as const,
          label: `KR${i} ${'很长的关键结果描述'.repeat(5)}`,
          percent: i % 100,
        })),
        { type: 'actions', buttons: [{ text: 'More', actionId: 'team.more', value: {} }] },
      ],
    };
    const out = renderLarkCard(big) as Record<string, any>;
    expect(new TextEncoder().encode(JSON.stringify(out)).length).toBeLessThanOrEqual(MAX_CARD_BYTES);
    expect(validateCard(out)).toBeNull();
    const elements = out.body.elements as any[];
    expect(elements.at(-1).tag).toBe('button');
    expect(elements.at(-2).content).toMatch(/^… \(\+\d+\)$/);
    const omitted = Number(/\+(\d+)/.exec(elements.at(-2).content)![1]);
    expect(elements.length - 2 + omitted).toBe(400);
  });

  it('draws progress bars', () => {
    expect(progressBar(0)).toBe('░░░░░░░░░░ 0%');
    expect(progressBar(100)).toBe('▓▓▓▓▓▓▓▓▓▓ 100%');
    expect(progressBar(-5)).toBe('░░░░░░░░░░ -5%');
    expect(progressBar(Number.NaN)).toBe('░░░░░░░░░░ 0%');
  });
});

describe('renderLarkMessage', () => {
  it('makes text and interactive content strings', () => {
    expect(renderLarkMessage({ text: '你好 "x"' })).toEqual({ msg_type: 'text', content: '{"text":"你好 \\"x\\""}' });
    const cardBody = renderLarkMessage({ card });
    expect(cardBody.msg_type).toBe('interactive');
    expect(JSON.parse(cardBody.content).schema).toBe('2.0');
  });
});

describe('emulator card model', () => {
  it('rejects what Lark rejects', () => {
    const base = renderLarkCard(card) as Record<string, any>;
    const withExtra = structuredClone(base);
    withExtra.header.colour = 'x';
    expect(validateCard(withExtra)).toMatch(/unknown property card.header.colour/);
    const v1Action = structuredClone(base);
    v1Action.body.elements.push({ tag: 'action', actions: [] });
    expect(validateCard(v1Action)).toMatch(/not supported in card JSON 2.0/);
    const badButton = structuredClone(base);
    badButton.body.elements.at(-1).value = { a: 1 };
    expect(validateCard(badButton)).toMatch(/unknown property/);
    expect(validateCard({ ...base, schema: '1.0' })).toMatch(/schema/);
  });
});
