// Low-score escalation end to end over real HTTP: metrics ingested through the
// API with INGEST_TOKEN, the rules-evaluate job run through the jobs registry,
// cards delivered by the outbox to the Lark emulator, the coach's click handled
// by the running server, and the other copy of the card updated on Lark.
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { organizations, ruleFirings } from '../../storage/schema';
import { runJobNow } from '../../src/jobs';
import { evaluateOrg } from '../../src/rules/engine';
import { IDS } from '../helpers/fixtures';
import { startStack, type Stack } from '../helpers/e2e';
import { stackWaitFor } from '../helpers/wait';
import { COACH, seedOrgWithCoach, weeksAgo } from '../rules/helpers';

let stack: Stack;
const ADMIN = { authorization: 'Bearer e2e-admin-token-0123456789abcdef', 'content-type': 'application/json' };

beforeEach(async () => {
  stack = await startStack({ env: { INGEST_TOKEN: 'e2e-ingest-token-0123456789abcdef' } });
  await seedOrgWithCoach(stack.store);
});
afterEach(async () => {
  await stack?.stop();
});

const lark = () => stack.lark!;
const messagesTo = (openId: string) => [...lark().messages.values()].filter((m) => m.receiveId === openId);
const text = (content: unknown) => JSON.stringify(content);

const waitFor = stackWaitFor(() => stack);

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN) {
  const res = await fetch(`${stack.base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as any) };
}

describe('low-score escalation, end to end', () => {
  it('teacher gets the suggestion, coach the escalation; "I\'ll follow up" updates every copy; recovered teacher gets nothing; observe rule only flags', async () => {
    const now = new Date();
    // Two weeks of low feedback for Alice (E002); Bob (E003) was low last week and recovered this week.
    const ingest = await api(
      'POST',
      '/api/v1/metrics',
      [
        { metric: 'feedback_score', subject: 'E002', at: weeksAgo(now, 1), value: 4.1 },
        { metric: 'feedback_score', subject: 'E002', at: weeksAgo(now, 0), value: 4.2 },
        { metric: 'feedback_score', subject: 'E003', at: weeksAgo(now, 1), value: 4.0 },
        { metric: 'feedback_score', subject: 'E003', at: weeksAgo(now, 0), value: 4.9 },
        { metric: 'renewal_rate', subject: 'E003', at: weeksAgo(now, 0), value: 51 },
      ],
      { authorization: 'Bearer e2e-ingest-token-0123456789abcdef', 'content-type': 'application/json' },
    );
    expect(ingest.status).toBe(200);
    expect(ingest.body.stored).toBe(5);

    // Only the rules under test: the built-in KR alerts are switched off (they are editable like any rule).
    const listed = await api('GET', '/api/v1/rules');
    for (const r of listed.body.items)
      expect((await api('PATCH', `/api/v1/rules/${r.id}`, { enabled: false })).status).toBe(200);
    const feedback = await api('POST', '/api/v1/rules', {
      name: '课堂反馈连续两周低于 4.5',
      mode: 'enforce',
      definition: {
        scope: { type: 'role', titles: ['老师', 'Teacher'] },
        metric: 'feedback_score',
        period: 'week',
        aggregation: 'avg',
        condition: { op: '<', threshold: 4.5 },
        consecutive: 2,
        actions: [{ type: 'notify_subject' }, { type: 'escalate_coach' }],
        suggestion: {
          'zh-CN': '建议旁听一节高分老师的课，并和教研主管一起复盘课堂节奏。',
          en: 'Sit in on a top-rated class and review pacing with your coach.',
        },
      },
    });
    expect(feedback.status).toBe(201);
    const renewal = await api('POST', '/api/v1/rules', {
      name: '月续费率低于 60% 冻结晋升提名',
      mode: 'observe',
      definition: {
        metric: 'renewal_rate',
        period: 'month',
        aggregation: 'last',
        condition: { op: '<', threshold: 60 },
        actions: [{ type: 'set_flag', flag: 'promotion_nomination_frozen' }, { type: 'notify_manager' }],
      },
    });
    expect(renewal.status).toBe(201);

    // The admin turns alert sending on; the new rules' first (baseline) pass, here ten weeks back
    // before the low scores, records without sending.
    expect((await api('PATCH', '/api/v1/orgs/acme', { settings: { alerts: 'send' } })).status).toBe(200);
    const [org0] = await stack.store.db.select().from(organizations).where(eq(organizations.id, IDS.org));
    await evaluateOrg(stack.services, org0, new Date(now.getTime() - 70 * 86_400_000));

    const [run] = await runJobNow(stack.services, 'rules-evaluate', { orgIds: [IDS.org] });
    expect(run.outcome).toBe('done');

    const [suggestion] = await waitFor(
      () => messagesTo('ou_alice').length > 0 && messagesTo('ou_alice'),
      'the suggestion card',
    );
    expect(text(suggestion.content)).toContain('建议旁听一节高分老师的课');
    const [escalation] = await waitFor(
      () => messagesTo(COACH.lark).length > 0 && messagesTo(COACH.lark),
      'the escalation card',
    );
    expect(text(escalation.content)).toContain('张伟');
    expect(text(escalation.content)).toContain('4.1');
    expect(text(escalation.content)).toContain('我来跟进');
    expect(text(escalation.content)).toContain('安排辅导');

    // Nobody followed up for 3 days: the coach's manager gets a copy.
    const [firing] = await stack.store.db.select().from(ruleFirings).where(eq(ruleFirings.ruleId, feedback.body.id));
    await stack.store.db
      .update(ruleFirings)
      .set({ firedAt: new Date(now.getTime() - 4 * 86_400_000).toISOString() })
      .where(eq(ruleFirings.id, firing.id));
    const [org] = await stack.store.db.select().from(organizations).where(eq(organizations.id, IDS.org));
    expect((await evaluateOrg(stack.services, org, new Date())).escalated).toBe(1);
    const [managerCopy] = await waitFor(
      () => messagesTo('ou_manager').length > 0 && messagesTo('ou_manager'),
      "the coach's manager's copy",
    );
    expect(text(managerCopy.content)).toContain('已升级');

    // The coach clicks "我来跟进": their card changes in place, the manager's copy is updated too.
    const click = await lark().clickButton({ openId: COACH.lark, messageId: escalation.messageId, text: '我来跟进' });
    expect(click.status).toBe(200);
    expect(text(lark().messages.get(escalation.messageId)!.content)).toContain('已确认跟进');
    await waitFor(() => lark().messages.get(managerCopy.messageId)!.updates > 0, "the update of the manager's copy");
    expect(text(lark().messages.get(managerCopy.messageId)!.content)).toContain('赵教研 已确认跟进');
    const [acked] = await stack.store.db.select().from(ruleFirings).where(eq(ruleFirings.id, firing.id));
    expect(acked.acknowledgedBy).toBe(COACH.id);

    // A second click changes nothing.
    const again = await lark().clickButton({ openId: COACH.lark, messageId: escalation.messageId, text: '安排辅导' });
    expect(again.status).toBe(200);

    // Bob recovered: nothing for him. The observe rule flagged him, without consequences (no card to anyone).
    expect(messagesTo('ou_bob')).toHaveLength(0);
    const flags = await api('GET', '/api/v1/flags?person=E003');
    expect(flags.body.items).toEqual([
      expect.objectContaining({ flag: 'promotion_nomination_frozen', observe_only: true }),
    ]);
    expect(messagesTo('ou_manager')).toHaveLength(1);
  });
});
