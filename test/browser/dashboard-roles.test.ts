// Issue 19's "done when", in Chromium at a phone (390×844) and a desktop (1280×800) size, against the playground
// (the real server with the three emulators, people signed in to the dashboard through the emulated Lark SSO):
// the CEO sees the company goal, the north-star KR and the org figures; a team lead sees their team; a manager
// approves a request on the dashboard and the chat card turns into the outcome; a KR page shows its history; and
// nothing is wider than the screen. Screenshots of both sizes go to docs/screenshots/.
import { join } from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustments, keyResults, objectives, people } from '../../storage/schema';
import { startPlayground, waitFor, type RunningPlayground } from '../playground/helpers';
import { SCREENSHOTS } from '../helpers/screenshots';
import { launchChromium } from '../helpers/browser';

const ADMIN_TOKEN = 'browser-roles-admin-0123456789abcdef';
const SIZES = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
] as const;

let pg: RunningPlayground;
let browser: Browser;

type PersonRow = typeof people.$inferSelect;
async function personNamed(name: string): Promise<PersonRow> {
  const [p] = await pg.server.store.db.select().from(people).where(eq(people.name, name));
  return p;
}

/** A fresh browser (no cookies) at one size, signed in to the dashboard as `person` through the playground's SSO. */
async function dashboardAs(
  size: (typeof SIZES)[number],
  person: PersonRow,
): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: { width: size.width, height: size.height }, locale: 'zh-CN' });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  (page as Page & { errors?: string[] }).errors = errors;
  await page.goto(`${pg.base}/playground?platform=lark&person=${person.id}`);
  await Promise.all([page.waitForURL((url) => url.pathname === '/dashboard'), page.click('#open-dashboard')]);
  await page.locator('#tree[data-ready=true]').waitFor();
  return { ctx, page };
}

