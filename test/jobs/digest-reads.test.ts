// The weekly digest reads the org once per run (jobs/digest-data.ts loadDigestSource), however
// many teams and batches it has: before, every batch read its teams' people, objectives, KRs and
// pending adjustments again (and a department's whole aligned subtree), which cost 14× the
// baseline read on bench:digest. Counted here as statements run per table during one run.
import { afterEach, describe, expect, it } from 'vitest';
import { loadDigestSource, teamDigests } from '../../jobs/digest-data';
import { runJobNow } from '../../src/jobs';
import { resolveCycle } from '../../storage/repos/cycles';
import { allTeams } from '../../storage/repos/people';
import { addAdjustment, addCheckIn, addKr, addObjective, addPerson, addTeam, jobsHarness, seedOrg } from './fixtures';
import { countTurns } from '../helpers/turns';

/** A department with a 'children' KR that its teams' objectives align to. */
async function addDepartment(h: ReturnType<typeof jobsHarness>, orgId: string, cycleId: string) {
  const id = await addTeam(h, orgId, 'Department');
  const objective = await addObjective(h, orgId, cycleId, 'Department grows', { teamId: id });
  return { id, krId: await addKr(h, orgId, cycleId, objective, 'Revenue', { mode: 'children' }) };
}

/** Team `t` under the department, with its chat and a 'children' KR aligned to the department's. */
async function addTeamUnder(
  h: ReturnType<typeof jobsHarness>,
  orgId: string,
  cycleId: string,
  department: { id: string; krId: string },
  t: number,
) {
  const team = await addTeam(h, orgId, `Team ${t}`, { parentId: department.id, larkChatId: `oc_${t}` });
  const objective = await addObjective(h, orgId, cycleId, `Team ${t} grows`, { teamId: team }, department.krId);
  return { team, teamKr: await addKr(h, orgId, cycleId, objective, 'Deals', { mode: 'children' }) };
}

describe('weekly digest reads', () => {
  let h: ReturnType<typeof jobsHarness>;
  afterEach(() => h?.close());

  it('reads people, objectives, KRs and adjustments once per run, not once per batch of teams', async () => {
    h = jobsHarness({ now: '2026-11-30T01:00:00Z' }); // Monday 09:00 Shanghai
    const { orgId, cycleId } = await seedOrg(h);
    const department = await addDepartment(h, orgId, cycleId);
    const TEAMS = 40;
    for (let t = 0; t < TEAMS; t++) {
      const { team, teamKr } = await addTeamUnder(h, orgId, cycleId, department, t);
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

  // One statement per table held the event loop until every row was mapped: 172 ms for a
  // 3,000-person org's 16,555 KRs in bench:soak, while pushes waited for their acknowledgement
  // (issue 22's ack max went past 1 s again). Each table is now read in pages, a turn apart.
  it('reads the large tables in pages with a turn of the event loop between them, to the same digests', async () => {
    h = jobsHarness({ now: '2026-11-30T01:00:00Z' });
    const { orgId, cycleId } = await seedOrg(h);
    const department = await addDepartment(h, orgId, cycleId);
    for (let t = 0; t < 4; t++) {
      const { team, teamKr } = await addTeamUnder(h, orgId, cycleId, department, t);
      for (let p = 0; p < 4; p++) {
        const person = await addPerson(h, orgId, `p${t}-${p}`, { teamId: team });
        const objective = await addObjective(h, orgId, cycleId, `p${t}-${p} sells`, { personId: person }, teamKr);
        for (let k = 0; k < 2; k++) {
          const kr = await addKr(h, orgId, cycleId, objective, `Calls ${k}`, { current: t + p + k });
          // Check-ins at shared instants, inside the week and before it: the pages must break ties.
          await addCheckIn(h, orgId, kr, person, 0, t + p + k, '2026-11-20T02:00:00.000Z');
          if (k === 0) await addCheckIn(h, orgId, kr, person, p, t + p + 1, '2026-11-25T02:00:00.000Z');
        }
      }
    }
    const now = new Date('2026-11-30T01:00:00Z');
    const cycle = (await resolveCycle(h.store, orgId, undefined, '2026-11-30'))!;
    const window = {
      start: new Date(now.getTime() - 7 * 86_400_000),
      now,
      timeZone: 'Asia/Shanghai',
      today: '2026-11-30',
      week: '2026-W49',
    };
    const teams = await allTeams(h.store, orgId);

    const whole = teamDigests(await loadDigestSource(h.store, orgId, cycle, window), teams);
    const { result: source, turns } = await countTurns(() => loadDigestSource(h.store, orgId, cycle, window, 3));
    const paged = teamDigests(source, teams);

    expect(paged).toEqual(whole);
    expect(whole.some((d) => d.digest.movers.length > 0)).toBe(true);
    // 16 people, 21 objectives, 37 KRs, 16 check-ins in the week: 6 + 7 + 13 + 6 pages of three.
    expect(turns).toBeGreaterThanOrEqual(28);
  });
});
