// The playground in a real browser (Chromium through playwright-core, test/helpers/browser.ts):
// a teacher asks for their OKRs on each platform and gets that platform's card,
// updates a KR from the card, requests a goal change, and the manager approves
// it from the approval card. Screenshots go to docs/screenshots/ for the README.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../bots/types';
import { adjustments, keyResults, objectives } from '../../storage/schema';
import { startPlayground, waitFor, type RunningPlayground } from '../playground/helpers';
import { SCREENSHOTS } from '../helpers/screenshots';
import { launchChromium } from '../helpers/browser';

const ADMIN_TOKEN = 'browser-test-admin-0123456789abcdef';

interface Person {
  id: string;
  name: string;
  group: string;
  hasObjectives: boolean;
  managerId: string | null;
  locale: string;
  ids: Record<string, string>;
}

let pg: RunningPlayground;
let browser: Browser;
let page: Page;
let teacher: Person;
let manager: Person;
let krId: string;

async function krRow() {
  const [kr] = await pg.server.store.db.select().from(keyResults).where(eq(keyResults.id, krId));
  return kr;
}

/** A Chinese-speaking teacher whose KR1 is a number that grows, by hand: any target change makes sense for it. */
async function pickTeacher(people: Person[]) {
  for (const p of people.filter(
    (x) => x.group === 'teacher' && x.hasObjectives && x.locale === 'zh-CN' && x.managerId,
  )) {
    const [objective] = await pg.server.store.db
      .select()
      .from(objectives)
      .where(eq(objectives.ownerPersonId, p.id))
      .orderBy(asc(objectives.position));
    if (!objective) continue;
    const [kr1] = await pg.server.store.db
      .select()
      .from(keyResults)
      .where(eq(keyResults.objectiveId, objective.id))
      .orderBy(asc(keyResults.position));
    if (
      kr1 &&
      kr1.kind === 'number' &&
      kr1.direction === 'up' &&
      kr1.progressMode === 'manual' &&
      kr1.targetValue >= 10
    )
      return { person: p, kr: kr1 };
  }
  throw new Error('the demo org has no teacher with a growing numeric KR1');
}

async function open(platform: Platform, person: Person) {
  await page.goto(`${pg.base}/playground?platform=${platform}&person=${person.id}`);
  await expect(page.locator('#composer-input')).toBeDefined();
}

async function say(text: string) {
  const bots = await page.locator('#log .msg.bot').count();
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
  await page.locator('#log .msg.user', { hasText: text }).last().waitFor();
  // Wait for the bot's answer (a new message from it).
  await waitFor(async () => (await page.locator('#log .msg.bot').count()) > bots, `the bot's answer to ${text}`);
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  pg = await startPlayground({ env: { ADMIN_TOKEN } });
  const org = (await (await pg.get('/playground/api/people')).json()) as { people: Person[] };
  const picked = await pickTeacher(org.people);
  teacher = picked.person;
  krId = picked.kr.id;
  manager = org.people.find((p) => p.id === teacher.managerId)!;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await pg?.stop();
});

