// The dashboard's rule builder through app.request() (issue 17 item 1): admins only, same-origin
// posts only, the API's validation (missing metric, bad threshold, unknown team: refused in the
// reader's language, nothing stored, nothing audited), the live preview answering like
// POST /api/v1/rules/preview, saving in observe mode with an audit row, observe ⇄ enforce, editing a
// built-in KR alert through the same form, and the rule page's hits-per-period chart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { ADMIN_TOKEN, createTestApp } from '../helpers/app';
import { loadDemo, type DemoSummary } from '../../storage/seed/demo';
import { auditLog, metricPoints, organizations, people, personFlags, rules } from '../../storage/schema';
import { createSession, SESSION_COOKIE } from '../../src/web/session';
import { demoFeed } from '../../src/metrics/demo-feed';
import { evaluateOrg } from '../../src/rules/engine';
import { ensureBuiltinRules } from '../../src/rules/repo';
import { DEMO_RULES } from '../../src/rules/demo';
import { hitHistory, metricChoices } from '../../src/web/rule-builder-data';

type H = ReturnType<typeof createTestApp>;
let h: H;
let demo: DemoSummary;
let builtinId = '';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** The seed's renewal rule as the form sends it: picked from lists, nothing typed but the name and 60. */
const RENEWAL_FORM: [string, string][] = [
  ['name', '月续费率低于 60% 冻结晋升提名'],
  ['enabled', 'yes'],
  ['enabled', 'no'],
  ['metric', 'renewal_rate'],
  ['period', 'month'],
  ['aggregation', 'last'],
  ['op', '<'],
  ['threshold', '60'],
  ['consecutive', '1'],
  ['scope_type', 'role'],
  ['titles', '老师'],
  ['titles_text', 'Teacher'],
  ['actions', 'set_flag'],
  ['flag', 'promotion_nomination_frozen'],
  ['actions', 'notify_manager'],
  ['after_days', '3'],
];

function post(path: string, fields: [string, string][], headers: Record<string, string> = admin) {
  return h.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}
const replace = (fields: [string, string][], key: string, value: string | null): [string, string][] => [
  ...fields.filter(([k]) => k !== key),
  ...(value === null ? [] : [[key, value] as [string, string]]),
];
const ruleCount = async () => (await h.store.db.select().from(rules).where(eq(rules.orgId, demo.orgId))).length;
const auditCount = async () => (await h.store.db.select().from(auditLog).where(eq(auditLog.entityType, 'rule'))).length;
async function personCookie(personId: string) {
  const exp = Math.floor(h.clock.now().getTime() / 1000) + 3600;
  const session = await createSession(
    h.store,
    ADMIN_TOKEN,
    { sub: personId, org: demo.orgId, via: 'test', exp },
    h.clock.now(),
  );
  return { cookie: `${SESSION_COOKIE}=${session}` };
}
/** Teachers whose renewal rate this month is below 60, from the fed points themselves. */
async function lowRenewalTeachers(): Promise<string[]> {
  const month = h.clock.now().toISOString().slice(0, 7);
  const rows = await h.store.db
    .select({ subject: metricPoints.subject, at: metricPoints.at, value: metricPoints.value, name: people.name })
    .from(metricPoints)
    .innerJoin(people, and(eq(people.orgId, metricPoints.orgId), eq(people.externalId, metricPoints.subject)))
    .where(and(eq(metricPoints.orgId, demo.orgId), eq(metricPoints.metric, 'renewal_rate')));
  return rows
    .filter((r) => r.at.startsWith(month) && r.value < 60)
    .map((r) => r.name)
    .sort();
}

