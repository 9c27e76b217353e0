// A job's fan-out runs in time-boxed slices (issue 22 item 3): the event loop that answers
// webhook acknowledgements gets a turn after every batch, and no batch holds it for much longer
// than the slice budget, whatever the job's batch size. Timing is an injected clock that only the
// job's own work advances, never real milliseconds: the checks hold on any machine.
import { afterEach, describe, expect, it } from 'vitest';
import { nextBatchSize, Slices } from '../../core/loop';
import { runJobUnit } from '../../jobs/runner';
import type { JobDefinition } from '../../jobs/types';
import { organizations, outbox } from '../../storage/schema';
import { eq } from 'drizzle-orm';
import { jobsHarness, seedOrg } from './fixtures';
import { commitGroups, type WriteGroup } from '../../src/rules/write-groups';
import type { Statement } from '../../storage/db';
import { countTurns } from '../helpers/turns';

const COST_MS = 4; // injected cost of building one item's message
const BUDGET_MS = 15;

describe('fan-out in time-boxed slices', () => {
  let h: ReturnType<typeof jobsHarness>;
  afterEach(() => h?.close());

  it('yields to the event loop between batches, each batch within the slice budget (plus one item)', async () => {
    h = jobsHarness({ now: '2026-11-30T01:00:00Z' });
    const { orgId } = await seedOrg(h);
    const [org] = await h.store.db.select().from(organizations).where(eq(organizations.id, orgId));
    let fake = 0; // the injected clock: only the job's work moves it
    const items = Array.from({ length: 200 }, (_, i) => `item-${String(i).padStart(3, '0')}`);
    const job: JobDefinition = {
      name: 'slice-probe',
      description: 'test job',
      schedule: '0 9 * * 1',
      tick: '*/15 * * * *',
      period: 'week',
      catchUpMs: 3_600_000,
      async run(ctx) {
        await ctx.fanOut(
          items,
          async (batch) => {
            fake += batch.length * COST_MS;
            return batch.map((item) => ({
              to: { platform: 'lark' as const, kind: 'user' as const, id: `ou_${item}` },
              message: { text: item },
              subject: `probe:${item}`,
            }));
          },
          { batchSize: 50 },
        );
      },
    };

    // The instrumented event loop: a turn-by-turn probe that records the injected clock each turn.
    const seen: number[] = [];
    let running = true;
    const probe = () => {
      seen.push(fake);
      if (running) setImmediate(probe);
    };
    setImmediate(probe);
    const result = await runJobUnit(
      h.services,
      job,
      org,
      { timeZone: 'Asia/Shanghai', isOrgZone: true },
      { slot: new Date('2026-11-30T01:00:00Z'), period: '2026-W49' },
      'Asia/Shanghai',
      { slices: { now: () => fake, budgetMs: BUDGET_MS } },
    );
    running = false;
    expect(result.outcome).toBe('done');
    expect(result.stats.messages).toBe(200);
    expect(await h.store.db.select().from(outbox)).toHaveLength(200);

    // The loop ran while the fan-out worked: the probe saw the clock at many points, not only at the end.
    expect(seen.filter((t) => t > 0 && t < fake).length).toBeGreaterThan(10);
    // No stretch between two turns of the loop held more than a slice (plus one item's overshoot).
    const marks = [0, ...seen, fake];
    const gaps = marks.slice(1).map((t, i) => t - marks[i]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(BUDGET_MS + COST_MS);
  });
});

describe('rule passes commit in time-boxed batches', () => {
  let h: ReturnType<typeof jobsHarness>;
  afterEach(() => h?.close());

  it('sizes each write transaction to the slice budget and gives the loop a turn after each', async () => {
    h = jobsHarness({ now: '2026-11-30T01:00:00Z' });
    const { orgId } = await seedOrg(h);
    let fake = 0;
    const transactions: number[] = [];
    // The store as the pass sees it: each transaction "costs" 1 ms per statement on the injected clock.
    const store = {
      ...h.store,
      atomic: async (statements: Statement[]) => {
        fake += statements.length;
        transactions.push(statements.length);
        await h.store.atomic(statements);
      },
    };
    const groups: WriteGroup[] = Array.from({ length: 400 }, (_, i) => ({
      statements: [
        h.store.db
          .update(organizations)
          .set({ name: `Acme ${i}` })
          .where(eq(organizations.id, orgId)),
      ],
    }));
    const { turns } = await countTurns(() =>
      commitGroups(store, groups, undefined, { now: () => fake, budgetMs: BUDGET_MS }),
    );
    expect(transactions.reduce((a, b) => a + b, 0)).toBe(400);
    // The first transaction is small (50 units), the next ones fit the budget; before, one held all 400.
    expect(transactions[0]).toBeLessThanOrEqual(50);
    expect(Math.max(...transactions.slice(1))).toBeLessThanOrEqual(BUDGET_MS);
    expect(turns).toBeGreaterThanOrEqual(transactions.length - 1);
    const [org] = await h.store.db.select().from(organizations).where(eq(organizations.id, orgId));
    expect(org.name).toBe('Acme 399');
  });
});

describe('slice sizing and pauses', () => {
  it('shrinks a batch that overran the budget, grows a quick one back, never past the maximum or below 1', () => {
    expect(nextBatchSize(50, 200, 15, 50)).toBe(3);
    expect(nextBatchSize(3, 2, 15, 50)).toBe(6);
    expect(nextBatchSize(40, 1, 15, 50)).toBe(50);
    expect(nextBatchSize(1, 500, 15, 50)).toBe(1);
    expect(nextBatchSize(10, 10, 15, 50)).toBe(10);
  });

  it('pause() gives the loop a turn only once the slice budget is spent', async () => {
    let t = 0;
    const slices = new Slices({ now: () => t, budgetMs: 10 });
    let fired = false;
    setImmediate(() => (fired = true));
    t = 9;
    expect(await slices.pause()).toBe(false);
    expect(fired).toBe(false);
    t = 10;
    expect(await slices.pause()).toBe(true);
    expect(fired).toBe(true);
    // A new slice started at the yield.
    t = 15;
    expect(await slices.pause()).toBe(false);
  });
});
