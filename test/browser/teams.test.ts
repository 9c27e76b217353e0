// The dashboard's teams page (issue 19) in Chromium against a real Node server on the demo org,
// at phone size (390×844) and desktop size (1280×800): an administrator reaches it from the
// dashboard, renames, moves, merges and deletes teams with the forms, and a team holding people
// is refused in the page's language with nothing changed. Nothing may overflow the viewport.
// Saves docs/screenshots/teams-phone.png and teams-desktop.png (UPDATE_SCREENSHOTS=1).
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode } from '../../src/node';
import { loadDemo } from '../../storage/seed/demo';
import { people, teams } from '../../storage/schema';
import { tempDbPath } from '../helpers/app';
import { launchChromium } from '../helpers/browser';
import { SCREENSHOTS } from '../helpers/screenshots';

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

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function signIn(page: Page) {
  await page.goto(`${server.url}/dashboard/login`);
  await page.getByLabel('管理员令牌').fill(TOKEN);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${server.url}/dashboard`);
}

async function fitsViewport(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

const teamItem = (page: Page, name: string) => page.locator(`li.team[data-team="${name}"]`);

async function teamNamed(name: string) {
  const [row] = await server.store.db.select().from(teams).where(eq(teams.name, name));
  return row;
}

describe('teams page in Chromium', { timeout: 120_000 }, () => {
  it('390×844: reached from the dashboard; a team holding people is refused, nothing overflows', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await signIn(page);
    await page.getByRole('link', { name: '团队管理' }).click();
    await page.waitForURL(`${server.url}/dashboard/teams`);
    await expect.poll(() => page.locator('li.team').count()).toBeGreaterThanOrEqual(9);
    expect(await teamItem(page, '北京朝阳中心').locator('.team-path').textContent()).toBe('集团总部 / 教学部');
    expect(await fitsViewport(page)).toBe(true);

    const members = (
      await server.store.db
        .select()
        .from(people)
        .where(eq(people.teamId, (await teamNamed('北京朝阳中心')).id))
    ).length;
    expect(members).toBeGreaterThan(0);
    const item = teamItem(page, '北京朝阳中心');
    await item.getByText('管理“北京朝阳中心”').click();
    await item.getByRole('button', { name: '删除“北京朝阳中心”' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain(`团队“北京朝阳中心”还有 ${members} 人`);
    expect(await alert.textContent()).not.toMatch(/[A-Za-z]{4}/); // Chinese only
    expect(await teamNamed('北京朝阳中心')).toBeDefined();
    expect(await fitsViewport(page)).toBe(true);
    await teamItem(page, '北京海淀中心').getByText('管理“北京海淀中心”').click();
    expect(await fitsViewport(page)).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'teams-phone.png'), fullPage: false });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('1280×800: renames, moves, merges and deletes teams with the forms', { timeout: 60_000 }, async () => {
    const twin = await api('POST', '/api/v1/teams', { name: '朝阳中心（导入重复）' });
    const spare = await api('POST', '/api/v1/teams', { name: '临时团队' });
    expect([twin.status, spare.status]).toEqual([201, 201]);
    // One person in the duplicate, as a bad import leaves it.
    const [someone] = await server.store.db
      .select()
      .from(people)
      .where(eq(people.teamId, (await teamNamed('上海浦东中心')).id))
      .limit(1);
    await api('PATCH', `/api/v1/people/${someone.id}`, { team_id: twin.body.id });

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(5000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await signIn(page);
    await page.goto(`${server.url}/dashboard/teams`);

    // Rename.
    let item = teamItem(page, '北京海淀中心');
    await item.getByText('管理“北京海淀中心”').click();
    await item.getByLabel('新名称').fill('北京海淀校区');
    await item.getByRole('button', { name: '重命名' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('已重命名为“北京海淀校区”。');
    expect(await teamNamed('北京海淀校区')).toBeDefined();

    // Move: a team's own sub-teams are not offered as its parent.
    item = teamItem(page, '教学部');
    await item.getByText('管理“教学部”').click();
    const offered = await item.getByLabel('上级团队').locator('option').allTextContents();
    expect(offered.some((o) => o.includes('北京朝阳中心'))).toBe(false);
    expect(offered).toContain('集团总部');
    item = teamItem(page, '临时团队');
    await item.getByText('管理“临时团队”').click();
    await item.getByLabel('上级团队').selectOption({ label: '集团总部 / 教学部' });
    await item.getByRole('button', { name: '移动' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('已移动“临时团队”。');
    expect((await teamNamed('临时团队')).parentId).toBe((await teamNamed('教学部')).id);
    expect(await teamItem(page, '临时团队').locator('.team-path').textContent()).toBe('集团总部 / 教学部');

    // Merge the duplicate (with its member) into the real centre.
    item = teamItem(page, '朝阳中心（导入重复）');
    await item.getByText('管理“朝阳中心（导入重复）”').click();
    await item.getByLabel('合并到').selectOption({ label: '集团总部 / 教学部 / 北京朝阳中心' });
    // The merge deletes the team: the browser does not submit without the tick.
    await item.getByRole('button', { name: '合并' }).click();
    expect(await teamNamed('朝阳中心（导入重复）')).toBeDefined();
    await item.getByLabel(/确认合并/).check();
    await item.getByRole('button', { name: '合并' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe('已合并：朝阳中心（导入重复） → 北京朝阳中心。');
    expect(await teamNamed('朝阳中心（导入重复）')).toBeUndefined();
    const [moved] = await server.store.db.select().from(people).where(eq(people.id, someone.id));
    expect(moved.teamId).toBe((await teamNamed('北京朝阳中心')).id);

    // Delete the empty one.
    item = teamItem(page, '临时团队');
    await item.getByText('管理“临时团队”').click();
    await item.getByRole('button', { name: '删除“临时团队”' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('已删除“临时团队”。');
    expect(await teamNamed('临时团队')).toBeUndefined();
    expect(await teamItem(page, '临时团队').count()).toBe(0);

    // English on request, the refusal too.
    await page.goto(`${server.url}/dashboard/teams?lang=en`);
    item = teamItem(page, '北京朝阳中心');
    await item.getByText('Manage "北京朝阳中心"').click();
    await item.getByRole('button', { name: 'Delete "北京朝阳中心"' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toMatch(/^Team "北京朝阳中心" still holds \d+ people/);
    expect(await teamNamed('北京朝阳中心')).toBeDefined();

    expect(await fitsViewport(page)).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'teams-desktop.png'), fullPage: false });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sends a visitor without a session to the login page, and refuses a cross-site form post', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    // Without a session: to the login page.
    const anonymous = await page.goto(`${server.url}/dashboard/teams`);
    expect(anonymous?.url()).toContain('/dashboard/login');
    await signIn(page);
    const spoofed = await page.request.post(`${server.url}/dashboard/teams/${(await teamNamed('教学部')).id}/delete`, {
      headers: { origin: 'https://evil.example' },
      maxRedirects: 0,
    });
    expect(spoofed.status()).toBe(403);
    expect(await teamNamed('教学部')).toBeDefined();
    await page.close();
  });
});