beforeAll(async () => {
  h = createTestApp({ env: { INGEST_TOKEN: 'ingest-secret-0123456789abcdef' } });
  demo = await loadDemo(h.store, { now: h.clock.now() });
  const staff = await h.store.db.select().from(people).where(eq(people.orgId, demo.orgId));
  const points = demoFeed(
    staff.map((p) => ({ externalId: p.externalId, title: p.title })),
    h.clock.now(),
  );
  const res = await h.app.request('/api/v1/metrics', {
    method: 'POST',
    headers: { authorization: 'Bearer ingest-secret-0123456789abcdef', 'content-type': 'application/json' },
    body: JSON.stringify(points),
  });
  expect(res.status).toBe(200);
  await ensureBuiltinRules(h.store, demo.orgId, h.clock.now());
  builtinId = (
    await h.store.db
      .select()
      .from(rules)
      .where(and(eq(rules.orgId, demo.orgId), eq(rules.builtin, 'kr_stale')))
  )[0].id;
});
afterAll(() => h.close());

describe('rule builder: who may use it', () => {
  it('shows the form to an admin, with the known metrics and their latest values, teams, titles and people', async () => {
    const res = await h.app.request('/dashboard/rules/new', { headers: admin });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<option value="renewal_rate"');
    expect(html).toMatch(/renewal_rate — 最新值均值 [\d.]+，最低 [\d.]+，最高 [\d.]+，共 \d+ 个对象/);
    expect(html).toContain('<option value="feedback_score"');
    expect(html).toContain('北京朝阳中心');
    expect(html).toMatch(/<option value="[^"]*老师[^"]*"/);
    expect(html).toContain('保存（观察模式）');
    expect(html).not.toMatch(/definition|"kind"/i); // no JSON to type
  });

  it('speaks English when asked, with no Chinese in its own words', async () => {
    const zh = await (await h.app.request('/dashboard/rules/new', { headers: admin })).text();
    expect(zh).toContain('href="/dashboard/rules/new?lang=en"');
    const html = await (await h.app.request('/dashboard/rules/new?lang=en', { headers: admin })).text();
    expect(html).toContain('Save (observe mode)');
    expect(html).toContain('latest values: mean');
    // Apart from the org's own data (names, teams, titles in the pickers), nothing is Chinese.
    const own = html
      .replace(/<option[^>]*>[^<]*<\/option>/g, '')
      .replace(/<script[\s\S]*?<\/script>/g, '')
      // The org's name, and the language toggle's own name for Chinese (marked lang="zh-CN").
      .replace(/<title>[^<]*<\/title>|<span class="org">[^<]*<\/span>|<a class="lang"[^>]*>中文<\/a>/g, '')
      .replace(/<[^>]+>/g, ' ');
    expect(own).not.toMatch(/[\u4e00-\u9fff]/);
  });

  it('refuses people who are not admins (403 page, no rule, no preview), even a whole-org leader', async () => {
    const [teacher] = await h.store.db
      .select()
      .from(people)
      .where(and(eq(people.orgId, demo.orgId), eq(people.role, 'member')))
      .limit(1);
    const before = await ruleCount();
    for (const who of [await personCookie(teacher.id), await personCookie(demo.ceoId)]) {
      const page = await h.app.request('/dashboard/rules/new', { headers: who });
      expect(page.status).toBe(403);
      expect(await page.text()).toContain('只有管理员可以创建和修改预警规则');
      expect((await post('/dashboard/rules/new', RENEWAL_FORM, who)).status).toBe(403);
      expect((await post('/dashboard/data/rules/preview', RENEWAL_FORM, who)).status).toBe(403);
      expect((await h.app.request(`/dashboard/rules/${builtinId}/edit`, { headers: who })).status).toBe(403);
      expect(
        (
          await post(
            `/dashboard/rules/${builtinId}/edit`,
            [
              ['name', 'x'],
              ['days', '1'],
            ],
            who,
          )
        ).status,
      ).toBe(403);
      expect((await post(`/dashboard/rules/${builtinId}/mode`, [['mode', 'observe']], who)).status).toBe(403);
      // The rule page shows no switch to them.
      const rulePage = await (await h.app.request(`/dashboard/rules/${builtinId}`, { headers: who })).text();
      expect(rulePage).not.toContain('id="mode-switch"');
    }
    const [stale] = await h.store.db.select().from(rules).where(eq(rules.id, builtinId));
    expect(stale.mode).toBe('enforce');
    expect(stale.definition).toEqual({ kind: 'builtin', builtin: 'kr_stale', days: 14 });
    expect(await ruleCount()).toBe(before);
    // Not signed in at all: the login page.
    expect((await h.app.request('/dashboard/rules/new')).status).toBe(401);
  });

  it('accepts an admin person (role admin) through their session, audited as that person', async () => {
    const who = await personCookie(demo.adminId);
    const res = await h.app.request('/dashboard/rules/new', { headers: who });
    expect(res.status).toBe(200);
    const saved = await post(
      '/dashboard/rules/new',
      [...replace(RENEWAL_FORM, 'name', 'HR 建的规则'), ['intent', 'save']],
      who,
    );
    expect(saved.status).toBe(303);
    const [row] = await h.store.db.select().from(rules).where(eq(rules.name, 'HR 建的规则'));
    const [audit] = await h.store.db.select().from(auditLog).where(eq(auditLog.entityId, row.id));
    expect(audit).toMatchObject({ action: 'rule.create', actorType: 'person', actorId: demo.adminId });
    // Leave the org as it was for the tests below.
    expect((await h.api('DELETE', `/api/v1/rules/${row.id}`)).status).toBe(204);
  });

  it('refuses a cross-site post and changes nothing', async () => {
    const before = await ruleCount();
    const res = await post('/dashboard/rules/new', RENEWAL_FORM, { ...admin, origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    const preview = await post('/dashboard/data/rules/preview', RENEWAL_FORM, {
      ...admin,
      origin: 'https://evil.example',
    });
    expect(preview.status).toBe(403);
    expect(await ruleCount()).toBe(before);
  });
});

describe('rule builder: what the pickers read', () => {
  it("summarises each metric's latest value per subject (the row of the latest time, not any row)", async () => {
    const points = await h.store.db
      .select()
      .from(metricPoints)
      .where(and(eq(metricPoints.orgId, demo.orgId), eq(metricPoints.metric, 'renewal_rate')));
    const latest = new Map<string, { at: string; value: number }>();
    for (const p of points) if (!latest.has(p.subject) || latest.get(p.subject)!.at < p.at) latest.set(p.subject, p);
    const values = [...latest.values()].map((p) => p.value);
    // Earlier months differ from the latest, so taking any other row would show.
    expect(points.length).toBeGreaterThan(values.length);
    const renewal = (await metricChoices(h.store, demo.orgId)).find((m) => m.metric === 'renewal_rate')!;
    expect(renewal.subjects).toBe(latest.size);
    expect(renewal.min).toBe(Math.min(...values));
    expect(renewal.max).toBe(Math.max(...values));
    expect(renewal.avg).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
    expect(renewal.lastAt).toBe(
      [...latest.values()]
        .map((p) => p.at)
        .sort()
        .at(-1),
    );
    // A metric a KR is bound to but with no points yet is known too.
    const bound = (await metricChoices(h.store, demo.orgId)).filter((m) => m.boundToKr);
    expect(bound.length).toBeGreaterThan(0);
  });

  it('has no hit history for a rule that never fired', async () => {
    expect(await hitHistory(h.store, demo.orgId, 'rule_nope')).toEqual([]);
  });
});

describe('rule builder: bounded bodies', () => {
  it('reads a form naming 1000 people with both suggestions (past the 16 KB of other dashboard forms) and refuses one over 128 KB', async () => {
    const staff = await h.store.db.select().from(people).where(eq(people.orgId, demo.orgId));
    const picks: [string, string][] = Array.from({ length: 1000 }, (_, i) => [
      'people',
      staff[i % staff.length].externalId,
    ]);
    const form: [string, string][] = [
      ...replace(RENEWAL_FORM, 'scope_type', 'people'),
      ...picks,
      ['actions', 'notify_subject'],
      ['suggestion_zh', '建'.repeat(1000)],
      ['suggestion_en', 'a'.repeat(1000)],
    ];
    expect(new URLSearchParams(form).toString().length).toBeGreaterThan(16 * 1024);
    const preview = await post('/dashboard/data/rules/preview', form);
    expect(preview.status).toBe(200);
    const before = await ruleCount();
    const huge = await post('/dashboard/rules/new', [...RENEWAL_FORM, ['suggestion_zh', '很'.repeat(50_000)]]);
    expect(huge.status).toBe(413);
    expect(await ruleCount()).toBe(before);
  });
});

describe('rule builder: the API validation, in the reader language', () => {
  const cases: [string, [string, string][], RegExp, RegExp][] = [
    ['missing metric', replace(RENEWAL_FORM, 'metric', ''), /请填写“指标”/, /Please fill in “Metric”/],
    ['bad threshold', replace(RENEWAL_FORM, 'threshold', '六十'), /“阈值”的值不正确/, /“Threshold” is not valid/],
    [
      'unknown team',
      [...replace(replace(RENEWAL_FORM, 'scope_type', 'team'), 'titles', null), ['teams', '火星中心']],
      /组织中没有“火星中心”这个团队或人员/,
      /no team or person “火星中心”/,
    ],
    ['unknown metric', replace(RENEWAL_FORM, 'metric', 'nps_typo'), /指标“nps_typo”不存在/, /“nps_typo” is unknown/],
    ['no action', replace(RENEWAL_FORM, 'actions', null), /请至少选择一个触发后的动作/, /Pick at least one action/],
    ['a window over a year', replace(RENEWAL_FORM, 'consecutive', '13'), /最多约一年/, /at most about a year/],
  ];
  for (const [what, fields, zh, en] of cases) {
    it(`${what}: 400 with a clear message, nothing stored or audited`, async () => {
      const [rulesBefore, auditBefore] = [await ruleCount(), await auditCount()];
      const res = await post('/dashboard/rules/new', fields);
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain('没有保存');
      expect(html).toMatch(zh);
      expect(html).not.toMatch(en);
      // The form keeps what was entered.
      expect(html).toContain('月续费率低于 60% 冻结晋升提名');
      const english = await post('/dashboard/rules/new?lang=en', fields);
      expect(english.status).toBe(400);
      const enHtml = await english.text();
      expect(enHtml).toMatch(en);
      expect(enHtml).not.toMatch(zh);
      expect(await ruleCount()).toBe(rulesBefore);
      expect(await auditCount()).toBe(auditBefore);
      // The live preview refuses the same way.
      const preview = await post('/dashboard/data/rules/preview', fields);
      expect(preview.status).toBe(400);
      const body = (await preview.json()) as { ok: boolean; errors: { text: string }[] };
      expect(body.ok).toBe(false);
      expect(body.errors.map((e) => e.text).join('\n')).toMatch(zh);
    });
  }
});

describe('rule builder: preview, save in observe mode, enforce', () => {
  let ruleId = '';

  it('previews whom the rule hits now, as POST /api/v1/rules/preview does, with values and the cards', async () => {
    const res = await post('/dashboard/data/rules/preview', RENEWAL_FORM);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      ok: boolean;
      total: number;
      hits: { name: string; detail: string; values: string }[];
      cards: { action: string; text: string }[];
    };
    const expected = await lowRenewalTeachers();
    expect(expected.length).toBeGreaterThan(0);
    expect(body.hits.map((x) => x.name).sort()).toEqual(expected);
    expect(body.total).toBe(expected.length);
    for (const hit of body.hits) {
      expect(hit.values).toMatch(/^\d{4}-\d{2} \d+(\.\d+)?$/);
      expect(Number(hit.values.split(' ')[1])).toBeLessThan(60);
      expect(hit.detail).toMatch(/老师|Teacher/);
    }
    // The API's preview of the same definition agrees.
    const api = await h.api('POST', '/api/v1/rules/preview', {
      definition: DEMO_RULES.find((r) => r.key === 'renewal')!.definition,
    });
    const apiHits = ((await api.json()) as { hits: { subject: { name: string } }[] }).hits;
    expect(apiHits.map((x) => x.subject.name).sort()).toEqual(expected);
    // Card previews drawn by the engine's builders.
    expect(body.cards.map((c) => c.action)).toEqual(['set_flag', 'notify_manager']);
    expect(body.cards[0].text).toContain('promotion_nomination_frozen');
    expect(body.cards[1].text).toContain(body.hits[0].name);
    expect(body.cards[1].text).toContain('续费率');
  });

  it('previews without script too: the Preview button renders the same hits on the page', async () => {
    const before = await ruleCount();
    const res = await post('/dashboard/rules/new', [...RENEWAL_FORM, ['intent', 'preview']]);
    expect(res.status).toBe(200);
    const html = await res.text();
    const expected = await lowRenewalTeachers();
    expect(html).toContain(`现在会命中 ${expected.length} 人`);
    for (const name of expected) expect(html).toContain(name);
    expect(await ruleCount()).toBe(before);
  });

  it('saves in observe mode through the API service, with an audit row', async () => {
    const before = await ruleCount();
    const res = await post('/dashboard/rules/new', [...RENEWAL_FORM, ['intent', 'save']]);
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    ruleId = decodeURIComponent(/\/dashboard\/rules\/([^/?]+)/.exec(location)![1]);
    expect(await ruleCount()).toBe(before + 1);
    const [row] = await h.store.db.select().from(rules).where(eq(rules.id, ruleId));
    expect(row.mode).toBe('observe');
    expect(row.enabled).toBe(true);
    expect(row.definition).toEqual({
      kind: 'metric',
      scope: { type: 'role', titles: ['老师', 'Teacher'] },
      metric: 'renewal_rate',
      period: 'month',
      aggregation: 'last',
      condition: { op: '<', threshold: 60 },
      consecutive: 1,
      actions: [{ type: 'set_flag', flag: 'promotion_nomination_frozen' }, { type: 'notify_manager' }],
    });
    const audit = await h.store.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, ruleId), eq(auditLog.action, 'rule.create')));
    expect(audit).toHaveLength(1);
    expect(audit[0].actorType).toBe('admin');
    expect(audit[0].data).toMatchObject({ mode: 'observe', via: 'dashboard' });
    const page = await h.app.request(location, { headers: admin });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('已保存');
    expect(html).toContain('切换为执行模式');
  });

  it('switches observe → enforce and back, flags following, each switch audited', async () => {
    const [org] = await h.store.db.select().from(organizations).where(eq(organizations.id, demo.orgId));
    await evaluateOrg({ store: h.store, config: h.config, adapters: new Map() }, org, h.clock.now());
    const flags = () => h.store.db.select().from(personFlags).where(eq(personFlags.ruleId, ruleId));
    expect((await flags()).length).toBe((await lowRenewalTeachers()).length);
    expect((await flags()).every((f) => f.observeOnly)).toBe(true);

    const bad = await post(`/dashboard/rules/${ruleId}/mode`, [['mode', 'sometimes']]);
    expect(bad.status).toBe(303);
    expect((await h.store.db.select().from(rules).where(eq(rules.id, ruleId)))[0].mode).toBe('observe');

    const toEnforce = await post(`/dashboard/rules/${ruleId}/mode`, [['mode', 'enforce']]);
    expect(toEnforce.status).toBe(303);
    expect((await h.store.db.select().from(rules).where(eq(rules.id, ruleId)))[0].mode).toBe('enforce');
    expect((await flags()).every((f) => !f.observeOnly)).toBe(true);
    const page = await (await h.app.request(toEnforce.headers.get('location')!, { headers: admin })).text();
    expect(page).toContain('已切换为执行模式');
    expect(page).toContain('切换回观察模式');

    const back = await post(`/dashboard/rules/${ruleId}/mode`, [['mode', 'observe']]);
    expect(back.status).toBe(303);
    expect((await h.store.db.select().from(rules).where(eq(rules.id, ruleId)))[0].mode).toBe('observe');
    expect((await flags()).every((f) => f.observeOnly)).toBe(true);
    const audits = await h.store.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, ruleId), eq(auditLog.action, 'rule.update')));
    expect(audits.map((a) => (a.data as { mode?: string }).mode)).toEqual(['enforce', 'observe']);
  });

  it("shows the rule's hits per period as a chart", async () => {
    const html = await (await h.app.request(`/dashboard/rules/${ruleId}`, { headers: admin })).text();
    expect(html).toContain('id="hit-history-chart"');
    const month = h.clock.now().toISOString().slice(0, 7);
    const n = (await lowRenewalTeachers()).length;
    expect(html).toMatch(new RegExp(`<td>${month}</td><td>${n}</td>`));
    expect(html).toContain('class="hit-bar"');
  });

  it('edits the saved rule through the same form (prefilled), validated the same way', async () => {
    const form = await (await h.app.request(`/dashboard/rules/${ruleId}/edit`, { headers: admin })).text();
    expect(form).toContain('value="60"');
    expect(form).toMatch(/<option value="renewal_rate" selected/);
    const bad = await post(`/dashboard/rules/${ruleId}/edit`, [
      ...replace(RENEWAL_FORM, 'threshold', ''),
      ['intent', 'save'],
    ]);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('请填写“阈值”');
    const ok = await post(`/dashboard/rules/${ruleId}/edit`, [
      ...replace(RENEWAL_FORM, 'threshold', '55'),
      ['intent', 'save'],
    ]);
    expect(ok.status).toBe(303);
    const [row] = await h.store.db.select().from(rules).where(eq(rules.id, ruleId));
    expect((row.definition as { condition: { threshold: number } }).condition.threshold).toBe(55);
    expect(row.mode).toBe('observe'); // an edit does not change the mode
  });
});

