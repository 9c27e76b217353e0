// Metrics ingestion, rule validation and evaluation against a real SQLite file.
import { and, eq, like } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkIns,
  keyResults,
  metricPoints,
  organizations,
  outbox,
  personFlags,
  ruleFirings,
} from '../../storage/schema';
import { evaluateOrg } from '../../src/rules/engine';
import { ADMIN_TOKEN, createTestApp } from '../helpers/app';
import { IDS } from '../helpers/fixtures';
import { COACH, recordingAdapter, seedOrgWithCoach, weeksAgo } from './helpers';

let h: ReturnType<typeof createTestApp>;
const NOW = new Date('2026-11-27T02:00:00Z'); // Friday 10:00 in Shanghai; the week began Monday 2026-11-23

/** Three weeks earlier: a pass then is each rule's baseline (records, sends nothing) before the data turns bad. */
const EARLIER = new Date(NOW.getTime() - 21 * 86_400_000);

beforeEach(async () => {
  h = createTestApp({ now: NOW.toISOString(), env: { INGEST_TOKEN: 'ingest-secret-0123456789abcdef' } });
  await seedOrgWithCoach(h.store);
  // The admin has turned alert sending on (new orgs only observe).
  await h.store.db
    .update(organizations)
    .set({ settings: { alerts: 'send' } })
    .where(eq(organizations.id, IDS.org));
});
afterEach(() => h.close());

