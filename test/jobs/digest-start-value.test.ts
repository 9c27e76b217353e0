// "Change since last week" when a KR's first check-in of the week carries no previous value
// (rows written before previous_value existed, or by an API client): its value at the window start is its latest check-in before the window,
// else its start value. The digest reads those for a whole batch of KRs at once; this pins the
// answer, KR by KR, including the tie-free ordering by time and KRs with nothing earlier.
import { afterEach, describe, expect, it } from 'vitest';
import { computeTeamDigests } from '../../jobs/digest-data';
import { resolveCycle } from '../../storage/repos/cycles';
import { getTeam } from '../../storage/repos/people';
import { newId } from '../../storage/ids';
import { checkIns } from '../../storage/schema';
import { addKr, addObjective, addPerson, addTeam, jobsHarness, seedOrg } from './fixtures';

describe('digest: value at the window start without previous_value', () => {
  let h: ReturnType<typeof jobsHarness>;
  afterEach(() => h?.close());

  it('takes the latest check-in before the window, else the start value, for every KR of the batch', async () => {
    h = jobsHarness({ now: '2026-11-30T01:00:00Z' });
    const { orgId, cycleId } = await seedOrg(h);
    const team = await addTeam(h, orgId, 'Ops');
    const ana = await addPerson(h, orgId, 'ana', { teamId: team });
    const objective = await addObjective(h, orgId, cycleId, 'Ana ships', { personId: ana });
    const checkIn = (krId: string, value: number, at: string) =>
      h.store.db.insert(checkIns).values({
        id: newId('ci'),
        orgId,
        keyResultId: krId,
        authorId: ana,
        value,
        previousValue: null,
        source: 'api',
        createdAt: at,
      });
    // Visits: 10 and then 20 before the week, 60 inside it: +40 points (from 20, not from 10 or 0).
    const visits = await addKr(h, orgId, cycleId, objective, 'Visits', { current: 60, position: 0 });
    await checkIn(visits, 20, '2026-11-12T03:00:00Z');
    await checkIn(visits, 10, '2026-11-05T03:00:00Z');
    await checkIn(visits, 60, '2026-11-25T03:00:00Z');
    // Calls: nothing before the week: from its start value 5 to 35, +30 points.
    const calls = await addKr(h, orgId, cycleId, objective, 'Calls', { start: 5, current: 35, position: 1 });
    await checkIn(calls, 35, '2026-11-26T03:00:00Z');
    // Deals: 70 before, 75 inside: +5 points. Quiet: 40 before the week and nothing since, so it did not move.
    const deals = await addKr(h, orgId, cycleId, objective, 'Deals', { current: 75, position: 2 });
    await checkIn(deals, 70, '2026-11-20T03:00:00Z');
    await checkIn(deals, 75, '2026-11-27T03:00:00Z');
    const quiet = await addKr(h, orgId, cycleId, objective, 'Quiet', { current: 40, position: 3 });
    await checkIn(quiet, 40, '2026-11-10T03:00:00Z');

    const cycle = (await resolveCycle(h.store, orgId, undefined, '2026-11-30'))!;
    const [data] = await computeTeamDigests(h.store, orgId, cycle, [(await getTeam(h.store, orgId, team))!], {
      start: new Date('2026-11-23T01:00:00Z'),
      now: h.clock.now(),
      timeZone: 'Asia/Shanghai',
      today: '2026-11-30',
      week: '2026-W49',
    });
    expect(data.digest.movers.map((m) => [m.title, Math.round(m.delta * 100)])).toEqual([
      ['Visits', 40],
      ['Calls', 32],
      ['Deals', 5],
    ]);
    const [member] = data.digest.members;
    // Mean progress now (60, 31.6, 75, 40 with weights 1) minus at the start (20, 0, 70, 40).
    expect(Math.round((member.delta ?? 0) * 1000)).toBe(Math.round(((40 + 31.578947 + 5) / 4) * 10));
  });

  it('reads the week of the whole org at once for a batch with more KRs than check-ins, with the same answer', async () => {
    h = jobsHarness({ now: '2026-11-30T01:00:00Z' });
    const { orgId, cycleId } = await seedOrg(h);
    const team = await addTeam(h, orgId, 'Field');
    const bo = await addPerson(h, orgId, 'bo', { teamId: team });
    const other = await addPerson(h, orgId, 'other', { teamId: await addTeam(h, orgId, 'Elsewhere') });
    const objective = await addObjective(h, orgId, cycleId, 'Bo covers the region', { personId: bo });
    // 120 KRs (more than one statement's worth), three of them checked in this week.
    const krs: string[] = [];
    for (let i = 0; i < 120; i++)
      krs.push(
        await addKr(h, orgId, cycleId, objective, `Town ${i}`, {
          current: i === 7 ? 50 : i === 42 ? 30 : 0,
          position: i,
        }),
      );
    const at = (day: number) => `2026-11-${day}T03:00:00Z`;
    const checkIn = (krId: string, author: string, value: number, previousValue: number | null, createdAt: string) =>
      h.store.db.insert(checkIns).values({
        id: newId('ci'),
        orgId,
        keyResultId: krId,
        authorId: author,
        value,
        previousValue,
        source: 'api',
        createdAt,
      });
    await checkIn(krs[7], bo, 10, null, at(10));
    await checkIn(krs[7], bo, 25, null, at(24));
    await checkIn(krs[7], bo, 50, 25, at(26));
    await checkIn(krs[42], bo, 30, 20, at(27));
    // Another team's KR checked in this week is read with the org's week and left out.
    const elsewhere = await addKr(
      h,
      orgId,
      cycleId,
      await addObjective(h, orgId, cycleId, 'Other', { personId: other }),
      'Far',
    );
    await checkIn(elsewhere, other, 90, 0, at(25));

    const cycle = (await resolveCycle(h.store, orgId, undefined, '2026-11-30'))!;
    const [data] = await computeTeamDigests(h.store, orgId, cycle, [(await getTeam(h.store, orgId, team))!], {
      start: new Date('2026-11-23T01:00:00Z'),
      now: h.clock.now(),
      timeZone: 'Asia/Shanghai',
      today: '2026-11-30',
      week: '2026-W49',
    });
    // Town 7: its first check-in of the week is at 24th (no previous value): from 10 (the 10th) to 50.
    expect(data.digest.movers.map((m) => [m.title, Math.round(m.delta * 100)])).toEqual([
      ['Town 7', 40],
      ['Town 42', 10],
    ]);
  });
});
