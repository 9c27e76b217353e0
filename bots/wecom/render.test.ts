import { describe, expect, it } from 'vitest';
import type { Card, CardButton } from '../../cards/model';
import { validateTemplateCard } from './emulator';
import {
  decodeButtonKey,
  fitsTemplateCard,
  LIMITS,
  renderOutbound,
  renderTemplateCard,
  splitByBytes,
  taskIdFor,
} from './render';

const approve: CardButton = {
  text: '同意',
  actionId: 'approval.decide',
  value: { id: 'adj_1', d: 'approve' },
  style: 'primary',
};
const reject: CardButton = {
  text: '拒绝',
  actionId: 'approval.decide',
  value: { id: 'adj_1', d: 'reject' },
  style: 'danger',
};

const approval: Card = {
  header: { title: '目标调整申请', subtitle: '张三 申请调整 KR1', color: 'orange' },
  blocks: [
    {
      type: 'fields',
      fields: [
        { label: '原目标', value: '60' },
        { label: '新目标', value: '80' },
        { label: '原因', value: '市场变化，需要提高目标以匹配新的季度预算和更长的说明文字' },
      ],
    },
    { type: 'actions', buttons: [approve, reject] },
  ],
};

const bytes = (s: string) => new TextEncoder().encode(s).length;

describe('renderTemplateCard', () => {
  it('renders a small card with buttons as button_interaction within every limit', () => {
    expect(fitsTemplateCard(approval)).toBe(true);
    const card = renderTemplateCard(approval, 'polaris_ob_1');
    expect(validateTemplateCard(card)).toBeUndefined();
    expect(card).toMatchObject({
      card_type: 'button_interaction',
      task_id: 'polaris_ob_1',
      main_title: { title: '目标调整申请', desc: '张三 申请调整 KR1' },
      horizontal_content_list: [
        { keyname: '原目标', value: '60' },
        { keyname: '新目标', value: '80' },
      ],
      button_list: [
        { type: 0, text: '同意', style: 1 },
        { type: 0, text: '拒绝', style: 3 },
      ],
    });
    // The long field does not fit the two-column list: it becomes a line of text instead of being cut.
    expect(card.sub_title_text).toContain('原因：市场变化');
    const keys = (card.button_list as { key: string }[]).map((b) => decodeButtonKey(b.key));
    expect(keys).toEqual([
      { actionId: 'approval.decide', value: approve.value },
      { actionId: 'approval.decide', value: reject.value },
    ]);
  });

  it('makes duplicate keys unique and still decodable', () => {
    const card = renderTemplateCard(
      {
        header: { title: 't', color: 'blue' },
        blocks: [{ type: 'actions', buttons: [approve, { ...approve, text: '再次同意' }] }],
      },
      't1',
    );
    const keys = (card.button_list as { key: string }[]).map((b) => b.key);
    expect(new Set(keys).size).toBe(2);
    expect(validateTemplateCard(card)).toBeUndefined();
    expect(decodeButtonKey(keys[1])).toEqual({ actionId: approve.actionId, value: approve.value });
  });

  it('uses text_notice for buttonless cards when a URL is configured', () => {
    const card = renderTemplateCard(
      { header: { title: '周报', color: 'blue' }, blocks: [{ type: 'markdown', text: '**本周** 进展良好' }] },
      't2',
      { cardUrl: 'https://okr.example.com' },
    );
    expect(card).toMatchObject({
      card_type: 'text_notice',
      sub_title_text: '本周 进展良好',
      card_action: { type: 1, url: 'https://okr.example.com' },
    });
    expect(validateTemplateCard(card)).toBeUndefined();
  });
});

