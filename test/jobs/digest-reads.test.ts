// The weekly digest reads the org once per run (jobs/digest-data.ts loadDigestSource), however
// many teams and batches it has: before, every batch read its teams' people, objectives, KRs and
// pending adjustments again (and a department's whole aligned subtree), which cost 14× the
// baseline read on bench:digest. Counted here as statements run per table during one run.
import { afterEach, describe, expect, it } from 'vitest';
import { runJobNow } from '../../src/jobs';
import { addAdjustment, addKr, addObjective, addPerson, addTeam, jobsHarness, seedOrg } from './fixtures';

describe('weekly digest reads', () => {
  let h: ReturnType<typeof jobsHarness>;
  afterEach(() => h?.close());

  it('reads people, objectives, KRs and adjustments once per run, not once per batch of teams', async () => {
    h = jobsHarness({ now: '2026-11-30T01:00:00Z' }); // Monday 09:00 Shanghai
    const { orgId, cycleId } = await seedOrg(h);
    const department = await addTeam(h, orgId, 'Department');
    const departmentKr = await addKr(
      h,
      orgId,
      cycleId,
      await addObjective(h, orgId, cycleId, 'Department grows', { teamId: department }),
      'Revenue',
      { mode: 'children' },
    );
    const TEAMS = 40;
    for (let t = 0; t < TEAMS; t++) {
      const team = await addTeam(h, orgId, `Team ${t}`, { parentId: department, larkChatId: `oc_${t}` });
      const teamKr = await addKr(
        h,
        orgId,
        cycleId,
        await addObjective(h, orgId, cycleId, `Team ${t} grows`, { teamId: team }, departmentKr),
        'Deals',
        { mode: 'children' },
      );
      const person = await addPerson(h, orgId, `p${t}`, { teamId: team });
      await addKr(
        h,
        orgId,
        cycleId,
        await addObjective(h, orgId, cycleId, `p${t} sells`, { personId: person }, teamKr),
        'Calls',
        { current: t },
      );
      if (t % 5 === 0) await addAdjustment(h, orgId, person, 'moved');
    }

    const reads = new Map<string, number>();
    const sqlite = h.store.sqlite;
    const prepare = sqlite.prepare.bind(sqlite);
    sqlite.prepare = ((source: string) => {
      const table = /^select .* from "(\w+)"/is.exec(source)?.[1];
      if (table) reads.set(table, (reads.get(table) ?? 0) + 1);
      return prepare(source);
    }) as typeof sqlite.prepare;
    // Batches start at one team and double: 41 teams take several batches.
    let batches = 0;
    const results = await runJobNow(h.services, 'weekly-digest', {
      afterBatch: () => {
        batches++;
      },
    });
    sqlite.prepare = prepare as typeof sqlite.prepare;

    expect(results.map((r) => r.outcome)).toEqual(['done']);
    expect(results[0].stats.teamChats).toBe(TEAMS);
    expect(batches).toBeGreaterThan(3);
    // People twice: the team digests' read and the company digest's admins.
    const expected = { people: 2, objectives: 1, key_results: 1, adjustments: 1 };
    expect(Object.fromEntries(Object.keys(expected).map((table) => [table, reads.get(table) ?? 0]))).toEqual(expected);
  });
});