describe('rule builder: built-in KR alerts through the same form', () => {
  it('edits kr_stale days and refuses a bad value', async () => {
    const [stale] = await h.store.db
      .select()
      .from(rules)
      .where(and(eq(rules.orgId, demo.orgId), eq(rules.builtin, 'kr_stale')));
    const form = await (await h.app.request(`/dashboard/rules/${stale.id}/edit`, { headers: admin })).text();
    expect(form).toContain('name="days"');
    expect(form).toContain('value="14"');
    expect(form).not.toContain('name="metric"');
    const base: [string, string][] = [
      ['name', stale.name],
      ['enabled', 'yes'],
      ['enabled', 'no'],
      ['intent', 'save'],
    ];
    const before = await auditCount();
    const bad = await post(`/dashboard/rules/${stale.id}/edit`, [...base, ['days', '0']]);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('“几天未更新（1–365）”的值不正确');
    expect(await auditCount()).toBe(before);
    const ok = await post(`/dashboard/rules/${stale.id}/edit`, [...base, ['days', '21']]);
    expect(ok.status).toBe(303);
    const [row] = await h.store.db.select().from(rules).where(eq(rules.id, stale.id));
    expect(row.definition).toEqual({ kind: 'builtin', builtin: 'kr_stale', days: 21 });
    expect(row.builtin).toBe('kr_stale');
    expect(await auditCount()).toBe(before + 1);
    // Its live preview names KRs (dry run of the built-in).
    const preview = await post('/dashboard/data/rules/preview', [...base, ['days', '21'], ['rule_id', stale.id]]);
    expect(preview.status).toBe(200);
  });

  it('turns a built-in off through the form', async () => {
    const [drop] = await h.store.db
      .select()
      .from(rules)
      .where(and(eq(rules.orgId, demo.orgId), eq(rules.builtin, 'kr_confidence_drop')));
    const res = await post(`/dashboard/rules/${drop.id}/edit`, [
      ['name', drop.name],
      ['enabled', 'no'],
      ['min_drop', '4'],
      ['intent', 'save'],
    ]);
    expect(res.status).toBe(303);
    const [row] = await h.store.db.select().from(rules).where(eq(rules.id, drop.id));
    expect(row.enabled).toBe(false);
    expect(row.definition).toEqual({ kind: 'builtin', builtin: 'kr_confidence_drop', minDrop: 4 });
  });
});

