// Issue 19 through app.request() on the demo org (real SQLite, migrations, the rule engine):
// who sees the whole org, the company goal for everyone, approvals decided on the dashboard with the
// card's rules and audit, times in the org's zone, no internals in rows, the KR page and rule hits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestApp, ADMIN_TOKEN } from '../helpers/app';
import { loadDemo, type DemoSummary } from '../../storage/seed/demo';
import { adjustments, auditLog, keyResults, objectives, organizations, people } from '../../storage/schema';
import { createSession, SESSION_COOKIE } from '../../src/web/session';
import { loadDemoRules } from '../../src/rules/demo';
import { demoFeed } from '../../src/metrics/demo-feed';
import { evaluateOrg } from '../../src/rules/engine';
import { formatMoment } from '../../src/approvals/describe';
import { newId } from '../../storage/ids';

type H = ReturnType<typeof createTestApp>;
let h: H;
let demo: DemoSummary;

const get = (path: string, cookie?: string) => h.app.request(path, { headers: cookie ? { cookie } : {} });
async function cookieOf(personId: string) {
  const exp = Math.floor(h.clock.now().getTime() / 1000) + 3600;
  const value = await createSession(
    h.store,
    ADMIN_TOKEN,
    { sub: personId, org: demo.orgId, via: 'test', exp },
    h.clock.now(),
  );
  return `${SESSION_COOKIE}=${value}`;
}
async function personNamed(name: string) {
  const [p] = await h.store.db.select().from(people).where(eq(people.name, name));
  return p;
}
/** A same-origin form post, as the page's own form sends it; returns the redirect and the flash text. */
async function post(path: string, cookie: string, form: Record<string, string>) {
  const res = await h.app.request(`http://localhost${path}`, {
    method: 'POST',
    headers: { cookie, origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const flash = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('polaris_flash='))
    ?.split(';')[0]
    .slice('polaris_flash='.length);
  const text = flash ? (JSON.parse(decodeURIComponent(flash)) as { text: string }).text : undefined;
  expect(res.status).toBe(303);
  return { res, text };
}
async function demoRequest() {
  const [a] = await h.store.db.select().from(adjustments).where(eq(adjustments.orgId, demo.orgId));
  return a;
}

beforeAll(async () => {
  h = createTestApp({ env: { INGEST_TOKEN: 'ingest-secret-0123456789abcdef' } });
  demo = await loadDemo(h.store, { now: h.clock.now() });
  // The demo's rules fire on the demo feed, exactly as `npm run metrics:feed` and the rules job do it.
  await loadDemoRules(h.store, demo.orgId, h.clock.now());
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
  const [org] = await h.store.db.select().from(organizations).where(eq(organizations.id, demo.orgId));
  await evaluateOrg({ store: h.store, config: h.config, adapters: new Map() }, org, h.clock.now());
});
afterAll(() => h.close());

describe('who sees what (issue 19, scope)', () => {
  it('shows the CEO the company goal, the north-star KR, the org figures and the rule hits', async () => {
    const cookie = await cookieOf(demo.ceoId);
    const tree = (await (await get('/dashboard/data/tree?depth=1', cookie)).json()) as {
      scope: string;
      nodes: { ownerType: string; title: string; keyResults: { title: string; progress: number }[] }[];
    };
    expect(tree.scope).toBe('all');
    const company = tree.nodes.find((n) => n.ownerType === 'company')!;
    expect(company.title).toMatch(/^续费驱动增长/);
    expect(company.keyResults.map((k) => k.title)).toContain('学员续费率提升至68%');
    expect((await get('/dashboard/data/stats', cookie)).status).toBe(200);
    const html = await (await get('/dashboard', cookie)).text();
    expect(html).toContain('id="status-chart"'); // org figures
    expect(html).toContain('id="rules"'); // rule hits
    expect(html).toMatch(/class="hits firing" href="\/dashboard\/rules\//);
  });

  it("shows a teacher the company's objectives and north-star KRs with progress, but not a colleague's goals", async () => {
    const emily = await personNamed('Emily Carter');
    const cookie = await cookieOf(emily.id);
    const tree = (await (await get('/dashboard/data/tree?depth=1', cookie)).json()) as {
      scope: string;
      nodes: { id: string; ownerType: string; keyResults: { title: string; progress: number }[] }[];
    };
    expect(tree.scope).toBe('self');
    const company = tree.nodes.find((n) => n.ownerType === 'company')!;
    const northStar = company.keyResults.find((k) => k.title === '学员续费率提升至68%')!;
    expect(northStar.progress).toBeGreaterThan(0);
    expect((await get(`/dashboard/data/node/${company.id}`, cookie)).status).toBe(200);
    // The company objective's other contributors stay hidden.
    const detail = (await (await get(`/dashboard/data/node/${company.id}`, cookie)).json()) as {
      downstream: unknown[];
      hiddenContributors: number;
    };
    expect(detail.downstream).toEqual([]);
    expect(detail.hiddenContributors).toBeGreaterThan(0);
    expect((await get('/dashboard/data/stats', cookie)).status).toBe(403);
  });

  it('lets an admin mark a leader through the API, who then sees the whole org; bad values change nothing', async () => {
    const emily = await personNamed('Emily Carter');
    const bad = await h.api('PATCH', `/api/v1/people/${emily.id}`, { leader: 'yes' });
    expect(bad.status).toBe(400);
    expect((await personNamed('Emily Carter')).leader).toBe(false);
    const cookie = await cookieOf(emily.id);
    expect((await get('/dashboard/data/stats', cookie)).status).toBe(403);

    const ok = await h.api('PATCH', `/api/v1/people/${emily.id}`, { leader: true });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { leader: boolean }).leader).toBe(true);
    expect((await get('/dashboard/data/stats', cookie)).status).toBe(200);
    const tree = (await (await get('/dashboard/data/tree', cookie)).json()) as { scope: string };
    expect(tree.scope).toBe('all');

    expect((await h.api('PATCH', `/api/v1/people/${emily.id}`, { leader: false })).status).toBe(200);
    expect((await get('/dashboard/data/stats', cookie)).status).toBe(403);
  });

  it("shows a team lead their team's subtree, not another centre's", async () => {
    const emily = await personNamed('Emily Carter');
    const lead = (await h.store.db.select().from(people).where(eq(people.id, emily.managerId!)))[0];
    const cookie = await cookieOf(lead.id);
    const tree = (await (await get('/dashboard/data/tree?depth=2', cookie)).json()) as {
      scope: string;
      nodes: { ownerId: string; ownerType: string; ownerTeam: string | null }[];
    };
    expect(tree.scope).toBe('team');
    expect(tree.nodes.some((n) => n.ownerId === emily.id)).toBe(true);
    const teamsShown = new Set(tree.nodes.filter((n) => n.ownerType === 'person').map((n) => n.ownerTeam));
    expect([...teamsShown]).toEqual([emily.teamId ? expect.any(String) : null]);
    // Their team's figures: their people (reports and team members), check-ins, the subtree's objectives.
    const html = await (await get('/dashboard', cookie)).text();
    expect(html).toContain('id="team-figures"');
    expect(html).not.toContain('id="status-chart"'); // the org's figures are not theirs
    const reports = await h.store.db.select().from(people).where(eq(people.managerId, lead.id));
    const summary = /(\d+) 人，近 7 天 (\d+) 人更新过，(\d+) 个目标/.exec(html)!;
    expect(Number(summary[1])).toBeGreaterThanOrEqual(reports.filter((r) => r.status === 'active').length + 1);
    expect(Number(summary[2])).toBeLessThanOrEqual(Number(summary[1]));
    const own = tree.nodes.filter((n) => n.ownerType !== 'company').length;
    expect(Number(summary[3])).toBeGreaterThanOrEqual(own);
    // A teacher has no team figures.
    expect(await (await get('/dashboard', await cookieOf(emily.id))).text()).not.toContain('id="team-figures"');
  });
});

describe('approvals on the dashboard (issue 19, act)', () => {
  it('shows the request in the card words, in the org time zone, without ids or JSON', async () => {
    const a = await demoRequest();
    // A new objective waiting for approval, stored exactly as the chat flow stores it.
    const [kr] = await h.store.db.select().from(keyResults).where(eq(keyResults.id, demo.departmentKrId));
    const requester = (await h.store.db.select().from(people).where(eq(people.id, a.requesterId)))[0];
    const objectiveId = newId('obj');
    const at = h.clock.now().toISOString();
    await h.store.atomic([
      h.store.db.insert(objectives).values({
        id: objectiveId,
        orgId: demo.orgId,
        cycleId: demo.cycleId,
        title: '提升续费意愿',
        ownerType: 'person',
        ownerPersonId: requester.id,
        parentKrId: kr.id,
        status: 'pending_approval',
        createdAt: at,
        updatedAt: at,
      }),
      h.store.db.insert(adjustments).values({
        id: newId('adj'),
        orgId: demo.orgId,
        cycleId: demo.cycleId,
        objectiveId,
        requesterId: requester.id,
        approverId: a.approverId,
        kind: 'new_objective',
        current: null,
        proposed: { title: '提升续费意愿', parentKrId: kr.id, krs: ['续费率'] },
        reason: null,
        status: 'pending',
        createdAt: at,
      }),
    ]);
    const html = await (await get('/dashboard', await cookieOf(a.approverId!))).text();
    const start = html.indexOf('id="approvals-h"');
    const section = html.slice(start, html.indexOf('</section>', start));
    // What a reader sees (text, not attributes): the card's words, no ids, no JSON.
    const text = section.replace(/<[^>]+>/g, ' ');
    expect(text).toContain('新目标「提升续费意愿」');
    expect(text).not.toMatch(/(kr|obj|adj|p)_[a-z0-9]{6}|\[&quot;|\["|\{"|&quot;/);
    // 2026-11-27T02:00Z is 10:00 in Shanghai, the demo org's zone: the page says 10:00, not 02:00.
    expect(section).toContain(formatMoment(at, 'Asia/Shanghai'));
    expect(formatMoment(at, 'Asia/Shanghai')).toBe('2026-11-27 10:00');
    expect(section).not.toContain('2026-11-27 02:00');
    expect(section).toContain(formatMoment(a.createdAt, 'Asia/Shanghai'));
  });

  it("refuses people who are not the request's approver, and the admin token, changing nothing", async () => {
    const a = await demoRequest();
    const emily = await personNamed('Emily Carter');
    const refused = await post(`/dashboard/approvals/${a.id}`, await cookieOf(emily.id), { decision: 'approve' });
    expect(refused.res.status).toBe(303);
    expect(refused.text).toMatch(/^Only \S+ or their delegate/); // Emily reads English
    const admin = await h.app.request('http://localhost/dashboard/login', {
      method: 'POST',
      headers: { origin: 'http://localhost' },
      body: new URLSearchParams({ token: ADMIN_TOKEN }),
    });
    const adminCookie = admin.headers.get('set-cookie')!.split(';')[0];
    const byAdmin = await post(`/dashboard/approvals/${a.id}`, adminCookie, { decision: 'approve' });
    expect(byAdmin.text).toContain('管理员令牌不能代替审批人');
    expect((await demoRequest()).status).toBe('pending');
    const audit = await h.store.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'adjustment.refused'), eq(auditLog.entityId, a.id)));
    expect(audit.map((x) => (x.data as { platform: string }).platform)).toEqual(['web']);
  });

  it('refuses bad input with a clear message in the person’s language, changing nothing', async () => {
    const a = await demoRequest();
    const cookie = await cookieOf(a.approverId!);
    const odd = await post(`/dashboard/approvals/${a.id}`, cookie, { decision: 'maybe' });
    expect(odd.text).toBe('无法识别的操作，没有做任何更改。');
    const long = await post(`/dashboard/approvals/${a.id}`, cookie, { decision: 'reject', note: '太'.repeat(501) });
    expect(long.text).toBe('拒绝原因最多 500 个字，没有做任何更改。');
    const unknown = await post('/dashboard/approvals/adj_nope', cookie, { decision: 'approve' });
    expect(unknown.text).toContain('找不到');
    const crossSite = await h.app.request(`http://localhost/dashboard/approvals/${a.id}`, {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=approve',
    });
    expect(crossSite.status).toBe(403);
    expect((await demoRequest()).status).toBe('pending');
    // English for an English reader.
    await h.store.db.update(people).set({ locale: 'en' }).where(eq(people.id, a.approverId!));
    const en = await post(`/dashboard/approvals/${a.id}`, cookie, { decision: 'maybe' });
    expect(en.text).toBe('Unknown action; nothing was changed.');
    await h.store.db.update(people).set({ locale: 'zh-CN' }).where(eq(people.id, a.approverId!));
  });

  it('approves as the card does: the change applied, audited as from the web, once', async () => {
    const a = await demoRequest();
    const cookie = await cookieOf(a.approverId!);
    const done = await post(`/dashboard/approvals/${a.id}`, cookie, { decision: 'approve' });
    expect(done.res.headers.get('location')).toMatch(/^\/dashboard(\?|#)/);
    expect(done.text).toBe('已同意');
    const after = await demoRequest();
    expect(after.status).toBe('approved');
    expect(after.decidedBy).toBe(a.approverId);
    const [kr] = await h.store.db.select().from(keyResults).where(eq(keyResults.id, a.keyResultId!));
    expect(kr.targetValue).toBe((a.proposed as { target: number }).target);
    const audit = await h.store.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'adjustment.approved'), eq(auditLog.entityId, a.id)));
    expect(audit).toHaveLength(1);
    expect((audit[0].data as { platform: string }).platform).toBe('web');
    // A second click (another tab, or the card) gets the outcome and changes nothing.
    const again = await post(`/dashboard/approvals/${a.id}`, cookie, { decision: 'reject' });
    expect(again.text).toContain('已处理');
    expect((await demoRequest()).status).toBe('approved');
    // The flash is shown once on the page it redirects to.
    const page = await h.app.request('http://localhost/dashboard', {
      headers: {
        cookie: `${cookie}; polaris_flash=${encodeURIComponent(JSON.stringify({ kind: 'success', text: '已同意' }))}`,
      },
    });
    expect(await page.text()).toContain('id="flash"');
  });
});