/** Nothing wider than the viewport: the page never scrolls sideways. */
async function expectNoOverflow(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement!.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** A Chinese-speaking teacher with a manager and a growing manual numeric KR1. */
async function teacherWithKr(): Promise<{
  teacher: PersonRow;
  manager: PersonRow;
  kr: typeof keyResults.$inferSelect;
}> {
  const rows = await pg.server.store.db.select().from(people);
  for (const p of rows.filter((x) => /老师/.test(x.title ?? '') && x.locale === 'zh-CN' && x.managerId)) {
    const [o] = await pg.server.store.db
      .select()
      .from(objectives)
      .where(eq(objectives.ownerPersonId, p.id))
      .orderBy(asc(objectives.position));
    if (!o) continue;
    const [kr] = await pg.server.store.db
      .select()
      .from(keyResults)
      .where(eq(keyResults.objectiveId, o.id))
      .orderBy(asc(keyResults.position));
    if (kr && kr.kind === 'number' && kr.progressMode === 'manual' && kr.direction === 'up' && kr.targetValue >= 10)
      return { teacher: p, manager: rows.find((x) => x.id === p.managerId)!, kr };
  }
  throw new Error('no teacher with a growing numeric KR1');
}

beforeAll(async () => {
  pg = await startPlayground({ env: { ADMIN_TOKEN } });
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await pg?.stop();
});

describe.each(SIZES)('the dashboard at $width×$height', (size) => {
  it('shows the CEO the company goal, the north-star KR and the org figures; tapping brings the details into view', async () => {
    const ceo = await personNamed('陈志远');
    const { ctx, page } = await dashboardAs(size, ceo);
    expect(await page.locator('.tree-card .muted').first().textContent()).toBe('你可以查看整个组织。');
    const company = page.getByRole('treeitem', { name: /续费驱动增长/ }).first();
    await company.waitFor();
    // Org figures, with their charts.
    await page.locator('#kpi-alignment').waitFor();
    await expect.poll(() => page.locator('#status-chart canvas').count()).toBe(1);
    await expectNoOverflow(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, `dashboard-ceo-${size.name}`);

    // Tap the company objective: its KRs (the north star among them) are in view, not below the fold.
    await company.locator(':scope > .row').click();
    await page.locator('#panel-body .krs').waitFor();
    expect(await page.locator('#panel-body .krs').innerText()).toContain('学员续费率提升至68%');
    await expect
      .poll(() =>
        page.evaluate(() => {
          const r = document.getElementById('panel-h')!.getBoundingClientRect();
          return r.top >= 0 && r.bottom <= window.innerHeight;
        }),
      )
      .toBe(true);
    await expectNoOverflow(page);
    // The 41 identical teacher objectives under 教学部 come grouped by centre, with counts.
    const dept = page.getByRole('treeitem', { name: /打造高满意度课堂/ }).first();
    await dept.locator(':scope > .row').click();
    await dept.locator(':scope > ul > li.group').first().waitFor();
    const groups = await dept.locator(':scope > ul > li.group > .row .title').allInnerTexts();
    expect(groups.length).toBeGreaterThan(1);
    expect(groups.every((g) => /· \d+ 个(相同目标|下级目标)$/.test(g))).toBe(true);
    const counted = groups.reduce((sum, g) => sum + Number(/(\d+) 个/.exec(g)![1]), 0);
    expect(counted).toBeGreaterThan(30);
    await expectNoOverflow(page);
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
    await ctx.close();
  }, 40_000);

  it('shows a team lead their team, and the company goal above it', async () => {
    const { teacher } = await teacherWithKr();
    const lead = (await pg.server.store.db.select().from(people).where(eq(people.id, teacher.managerId!)))[0];
    const { ctx, page } = await dashboardAs(size, lead);
    expect(await page.locator('.tree-card .muted').first().textContent()).toContain('自己和团队');
    await page
      .getByRole('treeitem', { name: /续费驱动增长/ })
      .first()
      .waitFor();
    await page.locator('#tree .owner', { hasText: teacher.name }).first().waitFor();
    // Their team's figures, not the org's.
    await page.locator('#team-figures').waitFor();
    expect(await page.locator('#team-figures').innerText()).toMatch(/\d+ 人，近 7 天 \d+ 人更新过/);
    expect(await page.locator('#status-chart').count()).toBe(0);
    const owners = await page.locator('#tree .owner').allInnerTexts();
    expect(owners.some((o) => o.includes(teacher.name))).toBe(true);
    await expectNoOverflow(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, `dashboard-team-lead-${size.name}`);
    await ctx.close();
  }, 30_000);

  it('lets the manager approve a request on the dashboard, and the chat card turns into the outcome', async () => {
    const { teacher, manager, kr } = await teacherWithKr();
    const target = kr.targetValue + (size.name === 'phone' ? 7 : 9);
    // The target as a number of its own: a bare '19' also matched the time 08:19 shown on another
    // request (this test failed when run at 00:19 UTC).
    const targetText = new RegExp(`(^|[^\\d:/.-])${target}($|[^\\d:/.-])`);
    // The teacher asks in WeCom chat; the manager's approval card arrives there.
    const chat = await browser.newContext({ viewport: { width: size.width, height: size.height }, locale: 'zh-CN' });
    const chatPage = await chat.newPage();
    await chatPage.goto(`${pg.base}/playground?platform=wecom&person=${teacher.id}`);
    await chatPage.fill('#composer-input', `调整 KR1 目标 ${target} 原因 本月新增两个班`);
    await chatPage.press('#composer-input', 'Enter');
    await chatPage.locator('#log .msg.bot', { hasText: '已提交调整申请' }).last().waitFor();
    const card = () =>
      chatPage.locator('#log .card').filter({ hasText: teacher.name }).filter({ hasText: targetText }).last();
    await chatPage.goto(`${pg.base}/playground?platform=wecom&person=${manager.id}`);
    await card().locator('button', { hasText: '同意' }).waitFor();

    const { ctx, page } = await dashboardAs(size, manager);
    const row = page.locator('#approvals li.approval').filter({ hasText: targetText });
    await row.waitFor();
    // Names stay on one line, even at 390 px.
    const name = row.locator('.name');
    const { height, line } = await name.evaluate((el) => ({
      height: el.getBoundingClientRect().height,
      line: Number.parseFloat(getComputedStyle(el).lineHeight) || 21,
    }));
    expect(height).toBeLessThan(line * 1.5);
    expect(await row.innerText()).not.toMatch(/kr_|adj_|\{"/);
    await row.scrollIntoViewIfNeeded();
    await expectNoOverflow(page);
    await shot(page, `dashboard-approval-${size.name}`);
    await Promise.all([page.waitForURL(/\/dashboard/), row.getByRole('button', { name: '同意' }).click()]);
    await page.locator('#flash', { hasText: '已同意' }).waitFor();
    expect(await page.locator('#approvals li.approval').filter({ hasText: targetText }).count()).toBe(0);

    await waitFor(
      async () =>
        (await pg.server.store.db.select().from(keyResults).where(eq(keyResults.id, kr.id)))[0].targetValue === target,
      `KR1 target ${target}`,
    );
    const [adj] = await pg.server.store.db
      .select()
      .from(adjustments)
      .where(and(eq(adjustments.keyResultId, kr.id), eq(adjustments.status, 'approved')));
    expect(adj.decidedBy).toBe(manager.id);
    // The WeCom card in the manager's chat shows the outcome, its buttons gone.
    await waitFor(
      async () => {
        await chatPage.reload();
        await card().waitFor();
        return (await card().locator('button:not([disabled])', { hasText: '同意' }).count()) === 0;
      },
      'the approval card turned into the outcome',
      15_000,
    );
    expect(await card().innerText()).toContain('同意');
    await ctx.close();
    await chat.close();
  }, 45_000);

  it("shows a KR's history (values, notes, confidence) with a chart, from the objective's details", async () => {
    const { teacher, kr } = await teacherWithKr();
    const { ctx, page } = await dashboardAs(size, teacher);
    await page.locator('#tree .owner', { hasText: teacher.name }).first().locator('xpath=..').click();
    const link = page.locator('#panel-body a.kr-link', { hasText: kr.title });
    await link.waitFor();
    // The contribution in a teacher's words, the exact figure on hover.
    const moves = page.locator('#upstream .moves').first();
    expect(await moves.innerText()).toMatch(/本目标(全部完成时|已完成)/);
    expect(await moves.getAttribute('title')).toMatch(/^精确值：/);
    await Promise.all([page.waitForURL(/\/dashboard\/kr\//), link.click()]);
    await page.locator('#kr-values').waitFor();
    expect(await page.locator('#kr-chart circle').count()).toBeGreaterThan(0);
    expect(await page.locator('#kr-history tbody tr').count()).toBe(await page.locator('#kr-chart circle').count());
    await expectNoOverflow(page);
    await shot(page, `dashboard-kr-${size.name}`);
    await ctx.close();
  }, 30_000);
});
