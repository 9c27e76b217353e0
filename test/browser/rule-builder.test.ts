// Issue 17's first "done when", in Chromium against a real Node server on the demo org with the
// demo metric feed: an admin builds the seed's renewal rule (renewal_rate below 60% for a month →
// promotion nomination frozen) from lists and two typed values (a name and 60), never JSON; the live
// preview names the low-renewal teachers of the demo's centres with their values, as the API's
// preview of the seed's rule does; the rule is saved in observe mode, then switched to enforce.
// The form also works at phone width (375 px). Saves docs/screenshots/rule-builder-desktop.png and
// rule-builder-phone.png (with UPDATE_SCREENSHOTS=1).
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode } from '../../src/node';
import { loadDemo, type DemoSummary } from '../../storage/seed/demo';
import { metricPoints, organizations, people, teams } from '../../storage/schema';
import { evaluateOrg } from '../../src/rules/engine';
import { demoFeed } from '../../src/metrics/demo-feed';
import { storePoints } from '../../src/metrics/store';
import { DEMO_RULES } from '../../src/rules/demo';
import { ensureBuiltinRules } from '../../src/rules/repo';
import { tempDbPath } from '../helpers/app';
import { SCREENSHOTS } from '../helpers/screenshots';
import { launchChromium } from '../helpers/browser';

const TOKEN = 'browser-test-token-0123456789abcdef';

let server: Awaited<ReturnType<typeof startNode>>;
let browser: Browser;
let demo: DemoSummary;
const db = tempDbPath();

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