const ingest = (body: unknown, query = '', token = 'ingest-secret-0123456789abcdef', type = 'application/json') =>
  h.app.request(`/api/v1/metrics${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const points = async () => h.store.db.select().from(metricPoints);

const FEEDBACK_RULE = {
  name: '课堂反馈低于 4.5 连续两周',
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
      'zh-CN': '建议本周旁听一节优秀老师的课，并和教研主管复盘一次。',
      en: 'Sit in on a top-rated class this week.',
    },
  },
};

/** Alice low two weeks running; Bob low last week but recovered this week. */
async function lowScores() {
  const res = await ingest([
    { metric: 'feedback_score', subject: 'E002', at: weeksAgo(NOW, 1), value: 4.1 },
    { metric: 'feedback_score', subject: 'E002', at: weeksAgo(NOW, 1, 1), value: 4.3 },
    { metric: 'feedback_score', subject: 'E002', at: weeksAgo(NOW, 0), value: 4.2 },
    { metric: 'feedback_score', subject: 'E003', at: weeksAgo(NOW, 1), value: 4.0 },
    { metric: 'feedback_score', subject: 'E003', at: weeksAgo(NOW, 0), value: 4.8 },
  ]);
  expect(res.status).toBe(200);
}

async function evaluate(now = NOW) {
  const { adapter } = recordingAdapter();
  const [org] = await h.store.db.select().from(organizations).where(eq(organizations.id, IDS.org));
  return evaluateOrg({ store: h.store, config: h.config, adapters: new Map([['lark', adapter]]) }, org, now);
}

describe('POST /api/v1/metrics', () => {
  it('rejects a batch with bad points, listing each, and stores nothing', async () => {
    const res = await ingest([
      { metric: 'feedback_score', subject: 'E002', at: '2026-11-20', value: 4.5 },
      { metric: 'feedback score', subject: 'E002', at: '2026-11-20', value: 4 },
      { metric: 'feedback_score', subject: 'nobody', at: '2026-11-20', value: 4 },
      { metric: 'feedback_score', subject: 'E002', at: 'yesterday', value: 'x' },
      { metric: 'feedback_score', subject: 'E002', at: '2027-01-01', value: 4 },
    ]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { index: number; field: string }[] } };
    expect(body.error.code).toBe('invalid_points');
    expect(body.error.details.map((d) => `${d.index}:${d.field}`)).toEqual([
      '1:metric',
      '2:subject',
      '3:at',
      '3:value',
      '4:at',
    ]);
    expect(await points()).toHaveLength(0);
  });

  it('with ?partial=true stores the good points and returns the rejected ones', async () => {
    const res = await ingest(
      [
        { metric: 'feedback_score', subject: 'E002', at: '2026-11-20T09:00:00+08:00', value: 4.5 },
        { metric: 'feedback_score', subject: 'E002', at: '2026-11-21', value: null },
      ],
      '?partial=true',
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { stored: number; rejected: { index: number }[] };
    expect(body.stored).toBe(1);
    expect(body.rejected.map((r) => r.index)).toEqual([1]);
    expect(await points()).toMatchObject([{ subject: 'E002', at: '2026-11-20T01:00:00.000Z', value: 4.5 }]);
  });

  it('takes CSV, is idempotent on (metric, subject, at), and a resend with a new value corrects it', async () => {
    const csv = 'metric,subject,at,value\nrenewal_rate,E003,2026-11-01,55%\nrenewal_rate,org,2026-11-01,58.5\n';
    expect((await ingest(csv, '', 'ingest-secret-0123456789abcdef', 'text/csv')).status).toBe(200);
    expect((await ingest(csv, '', 'ingest-secret-0123456789abcdef', 'text/csv')).status).toBe(200);
    expect(await points()).toHaveLength(2);
    await ingest(
      'metric,subject,at,value\nrenewal_rate,E003,2026-11-01,57\n',
      '',
      'ingest-secret-0123456789abcdef',
      'text/csv',
    );
    const rows = await points();
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.subject === 'E003')!.value).toBe(57);
  });

  it('accepts INGEST_TOKEN or ADMIN_TOKEN; the ingest token opens nothing else', async () => {
    const one = [{ metric: 'm', subject: 'org', at: '2026-11-20', value: 1 }];
    expect((await ingest(one, '', ADMIN_TOKEN)).status).toBe(200);
    expect((await ingest(one, '', 'wrong')).status).toBe(401);
    const other = await h.app.request('/api/v1/rules', {
      headers: { authorization: 'Bearer ingest-secret-0123456789abcdef' },
    });
    expect(other.status).toBe(401);
  });

  it("reads a plain date in the org's time zone, so a monthly point west of UTC stays in its month", async () => {
    await h.store.db
      .update(organizations)
      .set({ settings: { alerts: 'send', timezone: 'America/Los_Angeles' } })
      .where(eq(organizations.id, IDS.org));
    expect((await ingest([{ metric: 'renewal_rate', subject: 'E002', at: '2026-11-01', value: 57 }])).status).toBe(200);
    const [p] = await points();
    // Midnight of 1 November in Los Angeles (still daylight time), not 31 October 17:00 there.
    expect(p.at).toBe('2026-11-01T07:00:00.000Z');
    const bad = await ingest([{ metric: 'renewal_rate', subject: 'E002', at: '2026-02-30', value: 57 }]);
    expect(bad.status).toBe(400);
  });

  it('refuses more than 10,000 points', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => ({
      metric: 'm',
      subject: 'org',
      at: new Date(Date.parse('2026-01-01') + i * 60_000).toISOString(),
      value: i,
    }));
    expect((await ingest(many)).status).toBe(413);
    expect(await points()).toHaveLength(0);
  });

  it("updates a metric-bound KR from its owner's points and records a metric check-in", async () => {
    await h.store.db
      .update(keyResults)
      .set({ progressMode: 'metric', metricKey: 'satisfaction', metricAggregation: 'avg' })
      .where(eq(keyResults.id, IDS.aliceKr2));
    const res = await ingest([
      { metric: 'satisfaction', subject: 'E002', at: '2026-11-10', value: 4.4 },
      { metric: 'satisfaction', subject: 'E002', at: '2026-11-20', value: 4.6 },
      { metric: 'satisfaction', subject: 'E003', at: '2026-11-20', value: 3 },
    ]);
    const body = (await res.json()) as { key_results_updated: { id: string; value: number }[] };
    expect(body.key_results_updated).toEqual([{ id: IDS.aliceKr2, previous_value: 4.4, value: 4.5 }]);
    const [ci] = await h.store.db.select().from(checkIns).where(eq(checkIns.keyResultId, IDS.aliceKr2));
    expect(ci).toMatchObject({ source: 'metric', value: 4.5, previousValue: 4.4 });
  });
});

describe('rules API', () => {
  const post = (body: unknown) => h.api('POST', '/api/v1/rules', body);

  it('refuses an unknown metric, an impossible window and a malformed action, with clear errors', async () => {
    let res = await post(FEEDBACK_RULE);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unknown_metric');
    await lowScores();
    res = await post({ ...FEEDBACK_RULE, definition: { ...FEEDBACK_RULE.definition, consecutive: 60 } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('impossible window');
    res = await post({
      ...FEEDBACK_RULE,
      definition: { ...FEEDBACK_RULE.definition, actions: [{ type: 'set_flag', flag: 'Has Spaces' }] },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('definition.actions[0].flag');
    res = await post({
      ...FEEDBACK_RULE,
      definition: { ...FEEDBACK_RULE.definition, scope: { type: 'team', teams: ['没有这个团队'] } },
    });
    expect(res.status).toBe(400);
    expect((await h.api('GET', '/api/v1/rules')).status).toBe(200);
  });

  it('lists the built-in KR alerts, editable but not deletable', async () => {
    const list = (await (await h.api('GET', '/api/v1/rules')).json()) as {
      items: { id: string; builtin: string | null; enabled: boolean }[];
    };
    expect(list.items.map((r) => r.builtin).sort()).toEqual(['kr_confidence_drop', 'kr_stale', 'kr_status']);
    const stale = list.items.find((r) => r.builtin === 'kr_stale')!;
    const patched = await h.api('PATCH', `/api/v1/rules/${stale.id}`, {
      definition: { kind: 'builtin', builtin: 'kr_stale', days: 21 },
    });
    expect(patched.status).toBe(200);
    expect((await h.api('DELETE', `/api/v1/rules/${stale.id}`)).status).toBe(409);
  });

  it('previews whom a rule hits now without writing anything', async () => {
    await lowScores();
    const created = (await (await post(FEEDBACK_RULE)).json()) as { id: string; mode: string };
    expect(created.mode).toBe('enforce');
    const res = await h.api('POST', `/api/v1/rules/${created.id}/preview`);
    const body = (await res.json()) as { hits: { subject: { external_id: string }; values: { value: number }[] }[] };
    expect(body.hits.map((x) => x.subject.external_id)).toEqual(['E002']);
    expect(body.hits[0].values.map((v) => v.value)).toEqual([4.2, 4.2]);
    expect(await h.store.db.select().from(ruleFirings)).toHaveLength(0);
  });
});

describe('evaluation', () => {
  it('fires once per (rule, subject, period), even when passes run twice or concurrently, and resolves when it clears', async () => {
    await lowScores();
    const rule = (await (await h.api('POST', '/api/v1/rules', FEEDBACK_RULE)).json()) as { id: string };
    await evaluate(EARLIER);
    const first = await evaluate();
    expect(first.perRule.find((r) => r.ruleId === rule.id)).toMatchObject({ fired: 1, resolved: 0 });
    await Promise.all([evaluate(), evaluate()]);
    const firings = await h.store.db.select().from(ruleFirings).where(eq(ruleFirings.ruleId, rule.id));
    expect(firings).toHaveLength(1);
    expect(firings[0]).toMatchObject({ subject: IDS.alice, period: '2026-11-23', state: 'firing' });
    const rows = await h.store.db
      .select()
      .from(outbox)
      .where(like(outbox.subject, `%${firings[0].id}%`));
    expect(rows.map((r) => (r.target as { id: string }).id).sort()).toEqual(['ou_alice', COACH.lark]);
    expect(JSON.stringify(rows.find((r) => (r.target as { id: string }).id === 'ou_alice')!.payload)).toContain(
      '建议本周旁听一节优秀老师的课',
    );

    // Alice's week recovers (a corrected value): the firing resolves, and does not fire again this week.
    await ingest([{ metric: 'feedback_score', subject: 'E002', at: weeksAgo(NOW, 0), value: 4.9 }]);
    expect((await evaluate()).resolved).toBeGreaterThanOrEqual(1);
    const [after] = await h.store.db.select().from(ruleFirings).where(eq(ruleFirings.id, firings[0].id));
    expect(after.state).toBe('resolved');
  });

  it('an observe-mode rule sets the flag (observe only) and sends nothing; the flag clears with the condition', async () => {
    await ingest([
      { metric: 'renewal_rate', subject: 'E003', at: '2026-11-05', value: 52 },
      { metric: 'renewal_rate', subject: 'E002', at: '2026-11-05', value: 75 },
    ]);
    const res = await h.api('POST', '/api/v1/rules', {
      name: '月续费率低于 60% 冻结晋升提名',
      mode: 'observe',
      definition: {
        metric: 'renewal_rate',
        period: 'month',
        aggregation: 'last',
        condition: { op: '<', threshold: 60 },
        consecutive: 1,
        actions: [{ type: 'set_flag', flag: 'promotion_nomination_frozen' }, { type: 'notify_manager' }],
      },
    });
    const rule = (await res.json()) as { id: string };
    await evaluate();
    const flags = (await (await h.api('GET', '/api/v1/flags?person=E003')).json()) as {
      items: { flag: string; observe_only: boolean }[];
    };
    expect(flags.items).toEqual([expect.objectContaining({ flag: 'promotion_nomination_frozen', observe_only: true })]);
    const [firing] = await h.store.db.select().from(ruleFirings).where(eq(ruleFirings.ruleId, rule.id));
    expect(
      await h.store.db
        .select()
        .from(outbox)
        .where(like(outbox.subject, `%${firing.id}%`)),
    ).toHaveLength(0);
    await ingest([{ metric: 'renewal_rate', subject: 'E003', at: '2026-11-20', value: 64 }]);
    await evaluate();
    expect(
      await h.store.db
        .select()
        .from(personFlags)
        .where(and(eq(personFlags.personId, IDS.bob))),
    ).toHaveLength(0);
  });

  it('the escalation card says how many weeks in a row the trend shows below, not only the rule minimum', async () => {
    await ingest(
      [0, 1, 2, 3, 4, 5].map((w) => ({ metric: 'feedback_score', subject: 'E002', at: weeksAgo(NOW, w), value: 4.0 })),
    );
    await h.api('POST', '/api/v1/rules', FEEDBACK_RULE);
    await evaluate(new Date(NOW.getTime() - 10 * 7 * 86_400_000));
    await evaluate();
    const [card] = await h.store.db
      .select()
      .from(outbox)
      .where(and(like(outbox.subject, 'escalation:%'), eq(outbox.platform, 'lark')));
    const text = JSON.stringify(card.payload);
    expect(text).toContain('连续 6 周');
    expect(text).not.toContain('连续 2 周');
  });

  it("escalates to the coach's manager when nobody acknowledges within 3 days, once", async () => {
    await lowScores();
    await h.api('POST', '/api/v1/rules', FEEDBACK_RULE);
    await evaluate(EARLIER);
    await evaluate();
    const later = new Date(NOW.getTime() + 3 * 86_400_000 + 3_600_000);
    // The scores have to stay low in the new week as well.
    await h.store.db
      .insert(metricPoints)
      .values({ orgId: IDS.org, metric: 'feedback_score', subject: 'E002', at: weeksAgo(later, 0), value: 4.0 });
    expect((await evaluate(later)).escalated).toBe(1);
    expect((await evaluate(later)).escalated).toBe(0);
    const toManager = await h.store.db.select().from(outbox).where(like(outbox.subject, 'escalation:%'));
    expect(toManager.map((r) => (r.target as { id: string }).id).sort()).toEqual([COACH.lark, 'ou_manager']);
  });

  it('built-in KR alerts fire once per state change, naming the numbers', async () => {
    await evaluate(EARLIER);
    await evaluate();
    const firstCount = (await h.store.db.select().from(ruleFirings)).length;
    await evaluate();
    expect((await h.store.db.select().from(ruleFirings)).length).toBe(firstCount);
    const stale = await h.store.db
      .select()
      .from(outbox)
      .where(eq(outbox.subject, `kr-alerts:${IDS.alice}:2026-11-27`));
    expect(stale.length).toBeGreaterThan(0);
    expect(JSON.stringify(stale.map((r) => r.payload))).toMatch(/天未更新|落后|有风险/);
  });
});
