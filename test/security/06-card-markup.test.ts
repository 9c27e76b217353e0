// Item 6 of the security review: employee text must not become live markup in bot cards.
// The reported adjustment reason is sent by a teacher on each platform through its emulator;
// the manager's approval card (Lark card, WeCom card/markdown, DingTalk card and markdown
// message) and the team's group-chat digest must show it as text: no @all mention, no link,
// no image.
import { afterEach, describe, expect, it } from 'vitest';
import { renderCardText, userText } from '../../cards/model';
import { buildDigestCard } from '../../cards/digest';
import { buildAlertDigestCard, buildKrAlertCard } from '../../cards/alert';
import { buildAlignmentPickerCard, buildObjectiveConfirmCard } from '../../cards/alignment-picker';
import { buildEscalationCard } from '../../cards/escalation';
import { buildCheckInTaskCard, buildSuggestionCard } from '../../cards/suggestion';
import { cardToText } from '../../cards/text';
import { renderLarkCard, renderLarkMessage } from '../../bots/lark/render';
import { cardAsMarkdownMessage, renderCardParamMap } from '../../bots/dingtalk/render';
import { cardToMarkdown } from '../../bots/wecom/render';
import { runJobNow } from '../../src/jobs';
import { teams } from '../../storage/schema';
import { seedSmallOrg } from '../helpers/fixtures';
import { startStack, type Stack } from '../helpers/e2e';
import { stackWaitFor } from '../helpers/wait';

const PAYLOAD = '<at id=all></at> [请重新登录飞书](https://evil.example/login) ![t](img_v2_evil)';
const REQUEST = `调整 KR1 目标 80 原因 ${PAYLOAD}`;

/** Live markup the payload could turn into on any platform. */
function expectInert(rendered: string) {
  expect(rendered).not.toMatch(/<at\b/i);
  expect(rendered).not.toMatch(/\]\(https?:/);
  expect(rendered).not.toMatch(/!\[/);
  expect(rendered).not.toContain('](img_v2_evil)');
  // …while the words are still there for the manager to read.
  expect(rendered).toContain('请重新登录飞书');
  expect(rendered).toContain('evil.example/login');
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});
const waitFor = stackWaitFor(() => stack!);

describe('the approval card on each platform, through the emulators', () => {
  it('Lark: the manager’s card shows the reason as text', async () => {
    stack = await startStack({});
    await seedSmallOrg(stack.store);
    await stack.lark!.deliverMessage({ openId: 'ou_alice', text: REQUEST });
    const card = await waitFor(
      () =>
        [...stack!.lark!.messages.values()].find(
          (m) => m.receiveId === 'ou_manager' && JSON.stringify(m.content).includes('请重新登录飞书'),
        ),
      'the approval card',
    );
    expectInert(JSON.stringify(card.content));
  });

  it('WeCom: the manager’s card shows the reason as text', async () => {
    stack = await startStack({ lark: false, wecom: true });
    await seedSmallOrg(stack.store);
    await stack.wecom!.deliverText({ userid: 'ZhangWei', content: REQUEST });
    const sent = await waitFor(() => {
      const toManager = [...stack!.wecom!.messages.values()].filter((m) => m.touser.includes('WangFang'));
      return toManager.some((m) => JSON.stringify(m).includes('请重新登录飞书')) && toManager;
    }, 'the approval card');
    // Markdown bodies render markup, so the reason must be inert there; template_card fields are
    // plain text that WeCom shows exactly as written (no links, no mentions), so it appears as typed.
    for (const m of sent) {
      if (m.msgtype === 'markdown') expectInert(JSON.stringify(m.body));
      else expect(JSON.stringify(m.templateCard ?? m.body)).not.toContain('\uE000');
    }
    expect(sent.some((m) => m.msgtype === 'markdown' || m.msgtype === 'template_card')).toBe(true);
  });

  for (const template of [true, false]) {
    it(`DingTalk (${template ? 'card template' : 'markdown message'}): the reason stays text`, async () => {
      stack = await startStack({ lark: false, dingtalk: 'http', dingtalkCardTemplate: template });
      await seedSmallOrg(stack.store);
      await stack.dingtalk!.deliverText({ staffId: 'staff_alice', text: REQUEST });
      const rendered = await waitFor(() => {
        const all = [
          ...[...stack!.dingtalk!.cards.values()].map((c) => JSON.stringify(c.cardParamMap)),
          ...stack!.dingtalk!.messages.map((m) => JSON.stringify(m.msgParam)),
        ].filter((s) => s.includes('请重新登录飞书'));
        return all.length > 0 && all.join('\n');
      }, 'the approval message');
      expectInert(rendered);
    });
  }
});

