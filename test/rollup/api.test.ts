// The stored roll-ups through the API: a check-in queues them and a coalesced pass (or the next read) brings them up to date, GET
// /api/v1/tree and GET /stats read them, and POST /api/v1/rollups/recompute (admin only) and
// `polaris rollups` rebuild them.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main as cli } from '../../src/cli';
import { runJobNow } from '../../src/jobs';
import { expectedPace } from '../../core/okr';
import { cycles, keyResults, objectives, organizations } from '../../storage/schema';
import { createTestApp } from '../helpers/app';
import { nodeDetail, treePage } from '../../src/web/data';

let t: ReturnType<typeof createTestApp>;

beforeEach(async () => {
  t = createTestApp();
  const db = t.store.db;
  await db
    .insert(organizations)
    .values({ id: 'org1', name: 'Acme', slug: 'default', settings: { timezone: 'Asia/Shanghai' } });
  await db
    .insert(cycles)
    .values({ id: 'q4', orgId: 'org1', name: '2026-Q4', startsOn: '2026-10-01', endsOn: '2026-12-31' });
  const o = (id: string, ownerType: 'company' | 'team' | 'person', parentKrId: string | null) => ({
    id,
    orgId: 'org1',
    cycleId: 'q4',
    title: id,
    ownerType,
    parentKrId,
  });
  await db
    .insert(objectives)
    .values([o('co', 'company', null), o('team', 'team', 'k_co'), o('me', 'person', 'k_team')]);
  const kr = (id: string, objectiveId: string, mode: 'children' | 'manual') => ({
    id,
    orgId: 'org1',
    objectiveId,
    cycleId: 'q4',
    title: id,
    targetValue: 100,
    progressMode: mode,
  });
  await db
    .insert(keyResults)
    .values([kr('k_co', 'co', 'children'), kr('k_team', 'team', 'children'), kr('k_me', 'me', 'manual')]);
});
afterEach(() => t.close());

const queued = () => t.store.sqlite.prepare('SELECT count(*) AS n FROM rollup_dirty').get() as { n: number };
const companyProgress = () =>
  (
    t.store.sqlite.prepare(`SELECT progress FROM objective_rollups WHERE objective_id = 'co'`).get() as {
      progress: number;
    }
  )?.progress;

describe('stored roll-ups through the API', () => {
  it('a check-in queues the chain above its KR; a read brings it up to date first, a coalesced pass soon after', async () => {
    expect((await t.api('GET', '/api/v1/stats')).status).toBe(200); // builds the cycle
    expect(companyProgress()).toBe(0);
    const res = await t.api('POST', '/api/v1/key-results/k_me/check-ins', { value: 40 });
    expect(res.status).toBe(201);
    // Nothing roll-up-related ran before the answer: the KR's objective is queued.
    expect(queued().n).toBe(1);
    expect(companyProgress()).toBe(0);
    const tree = await (await t.api('GET', '/api/v1/tree?depth=3')).json();
    expect(tree.nodes.map((n: { id: string; progress: number }) => [n.id, n.progress])).toEqual([
      ['co', 0.4],
      ['team', 0.4],
      ['me', 0.4],
    ]);
    expect(queued().n).toBe(0);
    expect(companyProgress()).toBe(0.4);
    const stats = await (await t.api('GET', '/api/v1/stats')).json();
    expect(stats.scoreDistribution).toMatchObject({ low: 0, mid: 3, high: 0, average: 0.4 });
    // With no read, the pass scheduled by the check-in applies it within its window (500 ms).
    expect((await t.api('POST', '/api/v1/key-results/k_me/check-ins', { value: 60 })).status).toBe(201);
    expect(queued().n).toBe(1);
    await t.settle(); // the pass the check-in deferred (Workers' waitUntil keeps it alive there)
    expect(companyProgress()).toBe(0.6);
  });

  it('rebuilds on demand, and repairs rows that were tampered with', async () => {
    await t.api('GET', '/api/v1/stats');
    t.store.sqlite.prepare(`UPDATE objective_rollups SET progress = 0.9`).run();
    const res = await t.api('POST', '/api/v1/rollups/recompute');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ cycle: { id: 'q4' }, objectives: 3, keyResults: 3 });
    expect(companyProgress()).toBe(0);
  });

  it('the web dashboard reads the stored rows too, not a roll-up of the whole org per page', async () => {
    await t.api('GET', '/api/v1/stats'); // builds the cycle
    // A stored value no full roll-up would compute: the pages show it only if they read the rows.
    t.store.sqlite.prepare(`UPDATE objective_rollups SET progress = 0.9 WHERE objective_id = 'co'`).run();
    const q = {
      orgId: 'org1',
      cycle: { id: 'q4', startsOn: '2026-10-01', endsOn: '2026-12-31' },
      now: new Date('2026-11-27T02:00:00Z'),
      timeZone: 'Asia/Shanghai',
    };
    const page = await treePage(t.store, q, { kind: 'all' }, { depth: 3, maxNodes: 100 });
    expect(page.nodes.find((n) => n.id === 'co')?.progress).toBe(0.9);
    const detail = await nodeDetail(t.store, q, { kind: 'all' }, 'co');
    expect(detail.node.progress).toBe(0.9);
  });

  it('refuses the recompute without the admin token', async () => {
    const res = await t.app.request('/api/v1/rollups/recompute', { method: 'POST' });
    expect(res.status).toBe(401);
  });
});

describe('polaris rollups', () => {
  it('rebuilds every cycle of the org from the command line', async () => {
    await t.api('GET', '/api/v1/stats');
    t.store.sqlite.prepare(`UPDATE objective_rollups SET progress = 0.9`).run();
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => {
      out.push(line);
    });
    try {
      expect(await cli(['rollups', '--org', 'default'], { DATABASE_PATH: t.store.sqlite.name })).toBe(0);
      expect(await cli(['rollups', '--org', 'nope'], { DATABASE_PATH: t.store.sqlite.name })).toBe(1);
    } finally {
      log.mockRestore();
    }
    expect(out.join('\n')).toContain('default q4: 3 objectives, 3 key results');
    expect(companyProgress()).toBe(0);
  });
  it("the rollups-pace job stores the new day's pace, so the next day's GET /stats rebuilds nothing", async () => {
    expect((await t.api('GET', '/api/v1/stats')).status).toBe(200); // builds the cycle at today's pace
    const stored = () =>
      t.store.sqlite.prepare(`SELECT expected, updated_at AS at FROM rollup_totals WHERE cycle_id = 'q4'`).get() as {
        expected: number;
        at: string;
      };
    const q4 = { startsOn: '2026-10-01', endsOn: '2026-12-31' };
    expect(stored().expected).toBe(expectedPace(q4, t.clock.now(), 'Asia/Shanghai'));
    const tomorrow = new Date(t.clock.now().getTime() + 86_400_000);
    const { services } = (await import('../../src/app')).createPolaris({
      store: t.store,
      config: t.config,
      clock: t.clock,
    });
    t.clock.set(tomorrow);
    const [run] = await runJobNow(services, 'rollups-pace', { now: tomorrow, force: true });
    expect(run.outcome).toBe('done');
    expect(run.stats).toMatchObject({ cycles: 1 });
    const repaced = stored();
    expect(repaced).toEqual({ expected: expectedPace(q4, tomorrow, 'Asia/Shanghai'), at: tomorrow.toISOString() });
    t.clock.advance(3_600_000);
    expect((await t.api('GET', '/api/v1/stats')).status).toBe(200);
    expect(stored()).toEqual(repaced); // no rebuild on the read
  });
});
