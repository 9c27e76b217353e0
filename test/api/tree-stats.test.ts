import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app';
import { adjustments, checkIns, cycles, keyResults, objectives, organizations, people } from '../../storage/schema';

type TestApp = ReturnType<typeof createTestApp>;
let t: TestApp;

const kr = (id: string, objectiveId: string, v: Partial<typeof keyResults.$inferInsert> = {}) => ({
  id,
  orgId: 'org1',
  objectiveId,
  cycleId: 'q4',
  title: `KR ${id}`,
  targetValue: 100,
  ...v,
});

async function seed(app: TestApp) {
  const db = app.store.db;
  await db
    .insert(organizations)
    .values({ id: 'org1', name: 'Acme', slug: 'default', settings: { timezone: 'Asia/Shanghai' } });
  await db.insert(cycles).values([
    { id: 'q3', orgId: 'org1', name: '2026-Q3', startsOn: '2026-07-01', endsOn: '2026-09-30', status: 'closed' },
    { id: 'q4', orgId: 'org1', name: '2026-Q4', startsOn: '2026-10-01', endsOn: '2026-12-31' },
  ]);
  await db.insert(people).values([
    { id: 'alice', orgId: 'org1', externalId: 'a', name: 'Alice' },
    { id: 'bob', orgId: 'org1', externalId: 'b', name: 'Bob' },
    { id: 'carol', orgId: 'org1', externalId: 'c', name: 'Carol' },
  ]);
  const o = (
    id: string,
    ownerType: 'company' | 'team' | 'person',
    parentKrId: string | null,
    ownerPersonId: string | null = null,
  ) => ({ id, orgId: 'org1', cycleId: 'q4', title: `Objective ${id}`, ownerType, parentKrId, ownerPersonId });
  await db
    .insert(objectives)
    .values([
      o('C', 'company', null),
      o('T', 'team', 'ck1'),
      o('P1', 'person', 'tk1', 'alice'),
      o('P2', 'person', 'tk1', 'bob'),
      o('P3', 'person', null, 'carol'),
      { ...o('OLD', 'person', null, 'alice'), cycleId: 'q3' },
    ]);
  await db
    .insert(keyResults)
    .values([
      kr('ck1', 'C', { progressMode: 'children', kind: 'percent' }),
      kr('ck2', 'C', { kind: 'percent', currentValue: 50, position: 1 }),
      kr('tk1', 'T', { progressMode: 'children' }),
      kr('p1k', 'P1', { targetValue: 10, currentValue: 10, confidence: 8, lastCheckInAt: '2026-11-25T00:00:00.000Z' }),
      kr('p2k', 'P2', { kind: 'boolean', targetValue: 1 }),
      kr('p3k', 'P3', { currentValue: 130, lastCheckInAt: '2026-11-20T00:00:00.000Z' }),
      { ...kr('oldk', 'OLD'), cycleId: 'q3' },
    ]);
  await db.insert(checkIns).values([
    {
      id: 'ci1',
      orgId: 'org1',
      keyResultId: 'p1k',
      authorId: 'alice',
      value: 10,
      source: 'chat',
      createdAt: '2026-11-25T00:00:00.000Z',
    },
    {
      id: 'ci2',
      orgId: 'org1',
      keyResultId: 'p3k',
      authorId: 'carol',
      value: 130,
      source: 'chat',
      createdAt: '2026-11-15T00:00:00.000Z',
    },
  ]);
  await db.insert(adjustments).values([
    {
      id: 'ad1',
      orgId: 'org1',
      requesterId: 'bob',
      kind: 'target',
      proposed: { targetValue: 5 },
      createdAt: '2026-11-20T00:00:00.000Z',
    },
    {
      id: 'ad2',
      orgId: 'org1',
      requesterId: 'bob',
      kind: 'target',
      proposed: { targetValue: 5 },
      createdAt: '2026-09-01T00:00:00.000Z',
    },
  ]);
}

