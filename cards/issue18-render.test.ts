// Issue 18's card defects, through the real renderers: the WeCom coach card
// after 我来跟进, the WeCom team card's status, DingTalk's repeated subtitle, the
// company digest's repeated check-in rate, the approval card's negative
// progress, raw metric keys and bilingual rule names, the roll-up KR hint.
import { describe, expect, it } from 'vitest';
import { renderCardParamMap } from '../bots/dingtalk/render';
import { renderTemplateCard } from '../bots/wecom/render';
import { buildCompanyDigestCard } from './company-digest';
import { buildEscalationCard } from './escalation';
import { buildMyOkrsCard } from './my-okrs';
import { buildTeamCard } from './team';
import { buildKrAlertCard } from './alert';

const trend = [
  { period: '2026-10-05', value: 4.31 },
  { period: '2026-10-12', value: 4.28 },
  { period: '2026-10-19', value: 4.22 },
  { period: '2026-10-26', value: 4.19 },
  { period: '2026-11-02', value: 4.12 },
  { period: '2026-11-09', value: 4.05 },
];
const escalation = (acknowledged?: boolean) =>
  buildEscalationCard({
    locale: 'zh-CN',
    firingId: 'fir_1',
    personName: '郑军',
    personTitle: '数学老师',
    coachName: '何静',
    ruleName: '课堂反馈连续两周低于 4.5 / Feedback below 4.5 for 2 weeks',
    condition: { metric: 'feedback_score', period: 'week', consecutive: 2, op: '<', threshold: 4.5 },
    trend,
    ...(acknowledged
      ? { acknowledged: { byName: '何静', at: '2026-11-27T02:00:00Z', action: 'follow_up' as const } }
      : {}),
    now: '2026-11-27T03:00:00Z',
  });

describe('issue 18 cards', () => {
  it('the WeCom coach card keeps "已确认跟进" after 我来跟进 and never cuts inside a number', () => {
    const json = renderTemplateCard(escalation(true), 'task_1') as { sub_title_text: string };
    expect(json.sub_title_text).toContain('已确认跟进');
    expect(json.sub_title_text).not.toMatch(/\d\.…/);
    expect([...json.sub_title_text].length).toBeLessThanOrEqual(112);
  });

  it('metric keys show as names, and a bilingual rule name shows one language', () => {
    const text = JSON.stringify(escalation());
    expect(text).toContain('课堂反馈评分');
    expect(text).not.toContain('feedback_score');
    expect(text).toContain('课堂反馈连续两周低于 4.5');
    expect(text).not.toContain('Feedback below');
  });

  it('the WeCom team card shows each status once', () => {
    const card = buildTeamCard({
      manager: { id: 'p', name: '王芳', locale: 'zh-CN' },
      cycle: { id: 'c', name: '2026 Q4', startsOn: '2026-10-01', endsOn: '2026-12-31', expectedPace: 0.6 },
      members: [
        {
          name: '张伟',
          progress: 0.2,
          status: 'off_track',
          objectives: 1,
          lastCheckInAt: null,
          checkedInThisWeek: false,
        },
      ],
      pendingApprovals: 0,
    });
    const json = JSON.stringify(renderTemplateCard(card, 'task_2', { cardUrl: 'https://polaris.example/dashboard' }));
    expect(json).toContain('落后');
    expect(json).not.toMatch(/落后\s+落后/);
  });

  it('DingTalk template cards do not repeat the subtitle as the body’s first line', () => {
    const card = buildTeamCard({
      manager: { id: 'p', name: '王芳', locale: 'zh-CN' },
      cycle: { id: 'c', name: '2026 Q4', startsOn: '2026-10-01', endsOn: '2026-12-31', expectedPace: 0.6 },
      members: [],
      pendingApprovals: 0,
    });
    const map = renderCardParamMap(card);
    expect(map.subtitle).toBe('0 位成员');
    expect(map.markdown).not.toContain('0 位成员');
  });

  it('the company digest shows 本周更新率 once', () => {
    const card = buildCompanyDigestCard(
      {
        orgName: '星火教育',
        cycleName: '2026 Q4',
        week: '第 9 周',
        alignmentRate: 0.8,
        checkInRate: 0.6,
        adjustmentRatePer100: 12,
        people: 60,
        objectives: 70,
        statusCounts: { on_track: 1, at_risk: 2, off_track: 3, done: 0, not_started: 4 },
        pendingAdjustments: 1,
      },
      'zh-CN',
    );
    expect(JSON.stringify(card).split('本周更新率').length - 1).toBe(1);
  });

  it('a card with only a roll-up KR gives no "回复 KR1 10" hint', () => {
    const card = buildMyOkrsCard({
      person: { id: 'p', name: '马艳', locale: 'zh-CN' },
      cycle: { id: 'c', name: '2026 Q4', startsOn: '2026-10-01', endsOn: '2026-12-31', expectedPace: 0.6 },
      objectives: [
        {
          id: 'o',
          title: '朝阳中心续费率领跑集团',
          progress: 0.5,
          status: 'on_track',
          keyResults: [
            {
              number: 1,
              id: 'k',
              title: '朝阳中心续费率 ≥ 68%',
              kind: 'percent',
              start: 52,
              target: 68,
              current: 60,
              unit: '%',
              direction: 'up',
              progress: 0.5,
              status: 'on_track',
              progressMode: 'children',
            },
          ],
        },
      ],
    });
    expect(JSON.stringify(card)).not.toContain('回复 KR1');
  });

  it('a yes/no KR alert suggests "KR4 完成", not "KR4 0"', () => {
    const card = buildKrAlertCard({
      locale: 'zh-CN',
      audience: 'owner',
      ownerName: '张伟',
      kr: { id: 'k', number: 4, title: '完成公开课', kind: 'boolean', start: 0, target: 1, current: 0, progress: 0 },
      facts: { kind: 'stale', days: 14, lastCheckInAt: null },
    });
    const text = JSON.stringify(card);
    expect(text).not.toContain('KR4 0');
    expect(text).toContain('KR4 完成');
  });
});