describe('KR page and rule hits (issue 19, act)', () => {
  it("shows a teacher's KR with values, history, chart, pending adjustment and alerts; hides it from colleagues", async () => {
    const emily = await personNamed('Emily Carter');
    const [objective] = await h.store.db.select().from(objectives).where(eq(objectives.ownerPersonId, emily.id));
    const [kr] = await h.store.db.select().from(keyResults).where(eq(keyResults.objectiveId, objective.id));
    const res = await get(`/dashboard/kr/${kr.id}`, await cookieOf(emily.id));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(kr.title);
    expect(html).toContain('id="kr-values"');
    expect(html).toContain('id="kr-chart"');
    expect(html).toMatch(/<table class="list" id="kr-history">[\s\S]*<time datetime="/);
    // Emily reads English.
    expect(html).toContain('<html lang="en"');
    expect(html).toContain('Pending adjustment');
    expect(html).toContain('Alerts');
    const james = await personNamed('James Miller');
    expect((await get(`/dashboard/kr/${kr.id}`, await cookieOf(james.id))).status).toBe(403);
    expect((await get('/dashboard/kr/kr_nope', await cookieOf(emily.id))).status).toBe(404);
    expect((await get(`/dashboard/kr/${demo.northStarKrId}`, await cookieOf(james.id))).status).toBe(200);
  });

  it('opens the list of who a rule hits, with their values, for whole-org viewers only', async () => {
    const html = await (await get('/dashboard', await cookieOf(demo.ceoId))).text();
    // The classroom-feedback rule (a metric rule naming people).
    const href =
      /课堂反馈[^<]*<\/a><\/td><td>[^<]*<\/td><td><a class="hits firing" href="(\/dashboard\/rules\/[^"]+)"[^>]*>(\d+)</.exec(
        html,
      )!;
    const list = await (await get(href[1], await cookieOf(demo.ceoId))).text();
    // The hit list's rows (the page also has the hits-per-period table), minus the header row.
    const rows = list.slice(list.indexOf('id="rule-hits"')).split('</table>')[0].match(/<tr>/g)!.length - 1;
    expect(rows).toBe(Number(href[2]));
    expect(list).toMatch(/<span class="name">[^<]+<\/span>/);
    expect(list).toMatch(/\d{4}-\d{2}-\d{2} \d\.\d+ · /); // the weeks and their scores
    // A KR alert's hits say why in the card's words.
    const kr = /KR 有风险或落后[^<]*<\/a><\/td><td>[^<]*<\/td><td><a class="hits firing" href="([^"]+)"/.exec(html)!;
    const krList = await (await get(kr[1], await cookieOf(demo.ceoId))).text();
    expect(krList).toMatch(/href="\/dashboard\/kr\/[^"]+">[^<]*进度/);
    expect(krList).not.toContain('off_track');
    const emily = await personNamed('Emily Carter');
    expect((await get(href[1], await cookieOf(emily.id))).status).toBe(403);
    expect((await get('/dashboard/rules/rule_nope', await cookieOf(demo.ceoId))).status).toBe(404);
  });
});