beforeEach(async () => {
  t = createTestApp({ now: '2026-11-27T02:00:00Z' });
  await seed(t);
});
afterEach(() => t.close());

describe('GET /api/v1/tree', () => {
  it('returns the rolled-up alignment tree of the current cycle', async () => {
    const res = await t.api('GET', '/api/v1/tree');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.cycleId).toBe('q4');
    expect(body.roots).toEqual(['C', 'P3']);
    expect(body.total).toBe(5);
    expect(body.truncated).toBe(false);
    const node = (id: string) => body.nodes.find((n: { id: string }) => n.id === id);
    expect(body.nodes.map((n: { id: string }) => n.id)).toEqual(['C', 'P3', 'T', 'P1', 'P2']);
    expect(node('P1')).toMatchObject({
      progress: 1,
      status: 'done',
      ownerName: 'Alice',
      upstream: ['T', 'C'],
      parentObjectiveId: 'T',
      level: 2,
    });
    expect(node('P2')).toMatchObject({ progress: 0, status: 'off_track' });
    expect(node('T')).toMatchObject({ progress: 0.5, status: 'at_risk', downstream: ['P1', 'P2'], upstream: ['C'] });
    expect(node('C')).toMatchObject({ progress: 0.5, ownerName: 'Acme', downstream: ['T'], upstream: [] });
    expect(
      node('C').keyResults.map((k: { id: string; progress: number; childObjectiveIds: string[] }) => [
        k.id,
        k.progress,
        k.childObjectiveIds,
      ]),
    ).toEqual([
      ['ck1', 0.5, ['T']],
      ['ck2', 0.5, []],
    ]);
    expect(node('P3').keyResults[0]).toMatchObject({ progress: 1, raw: 1.3 });
  });

  it('serves a subtree by root and depth, and caps the node count', async () => {
    const body = await (await t.api('GET', '/api/v1/tree?cycle=2026-Q4&root=T&depth=0')).json();
    expect(body.nodes).toHaveLength(1);
    expect(body.nodes[0]).toMatchObject({ id: 'T', downstream: ['P1', 'P2'], upstream: ['C'] });
    expect(body.nodes[0].keyResults[0].childObjectiveIds).toEqual(['P1', 'P2']);
    const capped = await (await t.api('GET', '/api/v1/tree?limit=2')).json();
    expect(capped.nodes).toHaveLength(2);
    expect(capped.truncated).toBe(true);
  });

  it('resolves a cycle by id and rejects unknown cycles, roots and bad params', async () => {
    const q3 = await (await t.api('GET', '/api/v1/tree?cycle=q3')).json();
    expect(q3.nodes.map((n: { id: string }) => n.id)).toEqual(['OLD']);
    const missing = await t.api('GET', '/api/v1/tree?cycle=2030-Q1');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('not_found');
    expect((await t.api('GET', '/api/v1/tree?root=nope')).status).toBe(404);
    expect((await t.api('GET', '/api/v1/tree?depth=-1')).status).toBe(400);
    expect((await t.app.request('/api/v1/tree')).status).toBe(401);
  });
});

describe('GET /api/v1/stats', () => {
  it('computes the org figures', async () => {
    const res = await t.api('GET', '/api/v1/stats');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      cycleId: 'q4',
      alignmentRate: 0.75,
      checkInRate: 0.3333,
      adjustmentRatePer100: 33.3,
      people: 3,
      objectives: 5,
      keyResults: 6,
      byStatus: {
        objectives: { done: 2, on_track: 0, at_risk: 2, off_track: 1, not_started: 0 },
        keyResults: { done: 2, on_track: 0, at_risk: 3, off_track: 1, not_started: 0 },
      },
      scoreDistribution: { low: 1, mid: 2, high: 2, average: 0.6 },
    });
    expect(body.expectedProgress).toBeCloseTo(57 / 92, 3);
  });

  it('404s on an unknown cycle', async () => {
    expect((await t.api('GET', '/api/v1/stats?cycle=nope')).status).toBe(404);
  });
});
