import { afterEach, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { createTestApp } from '../helpers/app';
import { loadDemo } from '../../storage/seed/demo';
import { readFileSync } from 'node:fs';
import { adjustments, identities, keyResults, objectives, people } from '../../storage/schema';
import { applyStatements } from '../../src/approvals/apply';
import { changeText, loadRequestContext } from '../../src/approvals/describe';
import { personOkrs } from '../../storage/repos/okrs';

let t: ReturnType<typeof createTestApp>;
afterEach(() => t.close());

describe('demo seed', () => {
  it('loads a realistic org once and is idempotent', async () => {
    t = createTestApp();
    const now = t.clock.now();
    const first = await loadDemo(t.store, { now });
    expect(first.created).toBe(true);
    expect(first.counts.people).toBeGreaterThanOrEqual(55);
    expect(first.counts.people).toBeLessThanOrEqual(65);
    const again = await loadDemo(t.store, { now });
    expect(again).toMatchObject({
      created: false,
      orgId: first.orgId,
      cycleId: first.cycleId,
      northStarKrId: first.northStarKrId,
      departmentKrId: first.departmentKrId,
    });
    expect(again.counts).toEqual(first.counts);

    const [n] = await t.store.db.select({ n: count() }).from(people);
    expect(n.n).toBe(first.counts.people);
    // Every person is reachable on all three platforms.
    const [ids] = await t.store.db.select({ n: count() }).from(identities);
    expect(ids.n).toBe(first.counts.people * 3);

    const demo = { 'X-Polaris-Org': 'demo' };
    const northStar = await (
      await t.api('GET', `/api/v1/objectives?cycle=current&status=active&limit=500`, undefined, demo)
    ).json();
    const company = northStar.items.find((o: { owner_type: string }) => o.owner_type === 'company');
    expect(company.key_results[0]).toMatchObject({
      title: '学员续费率提升至68%',
      kind: 'percent',
      start_value: 52,
      target_value: 68,
    });
    const deptKr = await t.store.db.select().from(keyResults).where(eq(keyResults.id, first.departmentKrId));
    expect(deptKr[0]).toMatchObject({ title: '课程满意度 ≥ 4.7', progressMode: 'children' });
    const aligned = await t.store.db.select().from(objectives).where(eq(objectives.parentKrId, first.departmentKrId));
    expect(aligned.length).toBeGreaterThan(30);
    expect(aligned.every((o) => o.title === '每节课后收集5份有效反馈并优化教案')).toBe(true);

    const admins = (await t.store.db.select().from(people).where(eq(people.orgId, first.orgId))).filter(
      (p) => p.role === 'admin',
    );
    expect(admins).toHaveLength(1);
    const english = await t.store.db.select().from(people).where(eq(people.locale, 'en'));
    expect(english.length).toBe(2);
    const teacher = aligned[0].ownerPersonId!;
    const okrs = await personOkrs(t.store, { orgId: first.orgId, personId: teacher, cycleId: first.cycleId });
    expect(okrs.objectives[0].keyResults.length).toBeGreaterThanOrEqual(2);
    expect(okrs.objectives[0].keyResults.length).toBeLessThanOrEqual(4);
    expect(first.counts.checkIns).toBeGreaterThan(50);
  });
});

describe('adjustments list', () => {
  it('lists by status and rejects unknown statuses', async () => {
    t = createTestApp();
    await loadDemo(t.store, { now: t.clock.now() });
    const demo = { 'X-Polaris-Org': 'demo' };
    const pending = await (await t.api('GET', '/api/v1/adjustments?status=pending', undefined, demo)).json();
    expect(pending.items).toHaveLength(1);
    expect(pending.items[0]).toMatchObject({ kind: 'target', status: 'pending' });
    expect(
      (await (await t.api('GET', '/api/v1/adjustments?status=approved', undefined, demo)).json()).items,
    ).toHaveLength(0);
    expect((await t.api('GET', '/api/v1/adjustments?status=maybe', undefined, demo)).status).toBe(400);
  });
});

describe('the demo pending request (issue 18)', () => {
  it('stores the change as chat does, reads as a real change, and approves without a NOT NULL failure', async () => {
    t = createTestApp();
    await loadDemo(t.store, { now: t.clock.now() });
    const [a] = await t.store.db.select().from(adjustments).where(eq(adjustments.status, 'pending'));
    expect(Object.keys(a.proposed)).toEqual(['target']);
    const rc = await loadRequestContext(t.store, a);
    const change = changeText('zh-CN', rc);
    expect(change).not.toContain('—');
    expect(change).toMatch(/目标值 \d+\S+ → \d+\S+/);
    await t.store.atomic(applyStatements(t.store, a, t.clock.now(), { kr: rc.kr }));
    const [kr] = await t.store.db.select().from(keyResults).where(eq(keyResults.id, a.keyResultId!));
    expect(kr.targetValue).toBe(a.proposed.target);
    // The title states the target, so it follows the change.
    expect(kr.title).toContain(String(a.proposed.target));
  });

  it('migration 0006 rewrites rows stored in the old shape', async () => {
    t = createTestApp();
    await loadDemo(t.store, { now: t.clock.now() });
    const [a] = await t.store.db.select().from(adjustments).where(eq(adjustments.status, 'pending'));
    await t.store.db
      .update(adjustments)
      .set({ current: { targetValue: 25 }, proposed: { targetValue: 30 } })
      .where(eq(adjustments.id, a.id));
    const sql = readFileSync(
      new URL('../../storage/migrations/0006_adjustment_change_shape.sql', import.meta.url),
      'utf8',
    );
    for (const statement of sql.split('--> statement-breakpoint')) t.store.sqlite.exec(statement);
    const [after] = await t.store.db.select().from(adjustments).where(eq(adjustments.id, a.id));
    expect(after).toMatchObject({ current: { target: 25 }, proposed: { target: 30 } });
  });
});