async function login(page: Page) {
  await page.goto(`${server.url}/dashboard`);
  await page.getByLabel('管理员令牌').fill(TOKEN);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${server.url}/dashboard`);
}

async function noSideScroll(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement!.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
}

/** Picks the seed's renewal rule in the form: lists, radios and checkboxes; typed: the name and 60. */
async function buildRenewalRule(page: Page) {
  await page.getByLabel('规则名称').fill('月续费率低于 60% 冻结晋升提名');
  await page.getByLabel('指标', { exact: true }).selectOption('renewal_rate');
  await page.getByLabel('周期', { exact: true }).selectOption('month');
  await page.getByLabel('汇总方式').selectOption('last');
  await page.getByLabel('比较').selectOption('<');
  await page.getByLabel('阈值').fill('60');
  await page.getByLabel('连续几个周期').fill('1');
  await page.locator('input[name=scope_type][value=role]').check();
  const titles = await page
    .locator('#f-titles option')
    .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter((v) => /老师|Teacher/.test(v)));
  expect(titles.length).toBeGreaterThan(1);
  await page.getByLabel('职位（可多选）').selectOption(titles);
  await page.getByLabel('设置标记（如冻结晋升提名资格）').check();
  await page.getByLabel('标记', { exact: true }).selectOption('promotion_nomination_frozen');
  await page.getByLabel('通知直属上级').check();
  return titles;
}

beforeAll(async () => {
  server = await startNode({
    env: { ADMIN_TOKEN: TOKEN, DATABASE_PATH: db.path, PORT: '0', PLAYGROUND: 'off' },
    quiet: true,
    scheduler: false,
  });
  const now = new Date();
  demo = await loadDemo(server.store, { now });
  const staff = await server.store.db
    .select({ externalId: people.externalId, title: people.title, teamName: teams.name })
    .from(people)
    .leftJoin(teams, eq(teams.id, people.teamId))
    .where(eq(people.orgId, demo.orgId));
  // The demo's metric feed (npm run metrics:feed), without the demo's own rules: the admin builds one.
  await storePoints(server.store, demo.orgId, demoFeed(staff, now), now);
  await ensureBuiltinRules(server.store, demo.orgId, now);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  db.cleanup();
});

describe('rule builder in Chromium', { timeout: 120_000 }, () => {
  it('builds the renewal rule without JSON, previews the low-renewal teachers, saves it observing, then enforces it', async () => {
    // What the API's preview of the seed's rule says (the same code the page's preview calls).
    const seed = DEMO_RULES.find((r) => r.key === 'renewal')!;
    const expected = (
      (await api('POST', '/rules/preview', { definition: seed.definition })) as {
        hits: { subject: { name: string }; values: { period: string; value: number }[] }[];
      }
    ).hits;
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.every((h) => h.values.at(-1)!.value < 60)).toBe(true);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // The live preview runs one request at a time, however fast the form changes.
    let inFlight = 0;
    let maxInFlight = 0;
    let previews = 0;
    page.on('request', (r) => {
      if (!r.url().includes('/dashboard/data/rules/preview')) return;
      previews++;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
    });
    const done = (r: { url(): string }) => {
      if (r.url().includes('/dashboard/data/rules/preview')) inFlight--;
    };
    page.on('requestfinished', done);
    page.on('requestfailed', done);
    await login(page);
    await page.locator('#new-rule').click();
    await page.waitForURL(/\/dashboard\/rules\/new/);
    // The metric picker lists the known metrics with their latest values.
    expect(await page.locator('#f-metric option[value=renewal_rate]').textContent()).toMatch(
      /renewal_rate — 最新值均值 [\d.]+，最低 [\d.]+，最高 [\d.]+/,
    );
    const titles = await buildRenewalRule(page);
    // The script shows only the picked scope's part (all parts show without script).
    expect(await page.locator('.scope-part[data-scope=role]').isVisible()).toBe(true);
    expect(await page.locator('.scope-part[data-scope=team]').isVisible()).toBe(false);
    expect(await page.locator('.scope-part[data-scope=people]').isVisible()).toBe(false);

    // The live preview (the page's script; no button pressed): whom it hits now, with their values.
    await expect.poll(() => page.locator('#preview-count').textContent()).toBe(`现在会命中 ${expected.length} 人`);
    const rows = page.locator('#preview-hits tbody tr');
    expect(await rows.count()).toBe(expected.length);
    const names = await page.locator('#preview-hits .name').allTextContents();
    expect([...names].sort()).toEqual(expected.map((h) => h.subject.name).sort());
    // Each hit is a teacher of one of the demo's centres, with a monthly value below 60.
    for (const text of await rows.allTextContents()) {
      expect(text).toMatch(/(老师|Teacher) · \S+中心/);
      expect(Number(/\d{4}-\d{2} ([\d.]+)/.exec(text)![1])).toBeLessThan(60);
    }
    const centres = new Set(
      (await page.locator('#preview-hits .muted').allTextContents()).map((d) => d.split(' · ')[1]),
    );
    // The demo's low-renewal campus: the centre whose own renewal rate (renewal_rate:<centre>) is lowest.
    // The preview hits that campus and no other.
    const lowest = (
      await server.store.db
        .select({ metric: metricPoints.metric, value: metricPoints.value })
        .from(metricPoints)
        .where(and(eq(metricPoints.orgId, demo.orgId), eq(metricPoints.subject, 'org')))
    )
      .filter((p) => p.metric.startsWith('renewal_rate:'))
      .sort((a, b) => a.value - b.value)[0];
    const campus = lowest.metric.slice('renewal_rate:'.length);
    expect(lowest.value).toBeLessThan(60);
    expect([...centres]).toHaveLength(1);
    expect([...centres][0]).toContain(campus);
    // The cards it would send, drawn by the engine's own builders.
    await page.locator('#card-previews figure[data-action=notify_manager] pre').waitFor();
    expect(await page.locator('#card-previews figure[data-action=notify_manager] pre').textContent()).toContain(
      names[0] ?? '',
    );
    expect(await page.locator('#card-previews figure[data-action=set_flag]').textContent()).toContain(
      'promotion_nomination_frozen',
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'rule-builder-desktop.png'), fullPage: true });
    expect(previews).toBeGreaterThan(0);
    expect(maxInFlight).toBe(1);

    // Save: observe mode.
    await page.getByRole('button', { name: '保存（观察模式）' }).click();
    await page.waitForURL(/\/dashboard\/rules\/rule_[^/]+\?saved=1$/);
    const id = decodeURIComponent(/\/dashboard\/rules\/([^/?]+)/.exec(page.url())![1]);
    await page.locator('#rule-mode[data-mode=observe]').waitFor();
    expect(await page.locator('#rule-notice').textContent()).toContain('已保存');
    const saved = (await api('GET', `/rules/${id}`)) as { mode: string; enabled: boolean; definition: unknown };
    expect(saved.mode).toBe('observe');
    expect(saved.enabled).toBe(true);
    expect(saved.definition).toEqual({
      ...seed.definition,
      scope: { type: 'role', titles },
    });
    // The built rule hits exactly whom the seed's rule hits.
    const again = (await api('POST', `/rules/${id}/preview`)) as { hits: { subject: { name: string } }[] };
    expect(again.hits.map((h) => h.subject.name).sort()).toEqual(expected.map((h) => h.subject.name).sort());

    // An evaluation pass (the hourly rules-evaluate job) records its hits: the page charts them per period.
    const [org] = await server.store.db.select().from(organizations).where(eq(organizations.id, demo.orgId));
    await evaluateOrg({ store: server.store, config: server.config, adapters: new Map() }, org, new Date());
    await page.reload();
    await page.locator('#hit-history-chart rect.hit-bar').first().waitFor();
    expect(await page.locator('#hit-history-chart rect.hit-bar').count()).toBe(1);
    expect(await page.locator('#hit-history tbody td').allTextContents()).toEqual([
      expected[0].values.at(-1)!.period,
      String(expected.length),
    ]);
    expect(await page.locator('#rule-hits tbody tr').count()).toBe(expected.length);
    await page.screenshot({ path: join(SCREENSHOTS, 'rule-builder-rule.png'), fullPage: true });

    // The clear switch to enforce.
    await page.getByRole('button', { name: '切换为执行模式' }).click();
    await page.locator('#rule-mode[data-mode=enforce]').waitFor();
    expect(await page.locator('#rule-notice').textContent()).toContain('已切换为执行模式');
    expect(((await api('GET', `/rules/${id}`)) as { mode: string }).mode).toBe('enforce');
    expect(await page.getByRole('button', { name: '切换回观察模式' }).count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('works at phone width (375 px): the form, its preview and the rule page fit the screen', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await login(page);
    await page.goto(`${server.url}/dashboard/rules/new`);
    await buildRenewalRule(page);
    await expect.poll(() => page.locator('#preview-count').textContent()).toMatch(/^现在会命中 \d+ 人$/);
    await page.locator('#card-previews figure').first().waitFor();
    await noSideScroll(page);
    // Every control is on screen, not cut off at the right edge.
    const overflowing = await page.evaluate(() =>
      [...document.querySelectorAll('#rule-form select, #rule-form input, #rule-form textarea, #rule-form button')]
        .filter((e) => (e as HTMLElement).offsetParent !== null)
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((e) => (e as HTMLInputElement).name),
    );
    expect(overflowing).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'rule-builder-phone.png'), fullPage: true });
    // A bad threshold is refused in Chinese and the form keeps what was entered.
    await page.getByLabel('阈值').fill('六十');
    await page.getByRole('button', { name: '保存（观察模式）' }).click();
    await page.locator('#builder-errors').waitFor();
    expect(await page.locator('#builder-errors').textContent()).toContain('“阈值”的值不正确');
    expect(await page.getByLabel('规则名称').inputValue()).toBe('月续费率低于 60% 冻结晋升提名');
    await noSideScroll(page);
    // The rule page (mode switch, hits-per-period chart) at phone width.
    const list = (await api('GET', '/rules')) as { items: { id: string; builtin: string | null }[] };
    const rule = list.items.find((r) => !r.builtin)!;
    await page.goto(`${server.url}/dashboard/rules/${rule.id}`);
    await page.locator('#rule-mode').waitFor();
    await noSideScroll(page);
    expect(errors).toEqual([]);
    await context.close();
  });
});
