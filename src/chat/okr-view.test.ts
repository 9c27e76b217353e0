import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { keyResults, objectives, people } from '../../storage/schema';
import { loadTree } from '../../storage/repos/tree';
import { createTestApp } from '../../test/helpers/app';
import { IDS, seedSmallOrg } from '../../test/helpers/fixtures';
import { loadPersonOkrView } from './okr-view';

let t: ReturnType<typeof createTestApp>;
afterEach(() => t?.close());

describe("a person's OKR view", () => {
  it('rolls a children KR up through every level below it, as the alignment tree does', async () => {
    t = createTestApp();
    await seedSmallOrg(t.store);
    const db = t.store.db;
    // Alice's KR1 takes its progress from Bob's objective, whose only KR takes it from a grandchild at 50%.
    await db.update(keyResults).set({ progressMode: 'children' }).where(eq(keyResults.id, IDS.aliceKr1));
    await db.insert(objectives).values([
      {
        id: 'obj_child',
        orgId: IDS.org,
        cycleId: IDS.cycle,
        title: 'child',
        ownerType: 'person',
        ownerPersonId: IDS.bob,
        parentKrId: IDS.aliceKr1,
      },
      {
        id: 'obj_grand',
        orgId: IDS.org,
        cycleId: IDS.cycle,
        title: 'grandchild',
        ownerType: 'person',
        ownerPersonId: IDS.bob,
        parentKrId: 'kr_child',
      },
    ]);
    await db.insert(keyResults).values([
      {
        id: 'kr_child',
        orgId: IDS.org,
        objectiveId: 'obj_child',
        cycleId: IDS.cycle,
        title: 'rolled',
        targetValue: 100,
        progressMode: 'children',
      },
      {
        id: 'kr_grand',
        orgId: IDS.org,
        objectiveId: 'obj_grand',
        cycleId: IDS.cycle,
        title: 'half',
        startValue: 0,
        targetValue: 10,
        currentValue: 5,
      },
    ]);
    const [alice] = await db.select().from(people).where(eq(people.id, IDS.alice));
    const now = t.clock.now();
    const view = await loadPersonOkrView(t.store, IDS.org, alice, now, 'Asia/Shanghai');
    const kr1 = view.krs.find((k) => k.id === IDS.aliceKr1)!;
    expect(kr1.progress).toBeCloseTo(0.5);

    const cycle = { id: IDS.cycle, startsOn: '2026-10-01', endsOn: '2026-12-31' };
    const tree = await loadTree(t.store, {
      orgId: IDS.org,
      cycle,
      now,
      timeZone: 'Asia/Shanghai',
      rootId: IDS.aliceObjective,
      depth: 0,
    });
    const fromTree = tree.nodes.flatMap((n) => n.keyResults).find((k) => k.id === IDS.aliceKr1)!;
    expect(kr1.progress).toBeCloseTo(fromTree.progress);
  });
});
