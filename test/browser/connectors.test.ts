// The connectors page in Chromium: an admin follows the dashboard's nav link and sees each
// connector's last run (status and counts, with rejection reasons), next run and last error,
// in Chinese and in English; a phone-width view scrolls the table instead of cutting it.
// Then an admin creates an HTTP CSV connector against a local source from the page's form:
// loads the source's fields, picks the mapping from them, saves, runs it now and sees the
// points read and stored; a re-run stores nothing twice. At 375 px the form fits and a
// connector is deleted after confirming. Saves docs/screenshots/connectors.png,
// connectors-form-desktop.png and connectors-form-phone.png.
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode } from '../../src/node';
import { connectors, metricPoints } from '../../storage/schema';
import { tempDbPath } from '../helpers/app';
import { seedSmallOrg } from '../helpers/fixtures';
import { SCREENSHOTS } from '../helpers/screenshots';
import { launchChromium } from '../helpers/browser';
import { json, startSourceServer, text } from '../connectors/source-server';

const TOKEN = 'browser-test-token-0123456789abcdef';

let server: Awaited<ReturnType<typeof startNode>>;
let source: Awaited<ReturnType<typeof startSourceServer>>;
/** A source that stays up: an LMS export behind a bearer token. */
let live: Awaited<ReturnType<typeof startSourceServer>>;
const LMS_SECRET = 'Bearer lms-export-4f3e2d1c0b9a';
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
  live = await startSourceServer({
    '/teaching.csv': (req, res) => {
      if (req.headers.authorization !== LMS_SECRET) return void res.writeHead(401).end('unauthorized');
      text('teacher,day,hours\nE002,2026-11-20,6\nE003,2026-11-20,4.5\n', 200, 'text/csv')(req, res);
    },
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
  await live?.close();
  db.cleanup();
});

