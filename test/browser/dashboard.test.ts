// The dashboard in a real browser (Chromium through playwright-core, see test/helpers/browser.ts) against a
// real Node server on the demo org: log in, see the tree, search a teacher, open their
// chain up to the north-star KR, see the ECharts canvases; saves docs/screenshots/dashboard.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode } from '../../src/node';
import { loadDemo } from '../../storage/seed/demo';
import { tempDbPath } from '../helpers/app';
import { SCREENSHOTS } from '../helpers/screenshots';
import { launchChromium } from '../helpers/browser';

const TOKEN = 'browser-test-token-0123456789abcdef';

let server: Awaited<ReturnType<typeof startNode>>;
let browser: Browser;
const db = tempDbPath();

beforeAll(async () => {
  server = await startNode({
    env: { ADMIN_TOKEN: TOKEN, DATABASE_PATH: db.path, PORT: '0' },
    quiet: true,
    scheduler: false,
  });
  await loadDemo(server.store, { now: new Date() });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  db.cleanup();
});

describe('dashboard in Chromium', { timeout: 120_000 }, () => {
  it('logs in, finds a teacher and shows their chain to the north star, with charts', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));

    const first = await page.goto(`${server.url}/dashboard`);
    expect(first?.status()).toBe(401);
    await page.getByLabel('管理员令牌').fill(TOKEN);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(`${server.url}/dashboard`);

    // The tree: company at the top, its aligned objectives expanded.
    await page.locator('#tree[data-ready=true]').waitFor();
    await expect.poll(() => page.getByRole('treeitem', { name: /续费驱动增长/ }).count()).toBeGreaterThan(0);
    await page
      .getByRole('treeitem', { name: /打造高满意度课堂/ })
      .first()
      .waitFor();

    // Charts rendered by ECharts into canvases.
    await expect.poll(() => page.locator('#status-chart canvas').count()).toBe(1);
    expect(await page.locator('#score-chart canvas').count()).toBe(1);
    expect(await page.locator('#kpi-alignment-chart canvas').count()).toBe(1);

    // Search a teacher: the tree opens down to her objective and the panel shows the chain.
    await page.getByLabel('按姓名搜索').fill('Emily');
    await page.getByRole('button', { name: '搜索' }).click();
    const node = page.locator('li[role=treeitem][aria-selected=true]');
    await node.waitFor();
    expect(await node.locator(':scope > .row .owner').textContent()).toContain('Emily Carter');
    await page.locator('#north-star').waitFor();
    expect(await page.locator('#north-star').textContent()).toContain('学员续费率提升至68%');
    expect(await page.locator('#upstream > li').count()).toBe(2);

    // Keyboard: Left moves to her centre's group of identical objectives (the 41 teachers' objectives come
    // grouped by centre, with counts), Left closes it, Left again moves to the parent objective.
    await node.focus();
    const activeTitle = () => page.evaluate(() => document.activeElement?.querySelector('.title')?.textContent);
    await page.keyboard.press('ArrowLeft');
    expect(await activeTitle()).toMatch(/中心 · \d+ 个相同目标$/);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await activeTitle()).toContain('打造高满意度课堂');

    // Click a node: its contributors appear.
    await page
      .getByRole('treeitem', { name: /打造高满意度课堂/ })
      .first()
      .locator(':scope > .row')
      .click();
    await expect.poll(() => page.locator('#downstream > li').count()).toBeGreaterThan(30);

    await page.getByLabel('按姓名搜索').fill('Emily');
    await page.getByRole('button', { name: '搜索' }).click();
    await page.locator('#north-star').waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 40_000);
});