describe('rule builder: deleting a rule', () => {
  it('asks first, then deletes: hits end, flags lift, audited as the dashboard; built-ins and non-admins cannot', async () => {
    const saved = await post('/dashboard/rules/new', [
      ...replace(RENEWAL_FORM, 'name', '待删除的规则'),
      ['intent', 'save'],
    ]);
    expect(saved.status).toBe(303);
    const [row] = await h.store.db.select().from(rules).where(eq(rules.name, '待删除的规则'));
    const [org] = await h.store.db.select().from(organizations).where(eq(organizations.id, demo.orgId));
    await evaluateOrg({ store: h.store, config: h.config, adapters: new Map() }, org, h.clock.now());
    const flags = () => h.store.db.select().from(personFlags).where(eq(personFlags.ruleId, row.id));
    expect((await flags()).length).toBeGreaterThan(0);

    // The rule page links to a confirmation page; the built-in's page has no delete link.
    const rulePage = await (await h.app.request(`/dashboard/rules/${row.id}`, { headers: admin })).text();
    expect(rulePage).toContain(`href="/dashboard/rules/${row.id}/delete"`);
    const builtinPage = await (await h.app.request(`/dashboard/rules/${builtinId}`, { headers: admin })).text();
    expect(builtinPage).not.toContain('id="delete-rule"');
    const confirm = await h.app.request(`/dashboard/rules/${row.id}/delete`, { headers: admin });
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('删除规则“待删除的规则”？');

    // Refused: a built-in, a teacher, a cross-site post. Nothing changes.
    expect((await post(`/dashboard/rules/${builtinId}/delete`, [])).status).toBe(404);
    const [teacher] = await h.store.db
      .select()
      .from(people)
      .where(and(eq(people.orgId, demo.orgId), eq(people.role, 'member')))
      .limit(1);
    expect((await post(`/dashboard/rules/${row.id}/delete`, [], await personCookie(teacher.id))).status).toBe(403);
    expect(
      (await post(`/dashboard/rules/${row.id}/delete`, [], { ...admin, origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect((await h.store.db.select().from(rules).where(eq(rules.id, row.id))).length).toBe(1);
    expect((await h.store.db.select().from(rules).where(eq(rules.id, builtinId))).length).toBe(1);

    const done = await post(`/dashboard/rules/${row.id}/delete`, []);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/dashboard#rules-h');
    expect((await h.store.db.select().from(rules).where(eq(rules.id, row.id))).length).toBe(0);
    expect(await flags()).toEqual([]);
    const [audit] = await h.store.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, row.id), eq(auditLog.action, 'rule.delete')));
    expect(audit.data).toEqual({ name: '待删除的规则', via: 'dashboard' });
    // The dashboard says so once.
    const cookie = done.headers.get('set-cookie')!.split(';')[0];
    const home = await (await h.app.request('/dashboard', { headers: { ...admin, cookie } })).text();
    expect(home).toContain('规则已删除。');
  });
});
