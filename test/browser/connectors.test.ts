// The connectors page in Chromium: an admin follows the dashboard's nav link and sees each
// connector's last run (status and counts, with rejection reasons), next run and last error,
// in Chinese and in English; a phone-width view scrolls the table instead of cutting it.
// Saves docs/screenshots/connectors.png.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode } from '../../src/node';
import { tempDbPath } from '../helpers/app';
import { seedSmallOrg } from '../helpers/fixtures';
import { SCREENSHOTS } from '../helpers/screenshots';
import { launchChromium } from '../helpers/browser';
import { json, startSourceServer, text } from '../connectors/source-server';

const TOKEN = 'browser-test-token-0123456789abcdef';

let server: Awaited<ReturnType<typeof startNode>>;
let source: Awaited<ReturnType<typeof startSourceServer>>;
let browser: Browser;
const db = tempDbPath();

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

beforeAll(async () => {
  source = await startSourceServer({
    '/renewals.json': json([
      { 工号: 'E002', 月份: '2026-10-01', 续费率: 0.58 },
      { 工号: 'E003', 月份: '2026-10-01', 续费率: 0.71 },
      { 工号: 'E999', 月份: '2026-10-01', 续费率: 0.6 },
    ]),
    '/lms.csv': text('teacher,day,hours\nE002,2026-11-20,6\n', 200, 'text/csv'),
  });
  server = await startNode({
    env: { ADMIN_TOKEN: TOKEN, DATABASE_PATH: db.path, PORT: '0', PLAYGROUND: 'off' },
    quiet: true,
    scheduler: false,
  });
  await seedSmallOrg(server.store);
  browser = await launchChromium();
  const crm = await api('POST', '/connectors', {
    name: 'CRM 续费率 <b>导出</b>',
    kind: 'http',
    source: { url: `${source.url}/renewals.json`, format: 'json' },
    mapping: { metric: 'renewal_rate', subject_field: '工号', at_field: '月份', value_field: '续费率' },
  });
  await api('POST', `/connectors/${crm.id}/run`);
  const lms = await api('POST', '/connectors', {
    name: 'LMS 授课时长',
    kind: 'http',
    schedule: '0 7 * * *',
    source: { url: `${source.url}/lms.csv`, format: 'csv' },
    mapping: { metric: 'teaching_hours', subject_field: 'teacher', at_field: 'day', value_field: 'hours' },
  });
  // The LMS goes away after it was set up: its run fails and says why.
  await source.close();
  await api('POST', `/connectors/${lms.id}/run`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  db.cleanup();
});

describe('connectors page in Chromium', () => {
  it('shows last run, next run and last error, reached from the dashboard nav', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(8000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.url}/dashboard`);
    await page.getByLabel('管理员令牌').fill(TOKEN);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(`${server.url}/dashboard`);

    await page.getByRole('link', { name: '数据连接器' }).click();
    await page.waitForURL(`${server.url}/dashboard/connectors`);
    expect(await page.getByRole('heading', { level: 2 }).first().textContent()).toBe('数据连接器');

    const crm = page.getByRole('row', { name: /CRM 续费率/ });
    // The admin's text is shown as text, never as markup.
    expect(await crm.locator('.name').textContent()).toBe('CRM 续费率 <b>导出</b>');
    expect(await crm.locator('.last-run .status').textContent()).toBe('部分拒收');
    expect(await crm.locator('.result .counts').textContent()).toBe('读取 3 · 写入 2 · 未变 0 · 拒收 1');
    await crm.getByText('拒收原因').click();
    expect(await crm.locator('.reasons li').textContent()).toContain('第 3 行 · subject: "E999"');
    expect(await crm.locator('.next-run time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:05:00\.000Z$/);
    expect(await crm.locator('.last-error').textContent()).toBe('—');

    const lms = page.getByRole('row', { name: /LMS 授课时长/ });
    expect(await lms.locator('.last-run .status').textContent()).toBe('失败');
    // The failure in the reader's language; the technical detail folded away.
    expect(await lms.locator('.last-error .error-text').textContent()).toBe('无法连接数据源');
    await lms.getByText('技术细节（英文）').click();
    expect(await lms.locator('.last-error details p').textContent()).toMatch(/cannot connect/);
    expect(await lms.locator('.last-error .muted').textContent()).toMatch(
      /第 1 次失败，将于 \d{4}-\d\d-\d\d \d\d:\d\d 重试/,
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'connectors.png'), fullPage: true });

    // Run now, from the page: still failing, and it says so; the failure count goes up.
    await lms.getByRole('button', { name: '立即运行' }).click();
    await page.locator('.notice').waitFor();
    expect(await page.locator('.notice').textContent()).toBe('已运行“LMS 授课时长”：失败');
    expect(
      await page
        .getByRole('row', { name: /LMS 授课时长/ })
        .locator('.last-error .muted')
        .textContent(),
    ).toMatch(/第 2 次失败/);

    // English, from the toggle.
    await page.locator('a.lang').click();
    await page.waitForURL(/lang=en/);
    expect(await page.getByRole('row', { name: /LMS/ }).locator('.last-run .status').textContent()).toBe('Failed');
    expect(await page.getByRole('row', { name: /LMS/ }).locator('.last-error .error-text').textContent()).toBe(
      'Cannot connect to the source',
    );
    expect(await page.locator('#connectors thead').textContent()).toContain('Next run');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a phone: the table scrolls inside its card', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
    });
    const page = await context.newPage();
    const res = await page.goto(`${server.url}/dashboard/connectors`);
    expect(res?.status()).toBe(200);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await context.close();
  });

  it('is for administrators only: a signed-out visitor is asked to sign in', async () => {
    const res = await fetch(`${server.url}/dashboard/connectors`);
    expect(res.status).toBe(401);
  });
});