describe('playground in the browser', { timeout: 120_000 }, () => {
  it("shows the OKR card on each platform, in that platform's own card format", async () => {
    const cardClass: Record<Platform, string> = { lark: '.lk-card', wecom: '.wc-card', dingtalk: '.dt-card' };
    for (const platform of ['lark', 'wecom', 'dingtalk'] as const) {
      await open(platform, teacher);
      expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
      await say('我的OKR');
      const card = page.locator(`#log ${cardClass[platform]}`).last();
      await card.waitFor();
      expect(await card.innerText()).toContain('KR1');
      expect(await card.locator('button', { hasText: '更新 KR1' }).count()).toBe(1);
      await page.screenshot({ path: join(SCREENSHOTS, `playground-${platform}.png`) });
    }
  }, 30_000);

  it('speaks English to an English-speaking teacher, and the language toggle works', async () => {
    const org = (await (await pg.get('/playground/api/people')).json()) as { people: Person[] };
    const emily = org.people.find((p) => p.locale === 'en' && p.hasObjectives)!;
    await open('wecom', emily);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.getAttribute('label[for="composer-input"]', 'class')).toBe('sr-only');
    await say('my okrs');
    await page.locator('#log .wc-card').last().locator('button', { hasText: 'Update KR1' }).waitFor();
    await page.click('text=中文');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
  }, 15_000);

  it('updates a KR from the card (Lark: the card changes in place)', async () => {
    await open('lark', teacher);
    const card = page.locator('#log .lk-card').last();
    await card.waitFor();
    await card.locator('button', { hasText: '更新 KR1' }).click();
    // The same message now shows the KR card with quick values.
    const quick = page.locator('#log .lk-card').last().locator('button[data-click*="kr.checkin"]').first();
    await quick.waitFor();
    const value = Number(
      (JSON.parse((await quick.getAttribute('data-click'))!) as { value: { params: { value: string } } }).value.params
        .value,
    );
    await quick.click();
    await waitFor(async () => (await krRow()).currentValue === value, `KR1 to become ${value}`);
    // The keyboard alone works too: the composer takes a typed update.
    await page.focus('#composer-input');
    await page.keyboard.type(`KR1 ${value + 1}`);
    await page.keyboard.press('Enter');
    await waitFor(async () => (await krRow()).currentValue === value + 1, `KR1 to become ${value + 1}`);
  }, 20_000);

  for (const [i, platform] of (['wecom', 'lark', 'dingtalk'] as const).entries()) {
    it(`${platform}: the teacher requests a target change and the manager approves it from the card`, async () => {
      const target = (await krRow()).targetValue + 5 * (i + 1);
      await open(platform, teacher);
      await say(`调整 KR1 目标 ${target} 原因 本月新增两个班`);
      await page.locator('#log .msg.bot', { hasText: '已提交调整申请' }).last().waitFor();

      await page.click('#to-manager');
      await page.waitForURL(new RegExp(`person=${manager.id}`));
      const approve = page
        .locator('#log .card')
        .filter({ hasText: teacher.name })
        .last()
        .locator('button', { hasText: '同意' });
      await approve.waitFor();
      if (i === 0) await page.screenshot({ path: join(SCREENSHOTS, 'playground-approval.png') });
      await approve.click();

      await waitFor(async () => (await krRow()).targetValue === target, `KR1 target to become ${target}`);
      const [adj] = await pg.server.store.db
        .select()
        .from(adjustments)
        .where(and(eq(adjustments.keyResultId, krId), inArray(adjustments.status, ['approved'])))
        .orderBy(asc(adjustments.createdAt));
      expect(adj).toBeDefined();
      // The approval card itself shows the outcome (its buttons are gone).
      await waitFor(
        async () =>
          (await page
            .locator('#log .card')
            .filter({ hasText: teacher.name })
            .last()
            .locator('button:not([disabled])', { hasText: '同意' })
            .count()) === 0,
        'the resolved approval card',
      );
    }, 20_000);
  }

  it('the goal tree shows the approved target', async () => {
    const kr = await krRow();
    const tree = await fetch(`${pg.base}/api/v1/tree?cycle=${kr.cycleId}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(tree.status).toBe(200);
    const text = await tree.text();
    expect(text).toContain(krId);
    expect(text).toContain(String(kr.targetValue));
    // From the playground, the manager opens the dashboard as themselves (through the emulated
    // Lark sign-in and the dashboard's SSO) and finds the teacher's goal.
    await open('lark', manager);
    const visited: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) visited.push(new URL(frame.url()).pathname);
    });
    await Promise.all([page.waitForURL((url) => url.pathname === '/dashboard'), page.click('#open-dashboard')]);
    expect(visited).toContain('/dashboard/sso/lark');
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    const [objective] = await pg.server.store.db
      .select()
      .from(objectives)
      .where(eq(objectives.ownerPersonId, teacher.id));
    await page.getByText(`${teacher.name} · `).first().click();
    // The detail shows the teacher's KRs and the chain up to the north star.
    await page.getByText(kr.title).first().waitFor();
    await page.getByText('北极星').first().waitFor();
    expect(await page.locator('body').innerText()).toContain(objective.title);
    await page.screenshot({ path: join(SCREENSHOTS, 'playground-dashboard.png') });
  }, 20_000);

  // Last: it starts the demo cycle's review. The whole script runs in test/playground/review-script.test.ts.
  it("the guided review: a step's button runs it and shows the chat of whoever acted, with their card", async () => {
    await page.goto(`${pg.base}/playground?platform=lark`);
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('guide') === 'start'),
      page.click('#guide-start'),
    ]);
    expect(await page.locator('#guide li.next #guide-self').count()).toBe(1);
    await Promise.all([page.waitForURL((url) => url.searchParams.get('guide') === 'self'), page.click('#guide-self')]);
    // The teacher's chat: what the script typed, and the bot's self-assessment card.
    await page.locator('#log .msg.user', { hasText: '自评 O1' }).first().waitFor();
    await page.getByText('延续到下个周期').first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'playground-review.png') });
  }, 30_000);
});