describe('connectors page in Chromium', { timeout: 120_000 }, () => {
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

  it('creates an HTTP CSV connector from the form: fields picked from the sample, saved, run, re-run stores nothing twice', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(8000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.url}/dashboard/login`);
    await page.getByLabel('管理员令牌').fill(TOKEN);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(`${server.url}/dashboard`);
    await page.goto(`${server.url}/dashboard/connectors?lang=zh-CN`);

    await page.getByRole('link', { name: '新建连接器' }).click();
    await page.getByRole('link', { name: '网址数据源' }).click();
    await page.waitForURL(/\/dashboard\/connectors\/new\?kind=http/);
    await page.getByLabel('名称', { exact: true }).fill('课时导出');
    await page.getByLabel('网址（http / https）').fill(`${live.url}/teaching.csv`);
    await page.getByLabel('认证请求头的值（只写入，不会再显示）').fill(LMS_SECRET);
    // The pickers are empty until the source's fields are loaded.
    expect(await page.locator('#f-subject_field option').count()).toBe(1);
    await page.getByRole('button', { name: '读取字段' }).click();
    await page.locator('#sample-status').filter({ hasText: '数据源有 3 个字段' }).waitFor();
    expect(await page.locator('#sample-preview th').allTextContents()).toEqual(['teacher', 'day', 'hours']);
    expect(await page.locator('#sample-preview tbody tr').count()).toBe(2);
    expect(await page.locator('#f-subject_field option').allTextContents()).toEqual([
      '— 请选择字段 —',
      'teacher',
      'day',
      'hours',
    ]);
    // Loading the fields kept what was typed, the secret included (it was never sent back into the page).
    expect(await page.getByLabel('认证请求头的值（只写入，不会再显示）').inputValue()).toBe(LMS_SECRET);
    await page.locator('#f-metric').fill('class_hours');
    await page.locator('#f-subject_field').selectOption('teacher');
    await page.locator('#f-at_field').selectOption('day');
    await page.locator('#f-value_field').selectOption('hours');
    await page.screenshot({ path: join(SCREENSHOTS, 'connectors-form-desktop.png'), fullPage: true });

    await page.getByRole('button', { name: '保存' }).click();
    await page.waitForURL(/done=created/);
    expect(await page.locator('.notice').textContent()).toBe('已创建连接器“课时导出”。');
    const row = () => page.getByRole('row', { name: /课时导出/ });
    expect(await row().locator('.last-run').textContent()).toBe('尚未运行');

    await row().getByRole('button', { name: '立即运行' }).click();
    await page.locator('.notice').filter({ hasText: '已运行' }).waitFor();
    expect(await page.locator('.notice').textContent()).toBe(
      '已运行“课时导出”：成功（读取 2 · 写入 2 · 未变 0 · 拒收 0）',
    );
    expect(await row().locator('.last-run .status').textContent()).toBe('成功');
    expect(await row().locator('.result .counts').textContent()).toBe('读取 2 · 写入 2 · 未变 0 · 拒收 0');

    await row().getByRole('button', { name: '立即运行' }).click();
    await page.locator('.notice').filter({ hasText: '写入 0' }).waitFor();
    expect(await row().locator('.result .counts').textContent()).toBe('读取 2 · 写入 0 · 未变 2 · 拒收 0');
    const points = await server.store.db.select().from(metricPoints).where(eq(metricPoints.metric, 'class_hours'));
    expect(points.map((p) => [p.subject, p.value]).sort()).toEqual([
      ['E002', 6],
      ['E003', 4.5],
    ]);
    expect(live.requests.at(-1)?.headers.authorization).toBe(LMS_SECRET);

    // Editing shows that a secret is set, never the secret.
    await row().getByRole('link', { name: '修改' }).click();
    await page.waitForURL(/\/edit/);
    expect(await page.getByLabel('认证请求头的值（只写入，不会再显示）').inputValue()).toBe('');
    expect(await page.content()).not.toContain('lms-export');
    expect(await page.locator('.conn-form').textContent()).toContain('已设置认证值');
    // A mapping naming a field the source lacks is refused in the reader's language; nothing changes.
    await page.locator('#f-metric').fill('class_hours');
    await page.evaluate(() => {
      const sel = document.querySelector('#f-value_field') as HTMLSelectElement;
      sel.add(new Option('hour', 'hour', true, true));
    });
    await page.getByRole('button', { name: '保存' }).click();
    await page.locator('#form-error').waitFor();
    expect(await page.locator('#form-error').textContent()).toContain('映射的字段在数据源中不存在：数值字段: “hour”');
    const [stored] = await server.store.db.select().from(connectors).where(eq(connectors.name, '课时导出'));
    expect(stored.mapping).toMatchObject({ value_field: 'hours' });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the form fits a 375 px phone, and a connector is deleted after confirming', async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 812 },
      extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
    });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    await page.goto(`${server.url}/dashboard/connectors/new?kind=http&lang=zh-CN`);
    await page.getByLabel('名称', { exact: true }).fill('手机上新建');
    await page.getByLabel('网址（http / https）').fill(`${live.url}/teaching.csv`);
    await page.getByLabel('认证请求头的值（只写入，不会再显示）').fill(LMS_SECRET);
    await page.getByRole('button', { name: '读取字段' }).click();
    await page.locator('#sample-status').filter({ hasText: '数据源有 3 个字段' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const box = await page.locator('#f-subject_field').boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(SCREENSHOTS, 'connectors-form-phone.png'), fullPage: true });

    await page.goto(`${server.url}/dashboard/connectors`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page
      .getByRole('row', { name: /课时导出/ })
      .getByRole('link', { name: '删除' })
      .click();
    await page.getByRole('heading', { name: '删除连接器“课时导出”？' }).waitFor();
    await page.getByRole('button', { name: '确认删除' }).click();
    await page.waitForURL(/done=deleted/);
    expect(await page.getByRole('row', { name: /课时导出/ }).count()).toBe(0);
    // The points it stored stay.
    expect(
      await server.store.db.select().from(metricPoints).where(eq(metricPoints.metric, 'class_hours')),
    ).toHaveLength(2);
    await context.close();
  });
});