describe('the team group-chat digest', () => {
  it('Lark: the digest in the team chat lists the reason as text', async () => {
    stack = await startStack({});
    await seedSmallOrg(stack.store);
    await stack.store.db.update(teams).set({ larkChatId: 'oc_team_sales' });
    await stack.lark!.deliverMessage({ openId: 'ou_alice', text: REQUEST });
    await waitFor(
      () => [...stack!.lark!.messages.values()].some((m) => m.receiveId === 'ou_manager'),
      'the approval card',
    );
    await runJobNow(stack.services, 'weekly-digest', { force: true } as never);
    await stack.flush();
    const digest = [...stack.lark!.messages.values()].find(
      (m) => m.chatId === 'oc_team_sales' && JSON.stringify(m.content).includes('请重新登录飞书'),
    );
    expect(digest, 'a digest with the adjustment in the team chat').toBeDefined();
    expectInert(JSON.stringify(digest!.content));
  });

  it('every renderer and the text fallback escape the same digest', () => {
    const card = buildDigestCard(
      {
        teamName: 'Sales',
        cycleName: '2026 Q4',
        week: '2026-W48',
        objectives: [],
        members: [],
        movers: [],
        notCheckedIn: [],
        adjustments: [{ requester: '张伟', kind: 'target', reason: PAYLOAD }],
      },
      'zh-CN',
    );
    expectInert(JSON.stringify(renderLarkCard(card)));
    expectInert(JSON.stringify(renderCardParamMap(card)));
    expectInert(JSON.stringify(cardAsMarkdownMessage(card)));
    expectInert(cardToMarkdown(card));
    expect(cardToText(card)).not.toMatch(/<at\b/i);
  });
});

describe('every card that carries text from a person or an admin', () => {
  const condition = {
    metric: 'renewal_rate',
    period: 'month' as const,
    consecutive: 1,
    op: '<' as const,
    threshold: 0.6,
  };
  const kr = {
    id: 'kr_1',
    number: 1,
    title: PAYLOAD,
    kind: 'number' as const,
    start: 0,
    target: 10,
    current: 2,
    progress: 0.2,
  };
  const facts = { kind: 'off_track' as const, progress: 0.2, expected: 0.6 };
  const cards = {
    'KR alert (manager copy)': buildKrAlertCard({
      locale: 'zh-CN',
      audience: 'manager',
      ownerName: PAYLOAD,
      kr,
      facts,
    }),
    'daily alert card': buildAlertDigestCard({
      locale: 'zh-CN',
      personName: PAYLOAD,
      own: [{ kr, facts }],
      team: [{ kr, facts, ownerName: PAYLOAD }],
    }),
    'low-score escalation': buildEscalationCard({
      locale: 'zh-CN',
      firingId: 'f1',
      personName: PAYLOAD,
      personTitle: PAYLOAD,
      coachName: PAYLOAD,
      ruleName: PAYLOAD,
      condition,
      trend: [{ period: '2026-11', value: 0.5 }],
    }),
    'rule suggestion': buildSuggestionCard({
      locale: 'zh-CN',
      personName: PAYLOAD,
      ruleName: PAYLOAD,
      condition,
      values: [{ period: '2026-11', value: 0.5 }],
      suggestion: PAYLOAD,
    }),
    'check-in task': buildCheckInTaskCard({ locale: 'zh-CN', personName: PAYLOAD, ruleName: PAYLOAD, condition }),
    'alignment picker': buildAlignmentPickerCard({
      locale: 'zh-CN',
      conv: 'c1',
      objectiveTitle: PAYLOAD,
      options: [{ krId: 'kr_2', title: PAYLOAD, owner: PAYLOAD }],
    }),
    'new objective confirmation': buildObjectiveConfirmCard({
      locale: 'zh-CN',
      conv: 'c1',
      title: PAYLOAD,
      krs: [PAYLOAD],
      alignment: userText(PAYLOAD),
    }),
  };
  /** The Lark card without its plain_text slots, which Lark shows literally (the header title). */
  const larkMarkup = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(larkMarkup);
    if (!node || typeof node !== 'object') return node;
    const record = node as Record<string, unknown>;
    if (record.tag === 'plain_text') return { tag: 'plain_text', content: '请重新登录飞书 evil.example/login' };
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, larkMarkup(v)]));
  };
  for (const [name, card] of Object.entries(cards))
    it(`${name}: inert on every renderer`, () => {
      expectInert(JSON.stringify(larkMarkup(renderLarkCard(card))));
      // DingTalk: the template's markdown and the markdown message's text render markup; titles
      // and button labels are plain text.
      expectInert(renderCardParamMap(card).markdown);
      expectInert(`${renderCardParamMap(card).title} 请重新登录飞书 evil.example/login`);
      expectInert(cardAsMarkdownMessage(card).text);
      expectInert(cardToMarkdown(card));
    });
});

describe('the card model', () => {
  it('keeps trusted formatting and escapes only user spans', () => {
    const text = `**原因**：${userText('**粗体** <at id=all></at>')}`;
    expect(renderCardText(text, (s) => s.replace(/[*<>]/g, '_'))).toBe('**原因**：__粗体__ _at id=all__/at_');
  });

  it('a Lark text reply cannot @all either', () => {
    const body = renderLarkMessage({ text: `已记录，备注：${PAYLOAD}` });
    expect(body.content).not.toMatch(/<at\b/i);
  });
});
