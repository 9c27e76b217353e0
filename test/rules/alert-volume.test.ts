// Alert volume on the demo org, with the real rules-evaluate job, a real SQLite
// file and an injected clock: alerts once per state change, at most one card
// per person per day, nothing sent before an admin turns sending on, and a
// CLI run without credentials that enqueues instead of consuming firings.
import { and, count, eq, inArray } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { type Platform, PLATFORMS } from '../../bots/types';
import { runJobNow } from '../../src/jobs';
import { createPolaris } from '../../src/app';
import { main as cli } from '../../src/cli';
import { fixedClock } from '../../core/clock';
import { loadConfig } from '../../src/config';
import { loadDemoRules } from '../../src/rules/demo';
import { openSqlite } from '../../storage/sqlite';
import { loadDemo } from '../../storage/seed/demo';
import {
  alertNotices,
  checkIns,
  identities,
  keyResults,
  objectives,
  organizations,
  outbox,
  people,
  ruleFirings,
} from '../../storage/schema';
import { ADMIN_TOKEN, tempDbPath } from '../helpers/app';
import { startPlayground } from '../playground/helpers';
import { recordingAdapter } from './helpers';

const DAY = 86_400_000;
/** Monday 10:05 in Shanghai: rules-evaluate's hourly slot. */
const DAY0 = new Date('2026-11-23T02:05:00Z');