describe('renderOutbound', () => {
  it('sends a fitting card as one template card', () => {
    const out = renderOutbound({ card: approval }, 'polaris_x');
    expect(out.bodies.map((b) => b.msgtype)).toEqual(['template_card']);
    expect(out.primary).toBe(0);
  });

  it('degrades a long card to full markdown plus a short card with the buttons', () => {
    const long: Card = {
      header: { title: '我的OKR：2025年第三季度 华东区域销售增长与客户满意度提升计划', color: 'blue' },
      blocks: [
        ...Array.from({ length: 12 }, (_, i) => ({
          type: 'progress' as const,
          label: `KR${i + 1} 签约客户数量达到目标`,
          percent: i * 9,
          status: 'at_risk' as const,
        })),
        { type: 'actions', buttons: [{ text: '更新进度', actionId: 'kr.checkin', value: { kr: 'kr_1' } }] },
      ],
    };
    expect(fitsTemplateCard(long)).toBe(false);
    const out = renderOutbound({ card: long }, 'polaris_y');
    expect(out.bodies.map((b) => b.msgtype)).toEqual(['markdown', 'template_card']);
    expect(out.primary).toBe(1);
    const md = out.bodies[0].msgtype === 'markdown' ? out.bodies[0].markdown.content : '';
    expect(md).toContain('KR12 签约客户数量达到目标');
    expect(md).toContain(long.header.title);
    const card = out.bodies[1].msgtype === 'template_card' ? out.bodies[1].template_card : {};
    expect(validateTemplateCard(card)).toBeUndefined();
    expect(card).toMatchObject({
      task_id: 'polaris_y',
      main_title: { desc: '详情见上一条消息' },
      button_list: [{ text: '更新进度' }],
    });
  });

  it('keeps the 6 most important of too many buttons and names the rest with the text-command hint', () => {
    const buttons: CardButton[] = Array.from({ length: 8 }, (_, i) => ({
      text: `操作${i}`,
      actionId: 'x.do',
      value: { i: String(i) },
      style: i === 7 ? 'primary' : 'default',
    }));
    const out = renderOutbound(
      { card: { header: { title: '操作', color: 'blue' }, blocks: [{ type: 'actions', buttons }] } },
      'p',
    );
    const last = out.bodies.at(-1);
    const list = last?.msgtype === 'template_card' ? (last.template_card.button_list as { text: string }[]) : [];
    expect(list.map((b) => b.text)).toEqual(['操作0', '操作1', '操作2', '操作3', '操作4', '操作7']);
    const md = out.bodies[0].msgtype === 'markdown' ? out.bodies[0].markdown.content : '';
    expect(md).toContain('操作5、操作6');
    expect(md).toContain('帮助');
  });

  it('sends buttonless cards as markdown when no URL is configured, and splits at 2048 bytes', () => {
    const card: Card = {
      header: { title: 'Weekly digest', color: 'blue' },
      blocks: Array.from({ length: 80 }, (_, i) => ({
        type: 'markdown' as const,
        text: `Line ${i}: ${'progress '.repeat(5)}`,
      })),
    };
    const out = renderOutbound({ card }, 'p');
    expect(out.bodies.length).toBeGreaterThan(1);
    expect(out.bodies.every((b) => b.msgtype === 'markdown' && bytes(b.markdown.content) <= LIMITS.contentBytes)).toBe(
      true,
    );
    const all = out.bodies.map((b) => (b.msgtype === 'markdown' ? b.markdown.content : '')).join('\n');
    expect(all).toContain('Line 79');
  });

  it('splits long text messages by bytes without losing characters', () => {
    const text = '你好'.repeat(1500);
    const pieces = splitByBytes(text);
    expect(pieces.every((p) => bytes(p) <= 2048)).toBe(true);
    expect(pieces.join('')).toBe(text);
    expect(renderOutbound({ text: 'hi' }, 'p').bodies).toEqual([{ msgtype: 'text', text: { content: 'hi' } }]);
  });

  it('derives task ids WeCom accepts', () => {
    expect(taskIdFor('ob_01J:abc/def')).toBe('polaris_ob_01J_abc_def');
    expect(taskIdFor('x'.repeat(300)).length).toBeLessThanOrEqual(128);
  });
});
