// Which causes raise which outbound webhook events, stored in the cause's own batch and once:
// adjustment.decided from an approval card (not again on a second click), rule.fired from an
// evaluation pass (not on the rule's silent baseline, not again on the next pass). The
// subscriptions are paused so the rows stay in the outbox for the test to read (held, not sent).
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { HELD_UNTIL, ruleFiredStatement } from '../../storage/webhook-events';
import { evaluateOrg } from '../../src/rules/engine';
import type { Store } from '../../storage/db';
import { organizations, outbox, webhookSubscriptions } from '../../storage/schema';
import { createTestApp } from '../helpers/app';
import { IDS } from '../helpers/fixtures';
import { approvalCard, click, message, startHarness } from '../approvals/harness';
import { recordingAdapter, seedOrgWithCoach, weeksAgo } from '../rules/helpers';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function pausedSubscription(store: Store, events: string[]) {
  await store.db.insert(webhookSubscriptions).values({
    id: 'whs_test',
    orgId: IDS.org,
    url: 'https://hooks.example.com/polaris',
    events,
    secret: 'whsec_test_0123456789abcdef',
    status: 'paused',
  });
}

const deliveries = (store: Store, event: string) =>
  store.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.platform, 'webhook'), eq(outbox.subject, `webhook:${event}`)));

describe('events', () => {
  it('adjustment.decided: one event per decision, in the batch of the decision', async () => {
    const h = await startHarness();
    closers.push(() => h.close());
    await pausedSubscription(h.store, ['adjustment.decided']);
    await h.dispatch(message('ou_alice', '调整 KR1 目标 120 原因 新增两个班'));
    expect(await deliveries(h.store, 'adjustment.decided')).toHaveLength(0);
    const { messageId, adj } = approvalCard(h, 'ou_manager');
    await h.dispatch(click('ou_manager', 'adj.approve', { adj }, messageId));
    await h.dispatch(click('ou_manager', 'adj.reject', { adj, note: 'no' }, messageId));
    const rows = await deliveries(h.store, 'adjustment.decided');
    expect(rows).toHaveLength(1);
    expect(rows[0].nextAttemptAt).toBe(HELD_UNTIL);
    expect(rows[0].payload).toMatchObject({
      type: 'adjustment.decided',
      data: {
        adjustment: {
          id: adj,
          status: 'approved',
          decided_by: IDS.manager,
          requester_id: IDS.alice,
          proposed: { target: 120 },
          reason: '新增两个班',
        },
      },
    });
  });

  it('rule.fired: not for the baseline pass, once per firing afterwards', async () => {
    const NOW = new Date('2026-11-27T02:00:00Z');
    const h = createTestApp({ now: NOW.toISOString() });
    closers.push(() => h.close());
    await seedOrgWithCoach(h.store);
    await pausedSubscription(h.store, ['rule.fired']);
    const evaluate = async (at: Date) => {
      const [org] = await h.store.db.select().from(organizations).where(eq(organizations.id, IDS.org));
      const { adapter } = recordingAdapter();
      return evaluateOrg({ store: h.store, config: h.config, adapters: new Map([['lark', adapter]]) }, org, at);
    };
    const created = await h.api('POST', '/api/v1/metrics', [
      { metric: 'feedback_score', subject: 'E002', at: weeksAgo(NOW, 1), value: 4.1 },
      { metric: 'feedback_score', subject: 'E002', at: weeksAgo(NOW, 0), value: 4.2 },
    ]);
    expect(created.status).toBe(200);
    const rule = await h.api('POST', '/api/v1/rules', {
      name: '课堂反馈低于 4.5 连续两周',
      mode: 'observe',
      definition: {
        scope: { type: 'org' },
        metric: 'feedback_score',
        period: 'week',
        aggregation: 'avg',
        condition: { op: '<', threshold: 4.5 },
        consecutive: 2,
        actions: [{ type: 'notify_subject' }],
      },
    });
    const ruleId = ((await rule.json()) as { id: string }).id;
    // Baseline three weeks earlier (nothing low then), then the pass that fires, then a repeat.
    await evaluate(new Date(NOW.getTime() - 21 * 86_400_000));
    expect(await deliveries(h.store, 'rule.fired')).toHaveLength(0);
    await evaluate(NOW);
    await evaluate(new Date(NOW.getTime() + 3_600_000));
    const rows = (await deliveries(h.store, 'rule.fired')).filter(
      (r) => (r.payload as { data: { rule: { id: string } } }).data.rule.id === ruleId,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].payload).toMatchObject({
      type: 'rule.fired',
      data: {
        firing: { subject: IDS.alice },
        rule: { id: ruleId, name: '课堂反馈低于 4.5 连续两周', mode: 'observe' },
      },
    });
  });

  it('rule.fired costs an org without subscribers no firing scan, and finds a pass by index otherwise', async () => {
    const h = createTestApp();
    closers.push(() => h.close());
    await seedOrgWithCoach(h.store);
    const statement = ruleFiredStatement(h.store, {
      orgId: IDS.org,
      ruleId: 'rule_x',
      firedAt: '2026-11-27T02:00:00.000Z',
    });
    const { sql: text, params } = (statement as unknown as { toSQL(): { sql: string; params: unknown[] } }).toSQL();
    const plan = h.store.sqlite
      .prepare(`EXPLAIN QUERY PLAN ${text}`)
      .all(...(params as unknown[]))
      .map((r) => (r as { detail: string }).detail);
    // Subscriptions first (by org), then the pass's firings by (rule_id, fired_at).
    expect(plan[0]).toMatch(/webhook_subscriptions USING INDEX webhook_subscriptions_org/);
    expect(plan.join('\n')).toMatch(/rule_firings USING INDEX rule_firings_pass \(rule_id=\? AND fired_at=\?\)/);
  });
});