function demoHarness() {
  const db = tempDbPath();
  const store = openSqlite(db.path);
  const clock = fixedClock(DAY0);
  const config = loadConfig({ ADMIN_TOKEN, TZ_DEFAULT: 'Asia/Shanghai' });
  // No adapter in this process: every message is enqueued, addressed to the person's primary platform.
  const { app, services } = createPolaris({ store, config, clock, adapters: [], addressablePlatforms: PLATFORMS });
  return {
    db,
    store,
    clock,
    services,
    async seed() {
      const demo = await loadDemo(store, { now: clock.now(), timezone: 'Asia/Shanghai' });
      await loadDemoRules(store, demo.orgId, clock.now());
      return demo;
    },
    evaluate() {
      return runJobNow(services, 'rules-evaluate', { now: clock.now() });
    },
    api(method: string, path: string, body?: unknown) {
      return app.request(path, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
    /** Outbox rows created at the clock's current time, per recipient (platform user id). */
    async rowsNow() {
      const rows = await store.db.select().from(outbox).where(eq(outbox.createdAt, clock.now().toISOString()));
      return rows;
    },
    close() {
      store.close();
      db.cleanup();
    },
  };
}

let h: ReturnType<typeof demoHarness> | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

/** Each recipient's rows: a person has one primary platform, so one user id. */
function perRecipient(rows: (typeof outbox.$inferSelect)[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) {
    const to = r.target as { kind: string; id: string };
    out.set(`${r.platform}:${to.id}`, (out.get(`${r.platform}:${to.id}`) ?? 0) + 1);
  }
  return out;
}

describe('alert volume', () => {
  it('the first evaluation of a fresh demo records its firings and sends nothing; sending is an admin switch', async () => {
    h = demoHarness();
    const demo = await h.seed();
    const [first] = await h.evaluate();
    expect(first.outcome).toBe('done');
    const held = await h.store.db
      .select({ n: count() })
      .from(ruleFirings)
      .where(and(eq(ruleFirings.orgId, demo.orgId), eq(ruleFirings.notice, 'held')));
    expect(held[0].n).toBeGreaterThan(20);
    expect(await h.store.db.select().from(outbox)).toHaveLength(0);

    const org = await (await h.api('GET', '/api/v1/orgs/demo')).json();
    expect(org.effective_settings.alerts).toBe('observe');
    const bad = await h.api('PATCH', '/api/v1/orgs/demo', { settings: { alerts: 'loud' } });
    expect(bad.status).toBe(400);
    const on = await h.api('PATCH', '/api/v1/orgs/demo', { settings: { alerts: 'send' } });
    expect(on.status).toBe(200);
    expect((await on.json()).effective_settings.alerts).toBe('send');

    // Turning sending on does not send what was recorded while observing.
    h.clock.advance(3_600_000);
    await h.evaluate();
    expect(await h.rowsNow()).toHaveLength(0);
  });

  it('a fresh demo start (the playground, npm start without credentials) sends at most one card per person', async () => {
    const pg = await startPlayground();
    try {
      const { services, store } = pg.server;
      const results = await runJobNow(services, 'rules-evaluate');
      expect(results.map((r) => r.outcome)).toEqual(['done']);
      await services.outbox.drain();
      const rows = await store.db.select().from(outbox);
      for (const [to, cards] of perRecipient(rows)) expect(cards, to).toBeLessThanOrEqual(1);
      const [{ n }] = await store.db.select({ n: count() }).from(ruleFirings);
      expect(n).toBeGreaterThan(0);
      console.info(`fresh demo start: ${n} firings recorded, ${rows.length} messages`);
    } finally {
      await pg.stop();
    }
  });

  it('five days with no data changes send each alert once, at most one card per person per day', async () => {
    h = demoHarness();
    const demo = await h.seed();
    await h.evaluate(); // install: the baseline
    await h.store.db
      .update(organizations)
      .set({ settings: { alerts: 'send' } })
      .where(eq(organizations.id, demo.orgId));
    // Something happens after the baseline: a teacher's confidence falls on two KRs at once.
    const owned = await h.store.db
      .select({ id: keyResults.id, ownerId: objectives.ownerPersonId, managerId: people.managerId })
      .from(keyResults)
      .innerJoin(objectives, eq(objectives.id, keyResults.objectiveId))
      .innerJoin(people, eq(people.id, objectives.ownerPersonId))
      .where(
        and(
          eq(keyResults.orgId, demo.orgId),
          eq(keyResults.status, 'active'),
          eq(keyResults.progressMode, 'manual'),
          eq(objectives.ownerType, 'person'),
        ),
      );
    const byOwner = new Map<string, typeof owned>();
    for (const k of owned) byOwner.set(k.ownerId!, [...(byOwner.get(k.ownerId!) ?? []), k]);
    const [teacherId, teacherKrs] = [...byOwner].find(([, list]) => list.length >= 2 && list[0].managerId)!;
    const teacher = { id: teacherId, managerId: teacherKrs[0].managerId };
    const manual = teacherKrs.slice(0, 2);
    let n = 0;
    for (const kr of manual)
      for (const confidence of [8, 3])
        await h.store.db.insert(checkIns).values({
          id: `ci_sim_${n++}`,
          orgId: demo.orgId,
          keyResultId: kr.id,
          authorId: teacher.id,
          value: 0,
          confidence,
          source: 'chat',
          createdAt: new Date(DAY0.getTime() + 3_600_000 + n * 1000).toISOString(),
        });

    const daily: number[] = [];
    for (let day = 1; day <= 5; day++) {
      h.clock.set(new Date(DAY0.getTime() + day * DAY));
      const [run] = await h.evaluate();
      expect(run.outcome).toBe('done');
      const rows = await h.rowsNow();
      daily.push(rows.length);
      // At most one card per person per day.
      for (const [to, cards] of perRecipient(rows)) expect(cards, `${to} on day ${day}`).toBe(1);
      // A second pass the same day sends nothing more.
      h.clock.advance(3_600_000);
      await h.evaluate();
      expect(await h.rowsNow(), `second pass of day ${day}`).toHaveLength(0);
    }
    // Day 1 names the two confidence drops on one card to the teacher and one to the manager.
    const teacherBinding = await h.store.db
      .select()
      .from(identities)
      .where(inArray(identities.personId, [teacher.id, teacher.managerId!]));
    const day1 = await h.store.db
      .select()
      .from(outbox)
      .where(eq(outbox.createdAt, new Date(DAY0.getTime() + DAY).toISOString()));
    const teacherIds = new Set(teacherBinding.filter((b) => b.personId === teacher.id).map((b) => b.platformUserId));
    const teacherCards = day1.filter((r) => teacherIds.has((r.target as { id: string }).id));
    expect(teacherCards).toHaveLength(1);
    expect(JSON.stringify(teacherCards[0].payload).match(/信心下降/g)).toHaveLength(2);

    // Once per state change: no KR has two firings for one state, and no firing is named twice to anyone.
    const firings = await h.store.db.select().from(ruleFirings).where(eq(ruleFirings.orgId, demo.orgId));
    const states = new Map<string, number>();
    for (const f of firings) {
      const state =
        f.period.startsWith('at_risk@') || f.period.startsWith('off_track@') ? f.period.split('@')[0] : f.period;
      const key = `${f.ruleId}|${f.subject}|${state}`;
      states.set(key, (states.get(key) ?? 0) + 1);
    }
    expect([...states].filter(([, c]) => c > 1)).toEqual([]);
    const notices = await h.store.db.select().from(alertNotices);
    expect(new Set(notices.map((x) => `${x.personId}|${x.firingId}`)).size).toBe(notices.length);
    console.info(`alert cards per day over five days without data changes: ${daily.join(', ')}`);
    // The old code re-sent every open alert daily (about 160 messages a day on this demo).
    expect(daily.slice(1).every((d) => d < 20)).toBe(true);
  });

  it('run-job without platform credentials enqueues for the server, consumes nothing, and --force re-runs a done period', async () => {
    h = demoHarness();
    const demo = await h.seed();
    await h.evaluate();
    await h.store.db
      .update(organizations)
      .set({ settings: { alerts: 'send' } })
      .where(eq(organizations.id, demo.orgId));
    const [kr] = await h.store.db
      .select({ id: keyResults.id })
      .from(keyResults)
      .where(
        and(eq(keyResults.orgId, demo.orgId), eq(keyResults.progressMode, 'manual'), eq(keyResults.kind, 'number')),
      )
      .limit(1);
    for (const [i, confidence] of [9, 2].entries())
      await h.store.db.insert(checkIns).values({
        id: `ci_cli_${i}`,
        orgId: demo.orgId,
        keyResultId: kr.id,
        value: 0,
        confidence,
        source: 'chat',
        createdAt: new Date(DAY0.getTime() + (i + 1) * 60_000).toISOString(),
      });
    const path = h.db.path;
    h.store.close();
    const env = { DATABASE_PATH: path, TZ_DEFAULT: 'Asia/Shanghai' };
    const errors: string[] = [];
    const log = console.error;
    console.error = (...args: unknown[]) => errors.push(args.join(' '));
    try {
      expect(await cli(['run-job', 'rules-evaluate', '--org', 'demo'], env)).toBe(0);
      expect(await cli(['run-job', 'rules-evaluate', '--org', 'demo'], env)).toBe(0);
      expect(await cli(['run-job', 'rules-evaluate', '--org', 'demo', '--force'], env)).toBe(0);
    } finally {
      console.error = log;
    }
    const text = errors.join('\n');
    expect(text).toMatch(/wait in the outbox for the running server/);
    expect(text).toMatch(/add --force/);

    // The server (with credentials) delivers what the CLI enqueued: nothing failed, nothing lost.
    const store = openSqlite(path);
    try {
      const rows = await store.db.select().from(outbox);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.status === 'pending')).toBe(true);
      const platforms = new Set(rows.map((r) => r.platform as Platform));
      const adapters = [...platforms].map((p) => ({ ...recordingAdapter().adapter, platform: p }));
      const server = createPolaris({ store, config: loadConfig({ ADMIN_TOKEN }), adapters });
      const report = await server.services.outbox.drain();
      expect(report).toMatchObject({ sent: rows.length, failed: 0 });
    } finally {
      store.close();
      h.db.cleanup();
      h = undefined;
    }
  });
});
