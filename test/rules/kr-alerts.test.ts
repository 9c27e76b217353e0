// Built-in KR alerts that are right: staleness of new KRs, yes/no KRs, metric-fed
// KRs, and KR numbers with an annual cycle overlapping Q4 (real SQLite, the real
// evaluation pass, an injected time).
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { plainCardText, type Card } from '../../cards/model';
import { PLATFORMS } from '../../bots/types';
import { evaluateOrg } from '../../src/rules/engine';
import { ensureBuiltinRules } from '../../src/rules/repo';
import { cycles, keyResults, organizations, outbox, people, ruleFirings, rules } from '../../storage/schema';
import { krByNumber, loadPersonOkrView } from '../../src/chat/okr-view';
import { createTestApp } from '../helpers/app';
import { addKr, addObjective, addPerson, seedOrg } from '../jobs/fixtures';

let h: ReturnType<typeof createTestApp>;
afterEach(() => h?.close());

const NOW = new Date('2026-11-27T02:00:00Z'); // Friday 10:00 in Shanghai

/** The card's words as a person reads them (user-text span markers removed). */
function cardText(card: Card): string {
  return plainCardText(
    [
      card.header.title,
      ...card.blocks.map((b) =>
        b.type === 'markdown' || b.type === 'note'
          ? b.text
          : b.type === 'progress'
            ? b.label
            : b.type === 'actions'
              ? b.buttons.map((x) => `[${x.text}|${x.value.kr}|${x.command ?? ''}]`).join(' ')
              : '',
      ),
    ].join('\n'),
  );
}

describe('built-in KR alerts', () => {
  it('count staleness from creation, skip pace for yes/no KRs, offer metric-fed KRs no update, and number KRs as chat does', async () => {
    h = createTestApp({ now: NOW.toISOString() });
    const f = h as unknown as Parameters<typeof seedOrg>[0];
    const { orgId, cycleId } = await seedOrg(f, { alerts: 'send', timezone: 'Asia/Shanghai' });
    const annualId = 'cyc_annual';
    await h.store.db
      .insert(cycles)
      .values({ id: annualId, orgId, name: '2026', startsOn: '2026-01-01', endsOn: '2026-12-31' });
    const owner = await addPerson(f, orgId, 'ana');
    const q4 = await addObjective(f, orgId, cycleId, 'Q4 目标', { personId: owner });
    const manual = await addKr(f, orgId, cycleId, q4, '家访次数', { target: 20, position: 0 });
    const yesNo = await addKr(f, orgId, cycleId, q4, '上线新课程', { target: 1, position: 1 });
    const metric = await addKr(f, orgId, cycleId, q4, '续费率', { start: 50, target: 68, current: 50, position: 2 });
    const fresh = await addKr(f, orgId, cycleId, q4, '新增KR', { target: 10, position: 3 });
    const annual = await addObjective(f, orgId, annualId, '年度目标', { personId: owner });
    const annualKr = await addKr(f, orgId, annualId, annual, '年度教研成果', { target: 12 });
    await h.store.db.update(keyResults).set({ kind: 'boolean' }).where(eq(keyResults.id, yesNo));
    await h.store.db
      .update(keyResults)
      .set({ progressMode: 'metric', metricKey: 'renewal_rate' })
      .where(eq(keyResults.id, metric));
    await h.store.db.update(keyResults).set({ createdAt: '2026-01-01T00:00:00.000Z' });
    // Created three minutes ago, 57 days into the cycle.
    await h.store.db
      .update(keyResults)
      .set({ createdAt: new Date(NOW.getTime() - 180_000).toISOString() })
      .where(eq(keyResults.id, fresh));
    // The rules are past their baseline pass, so what fires now is sent.
    await ensureBuiltinRules(h.store, orgId, NOW);
    await h.store.db.update(rules).set({ baselineAt: '2026-10-01T00:00:00.000Z' }).where(eq(rules.orgId, orgId));

    const [org] = await h.store.db.select().from(organizations).where(eq(organizations.id, orgId));
    await evaluateOrg(
      { store: h.store, config: h.config, adapters: new Map(), addressable: new Set(PLATFORMS) },
      org,
      NOW,
    );

    const firings = await h.store.db.select().from(ruleFirings).where(eq(ruleFirings.orgId, orgId));
    const of = (builtin: string) =>
      new Set(firings.filter((x) => x.ruleId.startsWith(`rule_${builtin}_`)).map((x) => x.subject));
    expect(of('kr_stale').has(fresh)).toBe(false);
    expect(of('kr_stale').has(manual)).toBe(true);
    expect(of('kr_status').has(yesNo)).toBe(false);
    expect(of('kr_status').has(manual)).toBe(true);
    expect(of('kr_status').has(annualKr)).toBe(true);

    const rows = await h.store.db.select().from(outbox).where(eq(outbox.orgId, orgId));
    expect(rows).toHaveLength(1);
    const text = cardText((rows[0].payload as { card: Card }).card);
    // Every KR carries chat's number: the Q4 cycle's first (KR1-KR4), then the annual cycle's
    // (KR5), and `KR5 …` in chat addresses exactly that annual KR (issue 20).
    expect(text).toContain('KR1 家访次数');
    expect(text).toContain('回复「KR1 0」');
    expect(text).toContain('KR5 年度教研成果');
    expect(text).toContain('回复「KR5 0」');
    const [ana] = await h.store.db.select().from(people).where(eq(people.id, owner));
    const view = await loadPersonOkrView(h.store, orgId, ana, NOW, 'Asia/Shanghai');
    expect(krByNumber(view, 1)?.id).toBe(manual);
    expect(krByNumber(view, 5)?.id).toBe(annualKr);
    expect(view.objectives.map((o) => o.cycleName)).toEqual([undefined, '2026']);
    // The metric-fed KR: no buttons, no "reply KR3 …"; the manual one has buttons.
    expect(text).not.toContain(`|${metric}|`);
    expect(text).not.toMatch(/回复「KR3/);
    expect(text).toContain('进度来自业务数据');
    expect(text).toContain(`|${manual}|`);
    const [still] = await h.store.db
      .select({ notice: ruleFirings.notice })
      .from(ruleFirings)
      .where(and(eq(ruleFirings.orgId, orgId), eq(ruleFirings.subject, manual)));
    expect(still.notice).toBe('sent');
  });

  it('names the numbers chat uses when a KR was dropped and an objective awaits approval', async () => {
    h = createTestApp({ now: NOW.toISOString() });
    const f = h as unknown as Parameters<typeof seedOrg>[0];
    const { orgId, cycleId } = await seedOrg(f, { alerts: 'send', timezone: 'Asia/Shanghai' });
    const owner = await addPerson(f, orgId, 'bo');
    const first = await addObjective(f, orgId, cycleId, '目标一', { personId: owner });
    const gone = await addKr(f, orgId, cycleId, first, '已删除', { target: 5, position: 0 });
    const kept = await addKr(f, orgId, cycleId, first, '家访次数', { target: 20, position: 1 });
    await h.store.db.update(keyResults).set({ status: 'dropped' }).where(eq(keyResults.id, gone));
    await h.store.db.update(keyResults).set({ createdAt: '2026-01-01T00:00:00.000Z' });
    await ensureBuiltinRules(h.store, orgId, NOW);
    await h.store.db.update(rules).set({ baselineAt: '2026-10-01T00:00:00.000Z' }).where(eq(rules.orgId, orgId));
    const [org] = await h.store.db.select().from(organizations).where(eq(organizations.id, orgId));
    await evaluateOrg(
      { store: h.store, config: h.config, adapters: new Map(), addressable: new Set(PLATFORMS) },
      org,
      NOW,
    );
    const [row] = await h.store.db.select().from(outbox).where(eq(outbox.orgId, orgId));
    const text = cardText((row.payload as { card: Card }).card);
    // The dropped KR keeps KR1 in chat, so the kept one is KR2 there and on the card.
    const [bo] = await h.store.db.select().from(people).where(eq(people.id, owner));
    expect(krByNumber(await loadPersonOkrView(h.store, orgId, bo, NOW, 'Asia/Shanghai'), 2)?.id).toBe(kept);
    expect(text).toContain('KR2 家访次数');
    expect(text).not.toMatch(/KR1 家访次数/);
  });
});
